package identity

import (
	"context"
	"fmt"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// ValidateOption refines a token validation.
type ValidateOption func(*validateOptions)

type validateOptions struct {
	allowExpired bool
	noCatalog    bool
	accessRules  string
}

// AllowExpired accepts a token that expired within Keystone's
// [token] allow_expired_window (a service finishing a long request).
func AllowExpired() ValidateOption { return func(o *validateOptions) { o.allowExpired = true } }

// WithoutCatalog asks Keystone to leave the service catalog out of the
// answer: a service that only checks roles saves the bytes.
func WithoutCatalog() ValidateOption { return func(o *validateOptions) { o.noCatalog = true } }

// EnforcingAccessRules says the caller enforces application-credential
// access rules of this version ("1.0"); Keystone refuses (404) to validate
// the token of a credential with access rules for a caller that does not.
func EnforcingAccessRules(version string) ValidateOption {
	return func(o *validateOptions) { o.accessRules = version }
}

func validateOpts(opts []ValidateOption) validateOptions {
	var o validateOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// ValidateAccessInfo validates token (GET /v3/auth/tokens with
// X-Subject-Token, as python-keystoneclient's tokens.validate_access_info)
// and returns what Keystone says of it: user, scope, roles, catalog,
// expiry, methods, audit ids, trust, application credential, ... An
// invalid, revoked or expired token is an error matching ErrNotFound.
func (c *Client) ValidateAccessInfo(ctx context.Context, token string, opts ...ValidateOption) (*auth.AccessInfo, error) {
	if token == "" {
		return nil, fmt.Errorf("%w: validate: an empty token", apierror.ErrValidation)
	}
	o := validateOpts(opts)
	params := identityv3.ValidateTokenParams{XSubjectToken: token}
	if o.allowExpired {
		params.AllowExpired = &o.allowExpired
	}
	if o.noCatalog {
		params.Nocatalog = &o.noCatalog
	}
	if o.accessRules != "" {
		params.OpenStackIdentityAccessRules = &o.accessRules
	}
	resp, err := c.Raw().ValidateTokenWithResponse(ctx, &params)
	if err != nil {
		return nil, err
	}
	base, err := c.Endpoint(ctx)
	if err != nil {
		return nil, err
	}
	// Keystone echoes the token in X-Subject-Token; the one asked about is
	// the one described should an intermediary drop the header.
	subject := resp.HTTPResponse.Header.Get("X-Subject-Token")
	if subject == "" {
		subject = token
	}
	return auth.AccessInfoFromBody(subject, resp.Body, base)
}

// ValidateAccessInfo validates token (GET /v2.0/tokens/{token}) and
// returns what Keystone says of it. The options are v3's: v2.0 refuses
// them with an error matching apierror.ErrValidation.
func (c *V2Client) ValidateAccessInfo(ctx context.Context, token string, opts ...ValidateOption) (*auth.AccessInfo, error) {
	if token == "" {
		return nil, fmt.Errorf("%w: validate: an empty token", apierror.ErrValidation)
	}
	if o := validateOpts(opts); o.allowExpired || o.noCatalog || o.accessRules != "" {
		return nil, fmt.Errorf("%w: validate: Identity v2.0 takes none of the v3 validation options", apierror.ErrValidation)
	}
	resp, err := c.Raw().ValidateTokenWithResponse(ctx, token, &identityv2.ValidateTokenParams{})
	if err != nil {
		return nil, err
	}
	base, err := c.Endpoint(ctx)
	if err != nil {
		return nil, err
	}
	return auth.AccessInfoFromBody(token, resp.Body, base)
}
