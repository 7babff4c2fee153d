package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/catalog"
	"github.com/keystone-go/keystone/pkg/oauth1"
)

func bg(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestPluginTokenRequests checks, for every plugin that posts to
// /v3/auth/tokens, the exact JSON Keystone receives.
func TestPluginTokenRequests(t *testing.T) {
	passcode := func(context.Context) (string, error) { return "654321", nil }
	cases := []struct {
		name   string
		plugin func(url string) Plugin
		want   string
		query  string
	}{
		{"v3password by user id, project by id", func(u string) Plugin {
			return &Password{AuthURL: u, UserID: "u1", Password: "pw", Scope: Scope{ProjectID: "p1"}}
		}, `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"u1","password":"pw"}}},
			"scope":{"project":{"id":"p1"}}}}`, ""},
		{"v3password by name, project by name and domain id, no catalog", func(u string) Plugin {
			return &Password{AuthURL: u, Username: "alice", UserDomainName: "Default", Password: "pw",
				Scope: Scope{ProjectName: "demo", ProjectDomainID: "default"}, NoCatalog: true}
		}, `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","domain":{"name":"Default"},"password":"pw"}}},
			"scope":{"project":{"name":"demo","domain":{"id":"default"}}}}}`, "nocatalog=true"},
		{"v3password domain by name", func(u string) Plugin {
			return &Password{AuthURL: u, UserID: "u1", Password: "pw", Scope: Scope{DomainName: "Default"}}
		}, `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"u1","password":"pw"}}},
			"scope":{"domain":{"name":"Default"}}}}`, ""},
		{"v3password system", func(u string) Plugin {
			return &Password{AuthURL: u, UserID: "u1", Password: "pw", Scope: Scope{System: true}}
		}, `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"u1","password":"pw"}}},
			"scope":{"system":{"all":true}}}}`, ""},
		{"v3password trust", func(u string) Plugin {
			return &Password{AuthURL: u, UserID: "u1", Password: "pw", Scope: Scope{TrustID: "t1"}}
		}, `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"u1","password":"pw"}}},
			"scope":{"OS-TRUST:trust":{"id":"t1"}}}}`, ""},
		{"v3password unscoped", func(u string) Plugin {
			return &Password{AuthURL: u, UserID: "u1", Password: "pw", Scope: Scope{Unscoped: true}}
		}, `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"u1","password":"pw"}}},
			"scope":"unscoped"}}`, ""},
		{"v3password default scope", func(u string) Plugin {
			return &Password{AuthURL: u, UserID: "u1", Password: "pw"}
		}, `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"u1","password":"pw"}}}}}`, ""},
		{"v3token, domain by id", func(u string) Plugin {
			return &Token{AuthURL: u, Token: "old", Scope: Scope{DomainID: "d1"}}
		}, `{"auth":{"identity":{"methods":["token"],"token":{"id":"old"}},"scope":{"domain":{"id":"d1"}}}}`, ""},
		{"v3applicationcredential by id", func(u string) Plugin {
			return &ApplicationCredential{AuthURL: u, ID: "ac1", Secret: "s3"}
		}, `{"auth":{"identity":{"methods":["application_credential"],"application_credential":{"id":"ac1","secret":"s3"}}}}`, ""},
		{"v3applicationcredential by name and user id", func(u string) Plugin {
			return &ApplicationCredential{AuthURL: u, Name: "ci", UserID: "u1", Secret: "s3"}
		}, `{"auth":{"identity":{"methods":["application_credential"],
			"application_credential":{"name":"ci","user":{"id":"u1"},"secret":"s3"}}}}`, ""},
		{"v3applicationcredential by name, username and domain", func(u string) Plugin {
			return &ApplicationCredential{AuthURL: u, Name: "ci", Username: "alice", UserDomainID: "default", Secret: "s3"}
		}, `{"auth":{"identity":{"methods":["application_credential"],
			"application_credential":{"name":"ci","user":{"name":"alice","domain":{"id":"default"}},"secret":"s3"}}}}`, ""},
		{"v3totp", func(u string) Plugin {
			return &TOTP{AuthURL: u, UserID: "u1", Passcode: "123456", Scope: Scope{ProjectID: "p1"}}
		}, `{"auth":{"identity":{"methods":["totp"],"totp":{"user":{"id":"u1","passcode":"123456"}}},"scope":{"project":{"id":"p1"}}}}`, ""},
		{"v3totp with a passcode function", func(u string) Plugin {
			return &TOTP{AuthURL: u, Username: "alice", UserDomainID: "default", PasscodeFunc: passcode}
		}, `{"auth":{"identity":{"methods":["totp"],"totp":{"user":{"name":"alice","domain":{"id":"default"},"passcode":"654321"}}}}}`, ""},
		{"v3multifactor password and totp together", func(u string) Plugin {
			return &MultiFactor{AuthURL: u, Methods: []Method{
				&PasswordMethod{UserID: "u1", Password: "pw"},
				&TOTPMethod{UserID: "u1", Passcode: "123456"},
			}, Scope: Scope{ProjectID: "p1"}}
		}, `{"auth":{"identity":{"methods":["password","totp"],
			"password":{"user":{"id":"u1","password":"pw"}},"totp":{"user":{"id":"u1","passcode":"123456"}}},
			"scope":{"project":{"id":"p1"}}}}`, ""},
		{"generic password with default domain, discovered v3", func(u string) Plugin {
			return &GenericPassword{AuthURL: strings.TrimSuffix(u, "/v3"), Username: "alice", Password: "pw",
				Scope: Scope{ProjectName: "demo"}, DefaultDomainID: "default"}
		}, `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","domain":{"id":"default"},"password":"pw"}}},
			"scope":{"project":{"name":"demo","domain":{"id":"default"}}}}}`, ""},
		{"generic token, discovered v3", func(u string) Plugin {
			return &GenericToken{AuthURL: strings.TrimSuffix(u, "/v3"), Token: "old", Scope: Scope{System: true}}
		}, `{"auth":{"identity":{"methods":["token"],"token":{"id":"old"}},"scope":{"system":{"all":true}}}}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ks := newStub(t)
			a, err := ks.session(tc.plugin(ks.URL + "/v3")).AccessInfo(bg(t))
			require.NoError(t, err)
			assert.Equal(t, "tok-1", a.Token)
			assert.Equal(t, ks.URL+"/v3", a.AuthURL)
			posts := ks.tokenPosts()
			require.Len(t, posts, 1)
			assert.JSONEq(t, tc.want, string(posts[0].Body))
			assert.Equal(t, tc.query, posts[0].Query)
			assert.Equal(t, "application/json", posts[0].Header.Get("Content-Type"))
			assert.Empty(t, posts[0].Header.Get("X-Auth-Token"), "a token request carries no token")
			assert.Empty(t, posts[0].Header.Get("Openstack-Auth-Receipt"))
		})
	}
}

// TestOAuth1PluginSignsTheTokenRequest recomputes the HMAC-SHA1 signature
// Keystone would check from the header the plugin sent.
func TestOAuth1PluginSignsTheTokenRequest(t *testing.T) {
	ks := newStub(t)
	p := &OAuth1{AuthURL: ks.URL + "/v3", ConsumerKey: "ck", ConsumerSecret: "cs", AccessKey: "ak", AccessSecret: "as"}
	_, err := ks.session(p).AccessInfo(bg(t))
	require.NoError(t, err)
	posts := ks.tokenPosts()
	require.Len(t, posts, 1)
	assert.JSONEq(t, `{"auth":{"identity":{"methods":["oauth1"],"oauth1":{}}}}`, string(posts[0].Body))

	header := posts[0].Header.Get("Authorization")
	require.True(t, strings.HasPrefix(header, "OAuth "), header)
	params := url.Values{}
	for _, m := range regexp.MustCompile(`(\w+)="([^"]*)"`).FindAllStringSubmatch(header, -1) {
		v, err := url.PathUnescape(m[2])
		require.NoError(t, err)
		params.Set(m[1], v)
	}
	assert.Equal(t, "ck", params.Get("oauth_consumer_key"))
	assert.Equal(t, "ak", params.Get("oauth_token"))
	assert.Equal(t, "HMAC-SHA1", params.Get("oauth_signature_method"))
	assert.Regexp(t, `^[0-9a-f]+$`, params.Get("oauth_nonce"), "Keystone takes lower-case hex nonces only")
	sig := params.Get("oauth_signature")
	params.Del("oauth_signature")
	u, _ := url.Parse(ks.URL + "/v3/auth/tokens")
	base, err := oauth1.BaseString("POST", u, params)
	require.NoError(t, err)
	assert.Equal(t, oauth1.HMACSHA1(base, "cs", "as"), sig)
}

func TestGenericPluginsOnAV2OnlyServer(t *testing.T) {
	ks := newStub(t)
	ks.versions = `{"versions":{"values":[{"id":"v2.0","status":"stable","updated":"2014-04-17T00:00:00Z","links":[{"rel":"self","href":"%s/v2.0/"}]}]}}`
	// The generic plugins hand over to v2.0 (the stub has no v2.0 API, so
	// the hand-over shows as a 404 from POST /v2.0/tokens).
	for _, p := range []Plugin{
		&GenericPassword{AuthURL: ks.URL, Username: "alice", Password: "pw"},
		&GenericToken{AuthURL: ks.URL, Token: "t"},
		&GenericPassword{AuthURL: ks.URL + "/v2.0", Username: "alice", Password: "pw"},
	} {
		_, err := ks.session(p).AccessInfo(bg(t))
		var apiErr *apierror.Error
		require.True(t, errors.As(err, &apiErr), "%T: %v", p, err)
		assert.Equal(t, ks.URL+"/v2.0/tokens", apiErr.URL)
	}
	// Domains and system scope exist only in v3: v2.0 is not even considered.
	for _, p := range []Plugin{
		&GenericPassword{AuthURL: ks.URL, Username: "alice", UserDomainID: "default", Password: "pw"},
		&GenericToken{AuthURL: ks.URL, Token: "t", Scope: Scope{System: true}},
		&GenericPassword{AuthURL: ks.URL + "/v2.0", UserID: "u", Password: "pw", Scope: Scope{DomainID: "d"}},
	} {
		_, err := ks.session(p).AccessInfo(bg(t))
		assert.True(t, errors.Is(err, apierror.ErrVersionNotAvailable), "%v", err)
		assert.Contains(t, err.Error(), "no domains")
	}
	assert.Empty(t, ks.tokenPosts())
}

func TestLocalMistakesFailBeforeAnyRequest(t *testing.T) {
	ks := newStub(t)
	for _, tc := range []struct {
		plugin Plugin
		kind   error
		text   string
	}{
		{&Password{AuthURL: ks.URL, UserID: "u"}, apierror.ErrMissingAuthOption, "password"},
		{&Password{AuthURL: ks.URL, Username: "alice", Password: "pw"}, apierror.ErrMissingAuthOption, "user_domain_id"},
		{&Password{UserID: "u", Password: "pw"}, apierror.ErrMissingAuthOption, "auth_url"},
		{&Password{AuthURL: ks.URL, UserID: "u", Password: "pw", Scope: Scope{ProjectName: "p"}}, apierror.ErrInvalidConfig, "without its domain"},
		{&Token{AuthURL: ks.URL}, apierror.ErrMissingAuthOption, "token"},
		{&TOTP{AuthURL: ks.URL, UserID: "u"}, apierror.ErrMissingAuthOption, "passcode"},
		{&ApplicationCredential{AuthURL: ks.URL, ID: "x"}, apierror.ErrMissingAuthOption, "application_credential_secret"},
		{&ApplicationCredential{AuthURL: ks.URL, Secret: "x"}, apierror.ErrMissingAuthOption, "application_credential_id or application_credential_name"},
		{&ApplicationCredential{AuthURL: ks.URL, Name: "n", Secret: "x"}, apierror.ErrMissingAuthOption, "user_id or username"},
		{&OAuth1{AuthURL: ks.URL, ConsumerKey: "c"}, apierror.ErrMissingAuthOption, "consumer_secret"},
		{&MultiFactor{AuthURL: ks.URL}, apierror.ErrMissingAuthOption, "auth_methods"},
		{&OAuth2ClientCredential{AuthURL: ks.URL, ClientID: "c"}, apierror.ErrMissingAuthOption, "oauth2_client_secret"},
		{&OAuth2MTLSClientCredential{AuthURL: ks.URL}, apierror.ErrMissingAuthOption, "oauth2_client_id"},
		{&TokenlessAuth{AuthURL: ks.URL}, apierror.ErrMissingAuthOption, "project_id"},
		{&TokenlessAuth{AuthURL: ks.URL, Scope: Scope{System: true}}, apierror.ErrInvalidConfig, "project or a domain"},
		{&TokenEndpoint{Endpoint: ks.URL}, apierror.ErrMissingAuthOption, "token"},
		{&HTTPBasic{Endpoint: ks.URL}, apierror.ErrMissingAuthOption, "username"},
	} {
		_, err := ks.session(tc.plugin).AccessInfo(bg(t))
		require.Error(t, err, "%T", tc.plugin)
		assert.True(t, errors.Is(err, tc.kind), "%T: %v", tc.plugin, err)
		assert.Contains(t, err.Error(), tc.text, "%T", tc.plugin)
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	assert.Empty(t, ks.requests, "no request for a plugin that cannot work")
}

func TestOAuth2ClientCredential(t *testing.T) {
	ks := newStub(t)
	ks.token = map[string]any{"methods": []string{"application_credential"},
		"application_credential": map[string]any{"id": "client-id", "name": "ci", "restricted": true}}
	sess := ks.session(&OAuth2ClientCredential{AuthURL: ks.URL + "/v3", ClientID: "client-id", ClientSecret: "client-secret"})
	a, err := sess.AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, "tok-1", a.Token)
	assert.Equal(t, "client-id", a.ApplicationCredentialID())
	assert.Equal(t, 1, a.Catalog.Len())
	assert.Empty(t, ks.tokenPosts(), "the token comes from the OAuth 2.0 endpoint")

	grants := ks.where("POST", "/v3/OS-OAUTH2/token")
	require.Len(t, grants, 1)
	assert.Equal(t, "grant_type=client_credentials", string(grants[0].Body))
	assert.Equal(t, "application/x-www-form-urlencoded", grants[0].Header.Get("Content-Type"))
	id, secret, ok := (&http.Request{Header: grants[0].Header}).BasicAuth()
	assert.True(t, ok)
	assert.Equal(t, "client-id", id)
	assert.Equal(t, "client-secret", secret)

	validations := ks.where("GET", "/v3/auth/tokens")
	require.Len(t, validations, 1)
	assert.Equal(t, "tok-1", validations[0].Header.Get("X-Auth-Token"))
	assert.Equal(t, "tok-1", validations[0].Header.Get("X-Subject-Token"))
	assert.Equal(t, "1.0", validations[0].Header.Get("OpenStack-Identity-Access-Rules"))

	// Later requests carry the token both ways.
	req, _ := http.NewRequestWithContext(bg(t), http.MethodGet, ks.URL+"/v3/echo", nil)
	resp, err := sess.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	echo := ks.where("GET", "/v3/echo")
	require.Len(t, echo, 1)
	assert.Equal(t, "tok-1", echo[0].Header.Get("X-Auth-Token"))
	assert.Equal(t, "Bearer tok-1", echo[0].Header.Get("Authorization"))

	// A wrong secret is Keystone's 401, typed.
	_, err = ks.session(&OAuth2ClientCredential{AuthURL: ks.URL + "/v3", ClientID: "client-id", ClientSecret: "nope"}).AccessInfo(bg(t))
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
}

func TestStaticPlugins(t *testing.T) {
	ks := newStub(t)
	ks.issued["static-token"] = true
	call := func(t *testing.T, sess *Session) stubRequest {
		t.Helper()
		ep, err := sess.Endpoint(bg(t), catalog.Filter{ServiceType: "compute", Interfaces: []string{"internal"}})
		require.NoError(t, err)
		assert.Equal(t, ks.URL+"/v3", ep.URL, "every service is at the endpoint")
		assert.Equal(t, "internal", ep.Interface)
		req, _ := http.NewRequestWithContext(bg(t), http.MethodGet, ep.URL+"/echo", nil)
		resp, err := sess.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		echo := ks.where("GET", "/v3/echo")
		return echo[len(echo)-1]
	}
	t.Run("admin_token", func(t *testing.T) {
		r := call(t, ks.session(&TokenEndpoint{Endpoint: ks.URL + "/v3/", Token: "static-token"}))
		assert.Equal(t, "static-token", r.Header.Get("X-Auth-Token"))
		assert.Empty(t, r.Header.Get("Authorization"))
	})
	t.Run("http_basic", func(t *testing.T) {
		r := call(t, ks.session(&HTTPBasic{Endpoint: ks.URL + "/v3", Username: "bob", Password: "pw"}))
		assert.Empty(t, r.Header.Get("X-Auth-Token"))
		u, p, ok := (&http.Request{Header: r.Header}).BasicAuth()
		assert.True(t, ok)
		assert.Equal(t, "bob", u)
		assert.Equal(t, "pw", p)
	})
	t.Run("none", func(t *testing.T) {
		r := call(t, ks.session(&NoAuth{Endpoint: ks.URL + "/v3"}))
		assert.Empty(t, r.Header.Get("X-Auth-Token"))
		assert.Empty(t, r.Header.Get("Authorization"))
	})
	assert.Empty(t, ks.tokenPosts(), "none of them asks Keystone for a token")
}

func TestTokenlessAuthDecoratesRequests(t *testing.T) {
	ks := newStub(t)
	for _, tc := range []struct {
		scope Scope
		want  http.Header
	}{
		{Scope{ProjectID: "p1"}, http.Header{"X-Project-Id": {"p1"}}},
		{Scope{ProjectName: "demo", ProjectDomainID: "default"}, http.Header{"X-Project-Name": {"demo"}, "X-Project-Domain-Id": {"default"}}},
		{Scope{ProjectName: "demo", ProjectDomainName: "Default"}, http.Header{"X-Project-Name": {"demo"}, "X-Project-Domain-Name": {"Default"}}},
		{Scope{DomainID: "d1"}, http.Header{"X-Domain-Id": {"d1"}}},
		{Scope{DomainName: "Default"}, http.Header{"X-Domain-Name": {"Default"}}},
	} {
		sess := ks.session(&TokenlessAuth{AuthURL: ks.URL + "/v3", Scope: tc.scope})
		u, err := sess.VersionedEndpoint(bg(t), catalog.Filter{ServiceType: "identity"}, 3)
		require.NoError(t, err)
		assert.Equal(t, ks.URL+"/v3", u, "identity is at the auth URL")
		req, _ := http.NewRequestWithContext(bg(t), http.MethodGet, u+"/echo", nil)
		resp, err := sess.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		echo := ks.where("GET", "/v3/echo")
		got := echo[len(echo)-1].Header
		assert.Empty(t, got.Get("X-Auth-Token"))
		for _, h := range []string{"X-Project-Id", "X-Project-Name", "X-Project-Domain-Id", "X-Project-Domain-Name", "X-Domain-Id", "X-Domain-Name"} {
			assert.Equal(t, tc.want.Get(h), got.Get(h), "%+v: %s", tc.scope, h)
		}
		_, err = sess.Endpoint(bg(t), catalog.Filter{ServiceType: "compute"})
		assert.True(t, errors.Is(err, apierror.ErrEndpointNotFound), "only identity is known: %v", err)
	}
	assert.Empty(t, ks.tokenPosts())
}

func TestTOTPPasscode(t *testing.T) {
	// RFC 6238 appendix B, SHA-1 seed "12345678901234567890": at T=59 the
	// 8-digit code is 94287082, so the 6-digit one is 287082.
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	code, err := TOTPPasscode(secret, time.Unix(59, 0))
	require.NoError(t, err)
	assert.Equal(t, "287082", code)
	code, err = TOTPPasscode(strings.ToLower(secret), time.Unix(1111111109, 0))
	require.NoError(t, err)
	assert.Equal(t, "081804", code, "07081804 at T=1111111109")

	_, err = TOTPPasscode("not base32!", time.Now())
	assert.True(t, errors.Is(err, apierror.ErrInvalidConfig))

	s := NewTOTPSecret()
	assert.Len(t, s, 32)
	assert.NotEqual(t, s, NewTOTPSecret())
	gen, err := TOTPGenerator(s)(context.Background())
	require.NoError(t, err)
	now, _ := TOTPPasscode(s, time.Now())
	assert.Len(t, gen, 6)
	assert.Equal(t, now, gen)
}
