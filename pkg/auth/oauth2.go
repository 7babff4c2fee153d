package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// OAuth2ClientCredential gets an OAuth 2.0 access token with the client
// credentials grant (keystoneauth's v3oauth2clientcredential): the client
// id and secret are an application credential's id and secret, sent as
// HTTP Basic to POST /v3/OS-OAUTH2/token. The access token is a Keystone
// token; the plugin then reads its body (catalog, roles, expiry) with
// GET /v3/auth/tokens.
//
// Requests carry the token both as X-Auth-Token and, like keystoneauth,
// as "Authorization: Bearer", for services whose middleware reads OAuth
// 2.0 tokens. The token is scoped like the application credential: there
// is no Scope.
type OAuth2ClientCredential struct {
	AuthURL string
	// Endpoint is the token endpoint (oauth2_endpoint); empty means
	// AuthURL's v3 root + "/OS-OAUTH2/token".
	Endpoint     string
	ClientID     string
	ClientSecret string
	NoCatalog    bool
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v OAuth2ClientCredential) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, v, secretFieldNames)
}
func (v OAuth2ClientCredential) MarshalJSON() ([]byte, error) {
	return redact.JSON(v, secretFieldNames)
}

// Authenticate runs the client credentials grant.
func (p *OAuth2ClientCredential) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	if p.ClientID == "" {
		return nil, missing("oauth2_client_id")
	}
	if p.ClientSecret == "" {
		return nil, missing("oauth2_client_secret")
	}
	return oauth2Grant{authURL: p.AuthURL, endpoint: p.Endpoint, noCatalog: p.NoCatalog,
		form: url.Values{"grant_type": {"client_credentials"}},
		edit: func(r *http.Request) { r.SetBasicAuth(p.ClientID, p.ClientSecret) },
	}.run(ctx, client)
}

// DecorateRequest adds "Authorization: Bearer <token>" (see RequestDecorator).
func (p *OAuth2ClientCredential) DecorateRequest(req *http.Request, a *AccessInfo) error {
	return bearer(req, a)
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (p *OAuth2ClientCredential) CacheKey() map[string]string {
	k := CacheKey("v3oauth2clientcredential", p.AuthURL, nil, p.NoCatalog)
	put(k, "oauth2.endpoint", p.Endpoint)
	put(k, "oauth2.client_id", p.ClientID)
	return k
}

// CacheSecret is the client secret (see SecretProver).
func (p *OAuth2ClientCredential) CacheSecret() ([]byte, bool) { return []byte(p.ClientSecret), true }

// OAuth2MTLSClientCredential is the mutual-TLS variant of the client
// credentials grant (keystoneauth's v3oauth2mtlsclientcredential): the
// client proves itself with its TLS client certificate, sent with only
// its client id, and Keystone binds the token to the certificate (its
// thumbprint is AccessInfo.OAuth2CredentialThumbprint).
//
// The certificate is presented by the Session's HTTP client — configure
// it with WithHTTPClient and a tls.Config holding the certificate — since
// every later request must present it too.
type OAuth2MTLSClientCredential struct {
	AuthURL string
	// Endpoint is the token endpoint (oauth2_endpoint); empty means
	// AuthURL's v3 root + "/OS-OAUTH2/token".
	Endpoint  string
	ClientID  string
	NoCatalog bool
}

// Authenticate runs the client credentials grant over mutual TLS.
func (p *OAuth2MTLSClientCredential) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	if p.ClientID == "" {
		return nil, missing("oauth2_client_id")
	}
	return oauth2Grant{authURL: p.AuthURL, endpoint: p.Endpoint, noCatalog: p.NoCatalog,
		form: url.Values{"grant_type": {"client_credentials"}, "client_id": {p.ClientID}},
	}.run(ctx, client)
}

// DecorateRequest adds "Authorization: Bearer <token>" (see RequestDecorator).
func (p *OAuth2MTLSClientCredential) DecorateRequest(req *http.Request, a *AccessInfo) error {
	return bearer(req, a)
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (p *OAuth2MTLSClientCredential) CacheKey() map[string]string {
	k := CacheKey("v3oauth2mtlsclientcredential", p.AuthURL, nil, p.NoCatalog)
	put(k, "oauth2.endpoint", p.Endpoint)
	put(k, "oauth2.client_id", p.ClientID)
	return k
}

// CacheSecret proves nothing: the client's proof is its TLS certificate,
// which the transport holds. A cached token reaches this plugin only
// through WithUnprovenCache.
func (p *OAuth2MTLSClientCredential) CacheSecret() ([]byte, bool) { return nil, false }

func bearer(req *http.Request, a *AccessInfo) error {
	if a != nil && a.Token != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+a.Token)
	}
	return nil
}

// oauth2Grant is one token request at the OAuth 2.0 endpoint, followed by
// the validation of the token it yields.
type oauth2Grant struct {
	authURL, endpoint string
	noCatalog         bool
	form              url.Values
	edit              func(*http.Request)
}

// maxOAuth2Answer bounds what is read of the token endpoint's answer.
const maxOAuth2Answer = 1 << 20

func (g oauth2Grant) run(ctx context.Context, client Doer) (*AccessInfo, error) {
	if g.authURL == "" {
		return nil, missing("auth_url")
	}
	base, err := V3URL(ctx, client, g.authURL)
	if err != nil {
		return nil, err
	}
	endpoint := g.endpoint
	if endpoint == "" {
		endpoint = base + "/OS-OAUTH2/token"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(g.form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w: oauth2_endpoint %q: %w", apierror.ErrInvalidConfig, endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if g.edit != nil {
		g.edit(req)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth: OAuth 2.0 token request: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxOAuth2Answer))
	if err != nil {
		return nil, fmt.Errorf("auth: OAuth 2.0 token answer: %w", err)
	}
	var tok identityv3.OAuth2AccessToken
	if err := json.Unmarshal(data, &tok); err != nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("%w: the OAuth 2.0 token answer (%d) has no access_token",
			apierror.ErrInvalidResponse, resp.StatusCode)
	}
	return validateToken(ctx, client, base, tok.AccessToken, g.noCatalog)
}

// validateToken reads the body of a token Keystone issued some other way
// (GET /v3/auth/tokens with the token as its own subject).
func validateToken(ctx context.Context, client Doer, base, token string, noCatalog bool) (*AccessInfo, error) {
	gen, err := identityv3.NewClientWithResponses(base, identityv3.WithHTTPClient(client))
	if err != nil {
		return nil, fmt.Errorf("%w: auth URL %q: %w", apierror.ErrInvalidConfig, base, err)
	}
	params := identityv3.ValidateTokenParams{XSubjectToken: token}
	if noCatalog {
		params.Nocatalog = &noCatalog
	}
	resp, err := gen.ValidateTokenWithResponse(ctx, &params, func(_ context.Context, r *http.Request) error {
		r.Header.Set("X-Auth-Token", token)
		// Keystone refuses to validate the token of an application
		// credential with access rules (404) unless the validator says it
		// knows them. The plugin only reads its own token's body, whose
		// access rules it reports (AccessInfo.ApplicationCredentialAccessRules);
		// the services that accept the token are the ones that enforce them.
		r.Header.Set("OpenStack-Identity-Access-Rules", "1.0")
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth: reading the token's body: %w", err)
	}
	if resp.JSON200 == nil {
		return nil, fmt.Errorf("%w: token validation answered %d without a token body",
			apierror.ErrInvalidResponse, resp.StatusCode())
	}
	a := accessFromToken(token, &resp.JSON200.Token, base)
	a.raw = resp.Body
	return a, nil
}
