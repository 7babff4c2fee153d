package federation_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/auth/federation"
)

// fedSession is a Session for plugin with a transport of its own, closed
// with the test.
func fedSession(t *testing.T, plugin auth.Plugin, opts ...auth.Option) *auth.Session {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return auth.New(plugin, append([]auth.Option{auth.WithHTTPClient(&http.Client{Transport: tr})}, opts...)...)
}

func fedCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// oidcWorld is an OpenID Connect provider and a Keystone whose "openid"
// protocol trusts it.
func oidcWorld(t *testing.T) (*fedOIDC, *fedKeystone) {
	idp := newFedOIDC()
	t.Cleanup(idp.Close)
	ks := newFedKeystone()
	t.Cleanup(ks.Close)
	ks.OIDC = idp
	return idp, ks
}

func oidcLogin(ks *fedKeystone, scope auth.Scope) federation.FederatedLogin {
	return federation.FederatedLogin{AuthURL: ks.AuthURL(), IdentityProvider: ks.IDP, Protocol: "openid", Scope: scope}
}

func oidcClient(idp *fedOIDC) federation.OIDCClient {
	return federation.OIDCClient{ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
		DiscoveryEndpoint: idp.URL + "/.well-known/openid-configuration"}
}

// bearerSent is the Bearer token the Keystone double got at the federated
// auth URL.
func bearerSent(t *testing.T, ks *fedKeystone) string {
	t.Helper()
	seen := ks.log.seen("/v3/OS-FEDERATION/identity_providers/myidp/protocols/openid/auth")
	require.Len(t, seen, 1)
	assert.Equal(t, http.MethodPost, seen[0].Method)
	tok, ok := strings.CutPrefix(seen[0].Header.Get("Authorization"), "Bearer ")
	require.True(t, ok, "Authorization: %q", seen[0].Header.Get("Authorization"))
	return tok
}

func TestOIDCPassword(t *testing.T) {
	idp, ks := oidcWorld(t)
	sess := fedSession(t, &federation.OIDCPassword{FederatedLogin: oidcLogin(ks, auth.Scope{}), OIDCClient: oidcClient(idp),
		Username: "alice", Password: "wonderland"})
	a, err := sess.AccessInfo(fedCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "alice", a.Username())
	assert.Equal(t, []string{"openid"}, a.Methods())
	assert.True(t, a.IsFederated())
	assert.Equal(t, "myidp", a.IdentityProviderID())
	assert.False(t, a.Scoped(), "no scope asked: the federated token stays unscoped")
	assert.Equal(t, ks.AuthURL(), a.AuthURL)

	// The grant went to the discovered token endpoint, with the client's
	// credentials as HTTP Basic and keystoneauth's default scope.
	grants := idp.log.seen("/token")
	require.Len(t, grants, 1)
	g := grants[0]
	assert.Equal(t, "password", g.Form.Get("grant_type"))
	assert.Equal(t, "alice", g.Form.Get("username"))
	assert.Equal(t, "wonderland", g.Form.Get("password"))
	assert.Equal(t, "openid profile", g.Form.Get("scope"))
	assert.Empty(t, g.Form.Get("client_secret"), "a confidential client authenticates with Basic, not in the form")
	id, secret, ok := (&http.Request{Header: g.Header}).BasicAuth()
	require.True(t, ok)
	assert.Equal(t, [2]string{idp.ClientID, idp.ClientSecret}, [2]string{id, secret})

	// Keystone got the access token the provider issued, not the id token.
	sent := bearerSent(t, ks)
	assert.True(t, strings.HasPrefix(sent, "at-"), sent)
	user, known := idp.Subject(sent)
	assert.True(t, known)
	assert.Equal(t, "alice", user)
}

func TestOIDCPasswordRescopes(t *testing.T) {
	idp, ks := oidcWorld(t)
	sess := fedSession(t, &federation.OIDCPassword{FederatedLogin: oidcLogin(ks, auth.Scope{ProjectName: "demo", ProjectDomainID: "default"}),
		OIDCClient: oidcClient(idp), Username: "alice", Password: "wonderland"})
	a, err := sess.AccessInfo(fedCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "p-demo", a.ProjectID())
	assert.Equal(t, []string{"token", "openid"}, a.Methods(), "the federated token was exchanged with the token method")
	assert.True(t, a.IsFederated())
	assert.Positive(t, a.Catalog.Len())

	// The rescope request carried the unscoped federated token.
	posts := ks.log.seen("/v3/auth/tokens")
	require.Len(t, posts, 1)
	assert.Contains(t, string(posts[0].Body), `"methods":["token"]`)
	assert.Contains(t, string(posts[0].Body), `"name":"demo"`)

	// A project the user has no role on fails at the rescope.
	_, err = fedSession(t, &federation.OIDCPassword{FederatedLogin: oidcLogin(ks, auth.Scope{ProjectID: "p-other"}),
		OIDCClient: oidcClient(idp), Username: "alice", Password: "wonderland"}).AccessInfo(fedCtx(t))
	require.Error(t, err)
	assert.ErrorIs(t, err, apierror.ErrUnauthorized)
	assert.Contains(t, err.Error(), "rescoping the federated token")
}

func TestOIDCPasswordErrors(t *testing.T) {
	idp, ks := oidcWorld(t)
	ctx := fedCtx(t)
	base := func() *federation.OIDCPassword {
		return &federation.OIDCPassword{FederatedLogin: oidcLogin(ks, auth.Scope{}), OIDCClient: oidcClient(idp),
			Username: "alice", Password: "wonderland"}
	}

	p := base()
	p.Password = "wrong"
	_, err := fedSession(t, p).AccessInfo(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, apierror.ErrAuthorization)
	assert.ErrorIs(t, err, apierror.ErrBadRequest, "the provider's status is kept")
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "invalid_grant", re.ErrorCode)
	assert.Empty(t, ks.log.seen("/v3/OS-FEDERATION/identity_providers/myidp/protocols/openid/auth"), "no token, no Keystone request")

	p = base()
	p.ClientSecret = "nope"
	_, err = fedSession(t, p).AccessInfo(ctx)
	assert.ErrorIs(t, err, apierror.ErrUnauthorized)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "invalid_client", re.ErrorCode)

	// The provider does not offer the grant.
	idp.GrantTypes = []string{"authorization_code"}
	_, err = fedSession(t, base()).AccessInfo(ctx)
	assert.ErrorIs(t, err, apierror.ErrAuthPlugin)
	assert.Contains(t, err.Error(), "does not support the password grant")
	idp.GrantTypes = nil // not listed: not checked

	// Keystone does not know the identity provider.
	p = base()
	p.IdentityProvider = "other"
	_, err = fedSession(t, p).AccessInfo(ctx)
	assert.ErrorIs(t, err, apierror.ErrNotFound)

	// Nothing leaves the process for a plugin that cannot work.
	for name, p := range map[string]*federation.OIDCPassword{
		"no endpoint": {FederatedLogin: oidcLogin(ks, auth.Scope{}), OIDCClient: federation.OIDCClient{ClientID: "c"}, Username: "a", Password: "b"},
		"no protocol": {FederatedLogin: federation.FederatedLogin{AuthURL: ks.AuthURL(), IdentityProvider: "x"}, OIDCClient: oidcClient(idp), Username: "a", Password: "b"},
		"two scopes":  {FederatedLogin: oidcLogin(ks, auth.Scope{ProjectID: "p", DomainID: "d"}), OIDCClient: oidcClient(idp), Username: "a", Password: "b"},
		"token type":  {FederatedLogin: oidcLogin(ks, auth.Scope{}), OIDCClient: federation.OIDCClient{ClientID: "c", AccessTokenEndpoint: idp.URL + "/token", AccessTokenType: "jwt"}, Username: "a", Password: "b"},
		"otp no func": {FederatedLogin: oidcLogin(ks, auth.Scope{}), OIDCClient: oidcClient(idp), Username: "a", Password: "b", IDPOTPKey: "totp"},
	} {
		before := len(idp.log.seen("/token")) + len(idp.log.seen("/.well-known/openid-configuration"))
		_, err := p.Authenticate(ctx, http.DefaultClient)
		assert.Error(t, err, name)
		assert.True(t, errors.Is(err, apierror.ErrMissingAuthOption) || errors.Is(err, apierror.ErrInvalidConfig), "%s: %v", name, err)
		assert.Equal(t, before, len(idp.log.seen("/token"))+len(idp.log.seen("/.well-known/openid-configuration")), name)
	}
}

func TestOIDCPasswordOTPAndIDToken(t *testing.T) {
	idp, ks := oidcWorld(t)
	idp.OTPKey, idp.OTP = "totp", "424242"
	asked := 0
	p := &federation.OIDCPassword{FederatedLogin: oidcLogin(ks, auth.Scope{}), OIDCClient: oidcClient(idp),
		Username: "alice", Password: "wonderland", IDPOTPKey: "totp",
		OTP: func(context.Context) (string, error) { asked++; return "424242", nil }}
	// The token endpoint is given, so there is no discovery; and Keystone
	// gets the id token.
	p.DiscoveryEndpoint, p.AccessTokenEndpoint, p.AccessTokenType = "", idp.URL+"/token", "id_token"
	p.OpenIDScope = "openid email"
	a, err := fedSession(t, p).AccessInfo(fedCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "alice", a.Username())
	assert.Equal(t, 1, asked)
	assert.Empty(t, idp.log.seen("/.well-known/openid-configuration"))
	g := idp.log.seen("/token")
	require.Len(t, g, 1)
	assert.Equal(t, "424242", g[0].Form.Get("totp"))
	assert.Equal(t, "password", g[0].Form.Get("grant_type"))
	assert.Equal(t, "openid email", g[0].Form.Get("scope"))
	assert.True(t, strings.HasPrefix(bearerSent(t, ks), "eyJ"), "the id token went to Keystone")
}

func TestOIDCClientCredentials(t *testing.T) {
	idp, ks := oidcWorld(t)
	a, err := fedSession(t, &federation.OIDCClientCredentials{FederatedLogin: oidcLogin(ks, auth.Scope{ProjectID: "p-demo"}),
		OIDCClient: oidcClient(idp)}).AccessInfo(fedCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "service-account-keystone-cli", a.Username())
	assert.Equal(t, "p-demo", a.ProjectID())
	g := idp.log.seen("/token")
	require.Len(t, g, 1)
	assert.Equal(t, "client_credentials", g[0].Form.Get("grant_type"))
	assert.Equal(t, "openid profile", g[0].Form.Get("scope"))

	_, err = (&federation.OIDCClientCredentials{FederatedLogin: oidcLogin(ks, auth.Scope{}),
		OIDCClient: federation.OIDCClient{ClientID: "c", AccessTokenEndpoint: idp.URL + "/token"}}).Authenticate(fedCtx(t), http.DefaultClient)
	assert.ErrorIs(t, err, apierror.ErrMissingAuthOption, "the client credentials grant needs the secret")
}

func TestOIDCAuthorizationCode(t *testing.T) {
	idp, ks := oidcWorld(t)
	ctx := fedCtx(t)
	const redirect = "http://localhost:8400/callback"

	// With PKCE: the browser's authorization request carried the S256
	// challenge, and the plugin sends the verifier.
	verifier := oauth2.GenerateVerifier()
	code := idp.Code("alice", redirect, oauth2.S256ChallengeFromVerifier(verifier), "S256")
	p := &federation.OIDCAuthorizationCode{FederatedLogin: oidcLogin(ks, auth.Scope{}), OIDCClient: oidcClient(idp),
		RedirectURI: redirect, Code: code, CodeVerifier: verifier}
	a, err := fedSession(t, p).AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, "alice", a.Username())
	g := idp.log.seen("/token")
	require.Len(t, g, 1)
	assert.Equal(t, "authorization_code", g[0].Form.Get("grant_type"))
	assert.Equal(t, code, g[0].Form.Get("code"))
	assert.Equal(t, redirect, g[0].Form.Get("redirect_uri"))
	assert.Equal(t, verifier, g[0].Form.Get("code_verifier"))

	// A code is good once.
	_, err = p.Authenticate(ctx, http.DefaultClient)
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "invalid_grant", re.ErrorCode)

	// A wrong verifier, a wrong redirect URI.
	p.Code = idp.Code("alice", redirect, oauth2.S256ChallengeFromVerifier(verifier), "S256")
	p.CodeVerifier = oauth2.GenerateVerifier()
	_, err = p.Authenticate(ctx, http.DefaultClient)
	require.ErrorAs(t, err, &re)
	assert.Contains(t, re.ErrorDescription, "PKCE")
	p.Code, p.CodeVerifier, p.RedirectURI = idp.Code("alice", redirect, "", ""), "", "http://evil/callback"
	_, err = p.Authenticate(ctx, http.DefaultClient)
	require.ErrorAs(t, err, &re)
	assert.Contains(t, re.ErrorDescription, "redirect_uri")
}

func TestOIDCAccessToken(t *testing.T) {
	idp, ks := oidcWorld(t)
	ctx := fedCtx(t)
	cc := oidcClient(idp)
	// An access token the application got elsewhere.
	tok, err := (&oauth2.Config{ClientID: cc.ClientID, ClientSecret: cc.ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: idp.URL + "/token", AuthStyle: oauth2.AuthStyleInHeader}}).PasswordCredentialsToken(ctx, "alice", "wonderland")
	require.NoError(t, err)

	a, err := fedSession(t, &federation.OIDCAccessToken{FederatedLogin: oidcLogin(ks, auth.Scope{ProjectID: "p-demo"}),
		AccessToken: tok.AccessToken}).AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, "alice", a.Username())
	assert.Equal(t, "p-demo", a.ProjectID())
	assert.Equal(t, tok.AccessToken, bearerSent(t, ks))

	// From a token source, asked at each login.
	calls := 0
	src := tokenSourceFunc(func() (*oauth2.Token, error) { calls++; return tok, nil })
	p := &federation.OIDCAccessToken{FederatedLogin: oidcLogin(ks, auth.Scope{}), TokenSource: src}
	_, err = p.Authenticate(ctx, http.DefaultClient)
	require.NoError(t, err)
	_, err = p.Authenticate(ctx, http.DefaultClient)
	require.NoError(t, err)
	assert.Equal(t, 2, calls)
	assert.Nil(t, p.CacheKey(), "who a token source stands for is not known: never cached")

	// A token Keystone's relying party does not accept.
	_, err = (&federation.OIDCAccessToken{FederatedLogin: oidcLogin(ks, auth.Scope{}), AccessToken: "forged"}).Authenticate(ctx, http.DefaultClient)
	assert.ErrorIs(t, err, apierror.ErrUnauthorized)
}

type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }

func TestOIDCDeviceAuthorization(t *testing.T) {
	t.Parallel()
	idp, ks := oidcWorld(t)
	idp.DevicePending = 1
	var prompted *oauth2.DeviceAuthResponse
	p := &federation.OIDCDeviceAuthorization{FederatedLogin: oidcLogin(ks, auth.Scope{ProjectID: "p-demo"}), OIDCClient: oidcClient(idp),
		CodeChallengeMethod: "S256",
		Prompt: func(_ context.Context, da *oauth2.DeviceAuthResponse) error {
			prompted = da
			return nil
		}}
	start := time.Now()
	a, err := fedSession(t, p).AccessInfo(fedCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "alice", a.Username())
	assert.Equal(t, "p-demo", a.ProjectID())
	require.NotNil(t, prompted)
	assert.Equal(t, "WDJB-MJHT", prompted.UserCode)
	assert.Contains(t, prompted.VerificationURIComplete, "user_code=WDJB-MJHT")

	// One device authorization request (with the PKCE challenge and the
	// client's credentials), then polls at the interval until approval.
	dev := idp.log.seen("/device")
	require.Len(t, dev, 1)
	assert.Equal(t, "S256", dev[0].Form.Get("code_challenge_method"))
	assert.NotEmpty(t, dev[0].Form.Get("code_challenge"))
	_, _, basic := (&http.Request{Header: dev[0].Header}).BasicAuth()
	assert.True(t, basic, "a confidential client authenticates at the device endpoint too")
	polls := idp.log.seen("/token")
	require.Len(t, polls, 2, "pending once, then the token")
	for _, poll := range polls {
		assert.Equal(t, "urn:ietf:params:oauth:grant-type:device_code", poll.Form.Get("grant_type"))
		assert.NotEmpty(t, poll.Form.Get("code_verifier"))
	}
	assert.GreaterOrEqual(t, time.Since(start), 2*time.Second, "two polls, one interval (1 s) apart each")
}

func TestOIDCDeviceAuthorizationPublicClientPlainPKCE(t *testing.T) {
	t.Parallel()
	idp, ks := oidcWorld(t)
	p := &federation.OIDCDeviceAuthorization{FederatedLogin: oidcLogin(ks, auth.Scope{}),
		OIDCClient: federation.OIDCClient{ClientID: "cli-public", DiscoveryEndpoint: idp.URL + "/.well-known/openid-configuration"},
		// The endpoint given overrides the discovered one (same here).
		DeviceAuthorizationEndpoint: idp.URL + "/device", CodeChallengeMethod: "plain",
		Prompt: func(context.Context, *oauth2.DeviceAuthResponse) error { return nil }}
	a, err := fedSession(t, p).AccessInfo(fedCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "alice", a.Username())
	dev := idp.log.seen("/device")
	require.Len(t, dev, 1)
	assert.Equal(t, "plain", dev[0].Form.Get("code_challenge_method"))
	assert.Equal(t, "cli-public", dev[0].Form.Get("client_id"))
	_, _, basic := (&http.Request{Header: dev[0].Header}).BasicAuth()
	assert.False(t, basic)
	polls := idp.log.seen("/token")
	require.Len(t, polls, 1)
	assert.Equal(t, dev[0].Form.Get("code_challenge"), polls[0].Form.Get("code_verifier"), "plain: the challenge is the verifier")
	assert.Equal(t, "cli-public", polls[0].Form.Get("client_id"))
}

// slow_down adds 5 s to the interval (RFC 8628 3.5), so this test takes 6 s.
func TestOIDCDeviceAuthorizationSlowDown(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 6 s for the slowed-down poll")
	}
	t.Parallel()
	idp, ks := oidcWorld(t)
	idp.DeviceSlowDown = true
	p := &federation.OIDCDeviceAuthorization{FederatedLogin: oidcLogin(ks, auth.Scope{}), OIDCClient: oidcClient(idp),
		Prompt: func(context.Context, *oauth2.DeviceAuthResponse) error { return nil }}
	a, err := fedSession(t, p).AccessInfo(fedCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "alice", a.Username())
	polls := idp.log.seen("/token")
	require.Len(t, polls, 2, "slow_down, then the token")
	assert.GreaterOrEqual(t, polls[1].At.Sub(polls[0].At), 5500*time.Millisecond, "the poll after slow_down waited interval+5 s")
}

func TestOIDCDeviceAuthorizationDenied(t *testing.T) {
	t.Parallel()
	idp, ks := oidcWorld(t)
	idp.DeviceDeny = true
	_, err := fedSession(t, &federation.OIDCDeviceAuthorization{FederatedLogin: oidcLogin(ks, auth.Scope{}), OIDCClient: oidcClient(idp),
		Prompt: func(context.Context, *oauth2.DeviceAuthResponse) error { return nil }}).AccessInfo(fedCtx(t))
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "access_denied", re.ErrorCode)
	assert.ErrorIs(t, err, apierror.ErrAuthorization)

	// A prompt that fails ends the login before any poll.
	idp.DeviceDeny = false
	boom := errors.New("no terminal")
	_, err = fedSession(t, &federation.OIDCDeviceAuthorization{FederatedLogin: oidcLogin(ks, auth.Scope{}), OIDCClient: oidcClient(idp),
		Prompt: func(context.Context, *oauth2.DeviceAuthResponse) error { return boom }}).AccessInfo(fedCtx(t))
	assert.ErrorIs(t, err, boom)
}
