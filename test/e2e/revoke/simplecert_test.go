package revoke_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// OS-SIMPLE-CERT served the PKI certificates; Keystone answers 410 Gone since
// PKI tokens went away, with or without a token.
func TestSimpleCertIsGone(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	admin := e2eutil.Admin(t)
	// No token at all: the calls need none.
	anonymous := e2eutil.Client(t, e2eutil.Session(t, &auth.NoAuth{Endpoint: e2eutil.AuthURL()}), identity.WithEndpoint(e2eutil.AuthURL()))
	for name, c := range map[string]*identity.Client{"admin": admin, "anonymous": anonymous} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Raw().GetCACertificateWithResponse(ctx)
			requireGone(t, err)
			_, err = c.Raw().ListSigningCertificatesWithResponse(ctx)
			requireGone(t, err)
		})
	}
}

func requireGone(t *testing.T, err error) {
	t.Helper()
	var apiErr *apierror.Error
	require.True(t, errors.As(err, &apiErr), "want a 410, got %v", err)
	assert.Equal(t, http.StatusGone, apiErr.StatusCode)
	assert.NotEmpty(t, apiErr.Message, "Keystone says why")
}
