package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/keystone-go/keystone/internal/origin"
	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// The OpenID Connect plugins (keystoneauth's v3oidc*) get an OAuth 2.0
// access token from the provider with one grant or another, then present
// it to Keystone's federated auth URL as "Authorization: Bearer <token>".
// The web server in front of Keystone (mod_auth_openidc) validates it and
// hands the claims to Keystone's mapping, which yields an unscoped token;
// the plugin then rescopes it as FederatedLogin.Scope asks.

// DefaultOpenIDScope is the scope the OpenID Connect plugins request when
// OIDCClient.OpenIDScope is empty (keystoneauth's default).
const DefaultOpenIDScope = "openid profile"

// Grant types, as the provider's discovery document lists them.
const (
	grantPassword          = "password"
	grantClientCredentials = "client_credentials"
	grantAuthorizationCode = "authorization_code"
	grantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
)

// OIDCClient is the OAuth 2.0 client of the OpenID Connect plugins and the
// provider it talks to.
type OIDCClient struct {
	ClientID string
	// ClientSecret authenticates the client with HTTP Basic; without it
	// client_id goes in the form (a public client).
	ClientSecret string
	// OpenIDScope is the space-separated scope to request (option
	// openid_scope); empty means DefaultOpenIDScope. OpenID Connect
	// requires "openid" in it.
	OpenIDScope string
	// AccessTokenEndpoint is the provider's token endpoint; it overrides
	// the one DiscoveryEndpoint lists. One of the two is needed.
	AccessTokenEndpoint string
	// DiscoveryEndpoint is the URL of the provider's discovery document
	// (https://idp.example/.well-known/openid-configuration).
	DiscoveryEndpoint string
	// AccessTokenType is the member of the token answer to present to
	// Keystone: "access_token" (the default) or "id_token", as the web
	// server in front of Keystone expects.
	AccessTokenType string
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v OIDCClient) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v OIDCClient) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// providerMetadata is the part of an OpenID Connect discovery document
// (OpenID Connect Discovery 1.0, RFC 8414, RFC 8628) the plugins use.
type providerMetadata struct {
	Issuer                      string   `json:"issuer"`
	AuthorizationEndpoint       string   `json:"authorization_endpoint"`
	TokenEndpoint               string   `json:"token_endpoint"`
	DeviceAuthorizationEndpoint string   `json:"device_authorization_endpoint"`
	GrantTypesSupported         []string `json:"grant_types_supported"`
}

// discover fetches the discovery document, when there is one to fetch.
// maxDiscoveryAnswer bounds what is read of a provider's discovery document.
const maxDiscoveryAnswer = 1 << 20

func (c *OIDCClient) discover(ctx context.Context, client auth.Doer) (*providerMetadata, error) {
	md := &providerMetadata{}
	if c.DiscoveryEndpoint == "" {
		return md, nil
	}
	req, err := fedRequest(ctx, http.MethodGet, c.DiscoveryEndpoint, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth: fetching the OpenID Connect discovery document: %w", err)
	}
	defer resp.Body.Close()
	// A Session refuses a redirect from https to http itself; another
	// Doer may have followed one.
	if resp.Request != nil && resp.Request.URL != nil {
		if err := origin.Endpoint("the discovery document's final URL", req.URL, resp.Request.URL); err != nil {
			return nil, fmt.Errorf("auth: fetching the OpenID Connect discovery document: %w", err)
		}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDiscoveryAnswer))
	if err == nil {
		err = jsonObject(body, md)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the OpenID Connect discovery document at %s: %w", apierror.ErrInvalidResponse, redact.String(c.DiscoveryEndpoint), err)
	}
	return md, nil
}

// config is the oauth2.Config for grant: the token endpoint (given, or
// discovered), the client and the scope. It refuses a grant the provider
// says it does not support.
func (c *OIDCClient) config(ctx context.Context, client auth.Doer, grant string) (*oauth2.Config, *providerMetadata, error) {
	if c.ClientID == "" {
		return nil, nil, missing("client_id")
	}
	if c.AccessTokenEndpoint == "" && c.DiscoveryEndpoint == "" {
		return nil, nil, missing("access_token_endpoint or discovery_endpoint")
	}
	switch c.AccessTokenType {
	case "", "access_token", "id_token":
	default:
		return nil, nil, fmt.Errorf(`%w: access_token_type %q: use "access_token" or "id_token"`, apierror.ErrInvalidConfig, c.AccessTokenType)
	}
	md, err := c.discover(ctx, client)
	if err != nil {
		return nil, nil, err
	}
	if len(md.GrantTypesSupported) > 0 && !slices.Contains(md.GrantTypesSupported, grant) {
		return nil, nil, fmt.Errorf("%w: the OpenID Connect provider does not support the %s grant (it lists %s)",
			apierror.ErrAuthPlugin, grant, strings.Join(md.GrantTypesSupported, ", "))
	}
	tokenURL := c.AccessTokenEndpoint
	if tokenURL == "" {
		tokenURL = md.TokenEndpoint
	}
	if tokenURL == "" {
		return nil, nil, fmt.Errorf("%w: the OpenID Connect discovery document at %s has no token_endpoint",
			apierror.ErrInvalidResponse, redact.String(c.DiscoveryEndpoint))
	}
	// The client secret and the user's password go to the token endpoint
	// (the client secret to the device endpoint too): an https discovery
	// document naming plain-http endpoints would send them in clear.
	if c.DiscoveryEndpoint != "" {
		learned := map[string]string{"the token_endpoint": md.TokenEndpoint,
			"the device_authorization_endpoint": md.DeviceAuthorizationEndpoint}
		if c.AccessTokenEndpoint != "" {
			delete(learned, "the token_endpoint")
		}
		if grant != grantDeviceCode {
			delete(learned, "the device_authorization_endpoint")
		}
		for _, what := range slices.Sorted(maps.Keys(learned)) {
			if err := checkLearnedEndpoint(what, c.DiscoveryEndpoint, learned[what]); err != nil {
				return nil, nil, err
			}
		}
	}
	scope := c.OpenIDScope
	if scope == "" {
		scope = DefaultOpenIDScope
	}
	// keystoneauth authenticates a confidential client with HTTP Basic and
	// names a public one in the form; no guessing (AuthStyleAutoDetect
	// would send the password grant twice on a failure).
	style := oauth2.AuthStyleInParams
	if c.ClientSecret != "" {
		style = oauth2.AuthStyleInHeader
	}
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthURL: md.AuthorizationEndpoint,
			DeviceAuthURL: md.DeviceAuthorizationEndpoint, AuthStyle: style},
		Scopes: strings.Fields(scope),
	}, md, nil
}

// checkLearnedEndpoint refuses an endpoint named by the discovery document
// at discovery that would take a credential from https to plain http.
func checkLearnedEndpoint(what, discovery, endpoint string) error {
	if endpoint == "" {
		return nil
	}
	from, err := url.Parse(discovery)
	if err != nil {
		return fmt.Errorf("%w: discovery_endpoint: %w", apierror.ErrInvalidConfig, err)
	}
	to, err := from.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("%w: the OpenID Connect discovery document's %s: %w", apierror.ErrInvalidResponse, what, err)
	}
	if err := origin.Endpoint(what, from, to); err != nil {
		return fmt.Errorf("auth: OpenID Connect discovery: %w", err)
	}
	return nil
}

// oauth2Context carries the HTTP client x/oauth2 sends with.
func oauth2Context(ctx context.Context, client auth.Doer) (context.Context, error) {
	hc, err := rawClient(client)
	if err != nil {
		return nil, err
	}
	return context.WithValue(ctx, oauth2.HTTPClient, hc), nil
}

// present picks the token to present to Keystone out of the provider's
// answer.
func (c *OIDCClient) present(tok *oauth2.Token) (string, error) {
	switch c.AccessTokenType {
	case "", "access_token":
		if tok.AccessToken != "" {
			return tok.AccessToken, nil
		}
	case "id_token":
		if s, ok := tok.Extra("id_token").(string); ok && s != "" {
			return s, nil
		}
	}
	typ := c.AccessTokenType
	if typ == "" {
		typ = "access_token"
	}
	return "", fmt.Errorf("%w: the OpenID Connect token answer has no %s", apierror.ErrInvalidResponse, typ)
}

// grantError types an error of the provider's token or device endpoint:
// always apierror.ErrAuthorization, the kind of its HTTP status when it
// has one, and the *oauth2.RetrieveError (error code and description)
// for errors.As.
func grantError(what string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		return fmt.Errorf("%w: OpenID Connect %s: %w: %w", apierror.ErrAuthorization, what, apierror.KindOfStatus(re.Response.StatusCode), err)
	}
	var te *apierror.TransportError
	if errors.As(err, &te) {
		return fmt.Errorf("auth: OpenID Connect %s: %w", what, err)
	}
	return fmt.Errorf("%w: OpenID Connect %s: %w", apierror.ErrAuthorization, what, err)
}

// oidcCacheKey is the key of an OpenID Connect plugin called kind.
func (c *OIDCClient) oidcCacheKey(f *FederatedLogin, kind string) map[string]string {
	k := f.cacheKey(kind)
	put(k, "oidc.client_id", c.ClientID)
	put(k, "oidc.access_token_endpoint", c.AccessTokenEndpoint)
	put(k, "oidc.discovery_endpoint", c.DiscoveryEndpoint)
	put(k, "oidc.scope", c.OpenIDScope)
	put(k, "oidc.access_token_type", c.AccessTokenType)
	return k
}

// bearerEditor is the request editor that presents an access token to Keystone.
func bearerEditor(token string) func(context.Context, *http.Request) error {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// OIDCPassword logs in with the OAuth 2.0 resource owner password
// credentials grant (keystoneauth's v3oidcpassword).
type OIDCPassword struct {
	FederatedLogin
	OIDCClient
	Username string
	Password string
	// IDPOTPKey is the name of the form parameter that carries a one-time
	// password to the provider (option idp_otp_key, e.g. "totp"); OTP
	// supplies the code. keystoneauth prompts on the terminal; here the
	// application decides how to ask.
	IDPOTPKey string
	OTP       func(ctx context.Context) (string, error)
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v OIDCPassword) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v OIDCPassword) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// Authenticate runs the password grant and logs in with its token.
func (p *OIDCPassword) Authenticate(ctx context.Context, client auth.Doer) (*auth.AccessInfo, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if p.Username == "" {
		return nil, missing("username")
	}
	if p.Password == "" {
		return nil, missing("password")
	}
	var otp string
	if p.IDPOTPKey != "" {
		if p.OTP == nil {
			return nil, fmt.Errorf("%w: idp_otp_key %q is set but OIDCPassword.OTP, which supplies the code, is not",
				apierror.ErrMissingAuthOption, p.IDPOTPKey)
		}
		var err error
		if otp, err = p.OTP(ctx); err != nil {
			return nil, fmt.Errorf("auth: one-time password for the OpenID Connect provider: %w", err)
		}
	}
	conf, _, err := p.config(ctx, client, grantPassword)
	if err != nil {
		return nil, err
	}
	octx, err := oauth2Context(ctx, client)
	if err != nil {
		return nil, err
	}
	var tok *oauth2.Token
	if p.IDPOTPKey == "" {
		tok, err = conf.PasswordCredentialsToken(octx, p.Username, p.Password)
	} else {
		// PasswordCredentialsToken sends no extra parameter; the client
		// credentials package may, and lets grant_type be overridden for
		// exactly such needs.
		cc := clientcredentials.Config{ClientID: conf.ClientID, ClientSecret: conf.ClientSecret, TokenURL: conf.Endpoint.TokenURL,
			Scopes: conf.Scopes, AuthStyle: conf.Endpoint.AuthStyle, EndpointParams: map[string][]string{
				"grant_type": {grantPassword}, "username": {p.Username}, "password": {p.Password}, p.IDPOTPKey: {otp}}}
		tok, err = cc.Token(octx)
	}
	if err != nil {
		return nil, grantError("password grant", err)
	}
	return p.loginWith(ctx, client, &p.FederatedLogin, tok)
}

// loginWith presents the token the provider issued to Keystone.
func (c *OIDCClient) loginWith(ctx context.Context, client auth.Doer, f *FederatedLogin, tok *oauth2.Token) (*auth.AccessInfo, error) {
	at, err := c.present(tok)
	if err != nil {
		return nil, err
	}
	return f.federatedToken(ctx, client, bearerEditor(at))
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (p *OIDCPassword) CacheKey() map[string]string {
	k := p.oidcCacheKey(&p.FederatedLogin, "v3oidcpassword")
	put(k, "oidc.username", p.Username)
	return k
}

// CacheSecret is the password and the client secret (see SecretProver);
// with a one-time password for the provider (IDPOTPKey) it is incomplete.
func (p *OIDCPassword) CacheSecret() ([]byte, bool) {
	return auth.SecretFields(p.Password, p.ClientSecret), p.IDPOTPKey == ""
}

// OIDCClientCredentials logs in with the OAuth 2.0 client credentials
// grant (keystoneauth's v3oidcclientcredentials): the client itself is the
// user.
type OIDCClientCredentials struct {
	FederatedLogin
	OIDCClient
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v OIDCClientCredentials) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, v, secretFieldNames)
}
func (v OIDCClientCredentials) MarshalJSON() ([]byte, error) { return redact.JSON(v, secretFieldNames) }

// Authenticate runs the client credentials grant and logs in with its token.
func (p *OIDCClientCredentials) Authenticate(ctx context.Context, client auth.Doer) (*auth.AccessInfo, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if p.ClientSecret == "" {
		return nil, missing("client_secret")
	}
	conf, _, err := p.config(ctx, client, grantClientCredentials)
	if err != nil {
		return nil, err
	}
	octx, err := oauth2Context(ctx, client)
	if err != nil {
		return nil, err
	}
	cc := clientcredentials.Config{ClientID: conf.ClientID, ClientSecret: conf.ClientSecret,
		TokenURL: conf.Endpoint.TokenURL, Scopes: conf.Scopes, AuthStyle: conf.Endpoint.AuthStyle}
	tok, err := cc.Token(octx)
	if err != nil {
		return nil, grantError("client credentials grant", err)
	}
	return p.loginWith(ctx, client, &p.FederatedLogin, tok)
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (p *OIDCClientCredentials) CacheKey() map[string]string {
	return p.oidcCacheKey(&p.FederatedLogin, "v3oidcclientcredentials")
}

// CacheSecret is the client secret (see SecretProver).
func (p *OIDCClientCredentials) CacheSecret() ([]byte, bool) { return []byte(p.ClientSecret), true }

// OIDCAuthorizationCode logs in with an authorization code the user's
// browser brought back to RedirectURI (keystoneauth's v3oidcauthcode).
// A code is good for one exchange: when the Session needs a new token the
// exchange fails, and the application must get a fresh code.
type OIDCAuthorizationCode struct {
	FederatedLogin
	OIDCClient
	RedirectURI string
	Code        string
	// CodeVerifier is the PKCE verifier (RFC 7636) whose challenge went
	// with the authorization request (see oauth2.GenerateVerifier and
	// oauth2.S256ChallengeOption). keystoneauth has no PKCE for this
	// grant; the option code_verifier is a keystone-go extension.
	CodeVerifier string
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v OIDCAuthorizationCode) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, v, secretFieldNames)
}
func (v OIDCAuthorizationCode) MarshalJSON() ([]byte, error) { return redact.JSON(v, secretFieldNames) }

// Authenticate exchanges the code and logs in with the token.
func (p *OIDCAuthorizationCode) Authenticate(ctx context.Context, client auth.Doer) (*auth.AccessInfo, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if p.Code == "" {
		return nil, missing("code")
	}
	conf, _, err := p.config(ctx, client, grantAuthorizationCode)
	if err != nil {
		return nil, err
	}
	conf.RedirectURL = p.RedirectURI
	octx, err := oauth2Context(ctx, client)
	if err != nil {
		return nil, err
	}
	var opts []oauth2.AuthCodeOption
	if p.CodeVerifier != "" {
		opts = append(opts, oauth2.VerifierOption(p.CodeVerifier))
	}
	tok, err := conf.Exchange(octx, p.Code, opts...)
	if err != nil {
		return nil, grantError("authorization code grant", err)
	}
	return p.loginWith(ctx, client, &p.FederatedLogin, tok)
}

// CacheKey identifies the tokens this plugin obtains (see CacheID): a code
// is single-use, so its hash stands for the user it was issued to.
func (p *OIDCAuthorizationCode) CacheKey() map[string]string {
	k := p.oidcCacheKey(&p.FederatedLogin, "v3oidcauthcode")
	k["oidc.code.sha256"] = sha256Hex(p.Code)
	return k
}

// CacheSecret is the authorization code, the PKCE verifier and the client
// secret (see SecretProver).
func (p *OIDCAuthorizationCode) CacheSecret() ([]byte, bool) {
	return auth.SecretFields(p.Code, p.CodeVerifier, p.ClientSecret), true
}

// OIDCAccessToken logs in with an access token the application already has
// (keystoneauth's v3oidcaccesstoken).
type OIDCAccessToken struct {
	FederatedLogin
	AccessToken string
	// TokenSource, when set, supplies the access token at each login
	// instead (keystone-go extension): an oauth2.TokenSource that renews
	// it, so the Session can log in again after Keystone's token expires.
	TokenSource oauth2.TokenSource
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v OIDCAccessToken) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v OIDCAccessToken) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// Authenticate presents the access token to Keystone.
func (p *OIDCAccessToken) Authenticate(ctx context.Context, client auth.Doer) (*auth.AccessInfo, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	at := p.AccessToken
	if p.TokenSource != nil {
		tok, err := p.TokenSource.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: OpenID Connect access token: %w", apierror.ErrAuthorization, err)
		}
		at = tok.AccessToken
	}
	if at == "" {
		return nil, missing("access_token")
	}
	return p.federatedToken(ctx, client, bearerEditor(at))
}

// CacheKey identifies the tokens this plugin obtains (see CacheID). With a
// TokenSource the user is not known beforehand: nil, never cached.
func (p *OIDCAccessToken) CacheKey() map[string]string {
	if p.TokenSource != nil {
		return nil
	}
	k := p.cacheKey("v3oidcaccesstoken")
	k["oidc.access_token.sha256"] = sha256Hex(p.AccessToken)
	return k
}

// CacheSecret is the access token (see SecretProver).
func (p *OIDCAccessToken) CacheSecret() ([]byte, bool) { return []byte(p.AccessToken), true }

// OIDCDeviceAuthorization logs in with the OAuth 2.0 device authorization
// grant (RFC 8628; keystoneauth's v3oidcdeviceauthz): the provider hands
// out a user code, the user enters it at the verification URI on any
// device with a browser, and the plugin polls the token endpoint meanwhile
// (every interval seconds the provider asks for, 5 s more after each
// slow_down), until the user approves, denies, or the code expires.
//
// The login lasts as long as the user takes: give the Session an auth
// timeout (WithAuthTimeout) longer than its default minute.
type OIDCDeviceAuthorization struct {
	FederatedLogin
	// OIDCClient.AccessTokenType is not used: RFC 8628 yields an access
	// token only.
	OIDCClient
	// DeviceAuthorizationEndpoint overrides the one DiscoveryEndpoint
	// lists.
	DeviceAuthorizationEndpoint string
	// CodeChallengeMethod turns on PKCE (RFC 7636): "S256" or "plain".
	CodeChallengeMethod string
	// Prompt shows the user where to go and what code to enter. When nil,
	// the plugin writes one line to standard error, as keystoneauth logs
	// its warning.
	Prompt func(ctx context.Context, da *oauth2.DeviceAuthResponse) error
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v OIDCDeviceAuthorization) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, v, secretFieldNames)
}
func (v OIDCDeviceAuthorization) MarshalJSON() ([]byte, error) {
	return redact.JSON(v, secretFieldNames)
}

// Authenticate runs the device authorization grant and logs in with its token.
func (p *OIDCDeviceAuthorization) Authenticate(ctx context.Context, client auth.Doer) (*auth.AccessInfo, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	switch p.CodeChallengeMethod {
	case "", "S256", "plain":
	default:
		return nil, fmt.Errorf(`%w: code_challenge_method %q: use "S256" or "plain"`, apierror.ErrInvalidConfig, p.CodeChallengeMethod)
	}
	c := p.OIDCClient
	c.AccessTokenType = ""
	conf, _, err := c.config(ctx, client, grantDeviceCode)
	if err != nil {
		return nil, err
	}
	if p.DeviceAuthorizationEndpoint != "" {
		conf.Endpoint.DeviceAuthURL = p.DeviceAuthorizationEndpoint
	}
	if conf.Endpoint.DeviceAuthURL == "" {
		return nil, fmt.Errorf("%w: no device authorization endpoint: set device_authorization_endpoint, or a discovery_endpoint whose document lists one",
			apierror.ErrMissingAuthOption)
	}
	octx, err := oauth2Context(ctx, client)
	if err != nil {
		return nil, err
	}
	if c.ClientSecret != "" {
		// A confidential client authenticates at the device endpoint too
		// (keystoneauth sends HTTP Basic there); x/oauth2 sends only
		// client_id, so the transport adds the credentials.
		hc := *octx.Value(oauth2.HTTPClient).(*http.Client)
		hc.Transport = basicAuthAt{next: hc.Transport, url: conf.Endpoint.DeviceAuthURL, id: c.ClientID, secret: c.ClientSecret}
		octx = context.WithValue(ctx, oauth2.HTTPClient, &hc)
	}
	var authOpts, tokenOpts []oauth2.AuthCodeOption
	if p.CodeChallengeMethod != "" {
		verifier := oauth2.GenerateVerifier()
		if p.CodeChallengeMethod == "S256" {
			authOpts = append(authOpts, oauth2.S256ChallengeOption(verifier))
		} else {
			authOpts = append(authOpts, oauth2.SetAuthURLParam("code_challenge_method", "plain"),
				oauth2.SetAuthURLParam("code_challenge", verifier))
		}
		tokenOpts = append(tokenOpts, oauth2.VerifierOption(verifier))
	}
	da, err := conf.DeviceAuth(octx, authOpts...)
	if err != nil {
		return nil, grantError("device authorization", err)
	}
	prompt := p.Prompt
	if prompt == nil {
		prompt = promptOnStderr
	}
	if err := prompt(ctx, da); err != nil {
		return nil, fmt.Errorf("auth: device authorization prompt: %w", err)
	}
	tok, err := conf.DeviceAccessToken(octx, da, tokenOpts...)
	if err != nil {
		return nil, grantError("device access token", err)
	}
	return c.loginWith(ctx, client, &p.FederatedLogin, tok)
}

// basicAuthAt adds HTTP Basic client credentials to the requests for one
// URL that carry none.
type basicAuthAt struct {
	next            http.RoundTripper
	url, id, secret string
}

func (b basicAuthAt) RoundTrip(req *http.Request) (*http.Response, error) {
	next := b.next
	if next == nil {
		next = http.DefaultTransport
	}
	if req.URL.String() == b.url && req.Header.Get("Authorization") == "" {
		req = req.Clone(req.Context())
		req.SetBasicAuth(b.id, b.secret)
	}
	return next.RoundTrip(req)
}

func promptOnStderr(_ context.Context, da *oauth2.DeviceAuthResponse) error {
	where := da.VerificationURIComplete
	if where == "" {
		where = da.VerificationURI + " and enter the code " + da.UserCode
	}
	_, err := fmt.Fprintf(os.Stderr, "To authenticate please go to: %s\n", where)
	return err
}

// CacheKey is nil: who approves the device code is not known beforehand,
// so the tokens are never cached.
func (p *OIDCDeviceAuthorization) CacheKey() map[string]string { return nil }

// Options: keystoneauth's _OpenIDConnectBase and each loader's own.

var (
	oidcClientOptions = []auth.OptionSpec{
		opt("client-id", "OAuth 2.0 Client ID"),
		secret(opt("client-secret", "OAuth 2.0 Client Secret")),
		{Name: "openid-scope", Dest: "openid_scope", Default: DefaultOpenIDScope,
			Help: `OpenID Connect scope that is requested from authorization server. Note that the OpenID Connect specification states that "openid" must be always specified.`},
		opt("access-token-endpoint", "OpenID Connect Provider Token Endpoint. Note that if a discovery document is being passed this option will override the endpoint provided by the server in the discovery document."),
		opt("discovery-endpoint", "OpenID Connect Discovery Document URL. The discovery document will be used to obtain the values of the access token endpoint and the authentication endpoint. This URL should look like https://idp.example.org/.well-known/openid-configuration"),
	}
	accessTokenTypeOption = opt("access-token-type", `OAuth 2.0 Authorization Server Introspection token type, it is used to decide which type of token will be used when processing token introspection. Valid values are: "access_token" or "id_token"`)

	v3OIDCClientCredentialsOptions = slices.Concat(federationOptions, oidcClientOptions, []auth.OptionSpec{accessTokenTypeOption})
	v3OIDCPasswordOptions          = slices.Concat(v3OIDCClientCredentialsOptions, []auth.OptionSpec{
		required(opt("username", "Username")),
		secret(required(opt("password", "Password"))),
		opt("idp_otp_key", "A key to be used in the Identity Provider access token endpoint to pass the OTP value. E.g. totp"),
	})
	v3OIDCAuthCodeOptions = slices.Concat(v3OIDCClientCredentialsOptions, []auth.OptionSpec{
		opt("redirect-uri", "OpenID Connect Redirect URL"),
		secret(required(deprecated(opt("code", "OAuth 2.0 Authorization Code"), "authorization_code"))),
		secret(opt("code-verifier", "PKCE code verifier (RFC 7636) of the authorization request (keystone-go extension)")),
	})
	v3OIDCAccessTokenOptions = slices.Concat(federationOptions, []auth.OptionSpec{
		secret(required(opt("access-token", "OAuth 2.0 Access Token"))),
	})
	// RFC 8628 yields access tokens only: no access_token_type.
	v3OIDCDeviceAuthzOptions = slices.Concat(federationOptions, oidcClientOptions, []auth.OptionSpec{
		opt("device-authorization-endpoint", "OAuth 2.0 Device Authorization Endpoint. Note that if a discovery document is being passed this option will override the endpoint provided by the server in the discovery document."),
		opt("code-challenge-method", "PKCE Challenge Method (RFC 7636)"),
	})
)

// oidcClient reads the options of the OpenID Connect client and, like
// keystoneauth, refuses a configuration without a way to the token
// endpoint.
func oidcClient(o *auth.PluginOptions) (OIDCClient, error) {
	c := OIDCClient{ClientID: o.Get("client_id"), ClientSecret: o.Get("client_secret"), OpenIDScope: o.Get("openid_scope"),
		AccessTokenEndpoint: o.Get("access_token_endpoint"), DiscoveryEndpoint: o.Get("discovery_endpoint"),
		AccessTokenType: o.Get("access_token_type")}
	switch {
	case c.AccessTokenEndpoint == "" && c.DiscoveryEndpoint == "":
		return c, o.Missing("access_token_endpoint or discovery_endpoint")
	case c.ClientID == "":
		return c, o.Missing("client_id")
	}
	switch c.AccessTokenType {
	case "", "access_token", "id_token":
	default:
		return c, &auth.InvalidOptionError{Plugin: o.Plugin(), Option: "access_token_type", Reason: fmt.Sprintf(`%q: use "access_token" or "id_token"`, c.AccessTokenType)}
	}
	return c, nil
}

func oidcLogin(o *auth.PluginOptions) (FederatedLogin, OIDCClient, error) {
	f, err := federatedLogin(o)
	if err != nil {
		return f, OIDCClient{}, err
	}
	c, err := oidcClient(o)
	return f, c, err
}

func buildV3OIDCPassword(o *auth.PluginOptions) (auth.Plugin, error) {
	f, c, err := oidcLogin(o)
	if err != nil {
		return nil, err
	}
	return &OIDCPassword{FederatedLogin: f, OIDCClient: c, Username: o.Get("username"), Password: o.Get("password"),
		IDPOTPKey: o.Get("idp_otp_key")}, nil
}

func buildV3OIDCClientCredentials(o *auth.PluginOptions) (auth.Plugin, error) {
	f, c, err := oidcLogin(o)
	if err != nil {
		return nil, err
	}
	if c.ClientSecret == "" {
		return nil, o.Missing("client_secret")
	}
	return &OIDCClientCredentials{FederatedLogin: f, OIDCClient: c}, nil
}

func buildV3OIDCAuthCode(o *auth.PluginOptions) (auth.Plugin, error) {
	f, c, err := oidcLogin(o)
	if err != nil {
		return nil, err
	}
	return &OIDCAuthorizationCode{FederatedLogin: f, OIDCClient: c, RedirectURI: o.Get("redirect_uri"), Code: o.Get("code"),
		CodeVerifier: o.Get("code_verifier")}, nil
}

func buildV3OIDCAccessToken(o *auth.PluginOptions) (auth.Plugin, error) {
	f, err := federatedLogin(o)
	if err != nil {
		return nil, err
	}
	return &OIDCAccessToken{FederatedLogin: f, AccessToken: o.Get("access_token")}, nil
}

func buildV3OIDCDeviceAuthz(o *auth.PluginOptions) (auth.Plugin, error) {
	f, c, err := oidcLogin(o)
	if err != nil {
		return nil, err
	}
	p := &OIDCDeviceAuthorization{FederatedLogin: f, OIDCClient: c,
		DeviceAuthorizationEndpoint: o.Get("device_authorization_endpoint"), CodeChallengeMethod: o.Get("code_challenge_method")}
	switch p.CodeChallengeMethod {
	case "", "S256", "plain":
	default:
		return nil, &auth.InvalidOptionError{Plugin: o.Plugin(), Option: "code_challenge_method",
			Reason: fmt.Sprintf(`%q: use "S256" or "plain"`, p.CodeChallengeMethod)}
	}
	return p, nil
}
