package auth

import (
	"context"
	"fmt"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// This file is the v2.0 half of the generic plugins. The v2.0 plugins
// (v2password, v2token) replace the two functions below: each gets the
// v2.0 root URL the generic plugin discovered and the plugin itself, and
// returns the AccessInfo of POST {v2URL}/tokens.

// v2Password authenticates a GenericPassword on a server that offers only
// Identity v2.0 (tenant from Scope.ProjectID / ProjectName, trust from
// Scope.TrustID).
func v2Password(_ context.Context, _ Doer, v2URL string, _ *GenericPassword) (*AccessInfo, error) {
	return nil, v2Unsupported(v2URL)
}

// v2Token exchanges a GenericToken's token on a server that offers only
// Identity v2.0.
func v2Token(_ context.Context, _ Doer, v2URL string, _ *GenericToken) (*AccessInfo, error) {
	return nil, v2Unsupported(v2URL)
}

func v2Unsupported(v2URL string) error {
	return fmt.Errorf("%w: %s offers only Identity v2.0, which keystone-go's generic plugins do not support yet",
		apierror.ErrVersionNotAvailable, v2URL)
}
