package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/keystone-go/keystone/internal/redact"
)

// TokenEndpoint uses a token it was given and sends every request to one
// endpoint (keystoneauth's admin_token, or token_endpoint.Token): there is
// no catalog and no scope information, and the token is never renewed. It
// serves Keystone's bootstrap ADMIN_TOKEN, tests, and tokens obtained
// elsewhere.
type TokenEndpoint struct {
	// Endpoint is the full base URL of the service every request goes to
	// ("https://keystone.example/v3"). Without it only requests with
	// absolute URLs can be sent.
	Endpoint string
	Token    string
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v TokenEndpoint) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v TokenEndpoint) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// Authenticate returns the token; it sends nothing.
func (p *TokenEndpoint) Authenticate(context.Context, Doer) (*AccessInfo, error) {
	if p.Token == "" {
		return nil, missing("token")
	}
	return &AccessInfo{Token: p.Token, EndpointOverride: strings.TrimSuffix(p.Endpoint, "/")}, nil
}

// HTTPBasic sends a user name and password as HTTP Basic credentials with
// every request, to one endpoint, without Keystone (keystoneauth's
// http_basic): for services deployed standalone behind Basic auth.
type HTTPBasic struct {
	Username string
	Password string
	// Endpoint is the full base URL of the service every request goes to.
	Endpoint string
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v HTTPBasic) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v HTTPBasic) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// Authenticate returns access that carries no token; it sends nothing.
func (p *HTTPBasic) Authenticate(context.Context, Doer) (*AccessInfo, error) {
	if p.Username == "" {
		return nil, missing("username")
	}
	return &AccessInfo{NoToken: true, EndpointOverride: strings.TrimSuffix(p.Endpoint, "/")}, nil
}

// DecorateRequest adds the Basic credentials (see RequestDecorator).
func (p *HTTPBasic) DecorateRequest(req *http.Request, _ *AccessInfo) error {
	req.SetBasicAuth(p.Username, p.Password)
	return nil
}

// NoAuth sends requests without any credentials, to one endpoint
// (keystoneauth's none): for services deployed in noauth mode.
type NoAuth struct {
	// Endpoint is the full base URL of the service every request goes to.
	Endpoint string
}

// Authenticate returns access that carries no token; it sends nothing.
func (p *NoAuth) Authenticate(context.Context, Doer) (*AccessInfo, error) {
	return &AccessInfo{NoToken: true, EndpointOverride: strings.TrimSuffix(p.Endpoint, "/")}, nil
}
