package authtoken_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/authtoken"
)

// seen is what the service behind the middleware received.
type seen struct {
	header http.Header
	result *authtoken.Result
	calls  int
}

func serve(t *testing.T, v *authtoken.Validator, method, path string, headers map[string]string) (*httptest.ResponseRecorder, *seen) {
	t.Helper()
	s := &seen{}
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls++
		s.header = r.Header.Clone()
		s.result, _ = authtoken.FromContext(r.Context())
		if r.URL.Path == "/deny" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	req := httptest.NewRequest(method, path, nil)
	for k, val := range headers {
		req.Header.Set(k, val)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w, s
}

// spoofed are identity headers a client tries to set.
func spoofed() map[string]string {
	m := map[string]string{}
	for _, h := range authtoken.AuthHeaders() {
		m[h] = "spoofed"
	}
	return m
}

func TestMiddlewareSetsKeystonemiddlewareHeaders(t *testing.T) {
	k := newFakeKeystone(t)
	k.set("tok", fakeToken{body: tokenBody("alice", "demo", []string{"member", "reader"}, time.Now().Add(time.Hour), "")})
	cfg := authtoken.DefaultConfig()
	cfg.WWWAuthenticateURI = "https://keystone.example/v3"
	v := newValidator(t, k, cfg)

	headers := spoofed()
	headers["X-Auth-Token"] = "tok"
	w, s := serve(t, v, "GET", "/v2.1/servers", headers)
	require.Equal(t, http.StatusOK, w.Code)
	want := map[string]string{
		"X-Identity-Status":     "Confirmed",
		"X-User-Id":             "alice-id",
		"X-User-Name":           "alice",
		"X-User-Domain-Id":      "default",
		"X-User-Domain-Name":    "Default",
		"X-Project-Id":          "demo-id",
		"X-Project-Name":        "demo",
		"X-Project-Domain-Id":   "default",
		"X-Project-Domain-Name": "Default",
		"X-Roles":               "member,reader",
		"X-Is-Admin-Project":    "False",
		"X-Role":                "member,reader",
		"X-User":                "alice",
		"X-Tenant-Id":           "demo-id",
		"X-Tenant-Name":         "demo",
		"X-Tenant":              "demo",
	}
	for h, val := range want {
		assert.Equal(t, val, s.header.Get(h), h)
	}
	// Every other header the client sent is gone, none left "spoofed".
	for _, h := range authtoken.AuthHeaders() {
		if _, set := want[h]; !set && h != "X-Service-Catalog" {
			assert.Empty(t, s.header.Values(h), h)
		}
	}
	var catalog []map[string]any
	require.NoError(t, json.Unmarshal([]byte(s.header.Get("X-Service-Catalog")), &catalog))
	require.Len(t, catalog, 1)
	assert.Equal(t, "compute", catalog[0]["type"])
	assert.Equal(t, []any{map[string]any{"region": "R1", "publicURL": "https://nova.example/v2.1",
		"internalURL": "http://nova.internal/v2.1"}}, catalog[0]["endpoints"])

	require.NotNil(t, s.result)
	assert.Equal(t, "alice-id", s.result.User.UserID())
	assert.Equal(t, authtoken.StatusConfirmed, s.result.UserStatus)
	assert.Empty(t, s.result.ServiceStatus)

	// A 401 of the service itself carries the challenge too.
	w, _ = serve(t, v, "GET", "/deny", map[string]string{"X-Auth-Token": "tok"})
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, `Keystone uri="https://keystone.example/v3"`, w.Header().Get("WWW-Authenticate"))
}

func TestMiddlewareWithoutCatalog(t *testing.T) {
	k := newFakeKeystone(t)
	k.set("tok", fakeToken{body: tokenBody("alice", "demo", nil, time.Now().Add(time.Hour), "")})
	cfg := authtoken.DefaultConfig()
	cfg.IncludeServiceCatalog = false
	_, s := serve(t, newValidator(t, k, cfg), "GET", "/", map[string]string{"X-Auth-Token": "tok", "X-Service-Catalog": "[]"})
	assert.Empty(t, s.header.Get("X-Service-Catalog"))
	assert.Contains(t, k.lastQuery.Load(), "nocatalog")
}

func TestMiddlewareRefuses(t *testing.T) {
	k := newFakeKeystone(t)
	cfg := authtoken.DefaultConfig()
	cfg.WWWAuthenticateURI = "https://keystone.example/v3"
	v := newValidator(t, k, cfg)
	for name, headers := range map[string]map[string]string{
		"no token":      spoofed(),
		"invalid token": {"X-Auth-Token": "bogus", "X-Identity-Status": "Confirmed", "X-Roles": "admin"},
	} {
		t.Run(name, func(t *testing.T) {
			w, s := serve(t, v, "GET", "/", headers)
			assert.Equal(t, http.StatusUnauthorized, w.Code)
			assert.Equal(t, `Keystone uri="https://keystone.example/v3"`, w.Header().Get("WWW-Authenticate"))
			assert.Zero(t, s.calls)
			var body struct{ Error struct{ Code int } }
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
			assert.Equal(t, 401, body.Error.Code)
		})
	}
}

func TestMiddlewareDelayAuthDecision(t *testing.T) {
	k := newFakeKeystone(t)
	cfg := authtoken.DefaultConfig()
	cfg.DelayAuthDecision = true
	v := newValidator(t, k, cfg)
	headers := spoofed()
	headers["X-Auth-Token"] = "bogus"
	w, s := serve(t, v, "GET", "/", headers)
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "Invalid", s.header.Get("X-Identity-Status"))
	assert.Empty(t, s.header.Get("X-Roles"))
	assert.Empty(t, s.header.Get("X-User-Id"))
	assert.Nil(t, s.result.User)
	require.ErrorIs(t, s.result.Err, authtoken.ErrInvalidToken)

	// Keystone away: marked invalid too, not 503.
	k.down.Store(true)
	w, s = serve(t, v, "GET", "/", map[string]string{"X-Auth-Token": "other"})
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "Invalid", s.header.Get("X-Identity-Status"))
	require.ErrorIs(t, s.result.Err, authtoken.ErrUnavailable)
}

func TestMiddlewareKeystoneDown(t *testing.T) {
	k := newFakeKeystone(t)
	k.set("cached", fakeToken{body: tokenBody("alice", "demo", nil, time.Now().Add(time.Hour), "")})
	v := newValidator(t, k, authtoken.DefaultConfig())
	w, _ := serve(t, v, "GET", "/", map[string]string{"X-Auth-Token": "cached"})
	require.Equal(t, http.StatusOK, w.Code)

	k.down.Store(true)
	w, _ = serve(t, v, "GET", "/", map[string]string{"X-Auth-Token": "cached"})
	assert.Equal(t, http.StatusOK, w.Code)
	w, s := serve(t, v, "GET", "/", map[string]string{"X-Auth-Token": "unknown"})
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Empty(t, w.Header().Get("WWW-Authenticate"))
	assert.Zero(t, s.calls)
	w, _ = serve(t, v, "GET", "/", map[string]string{"X-Auth-Token": "cached", "X-Service-Token": "unknown"})
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
}

func TestMiddlewareServiceTokens(t *testing.T) {
	k := newFakeKeystone(t)
	k.set("expired-user", fakeToken{body: tokenBody("alice", "demo", []string{"member"}, time.Now().Add(-time.Minute), ""), expired: true})
	k.set("user", fakeToken{body: tokenBody("alice", "demo", []string{"member"}, time.Now().Add(time.Hour), "")})
	k.set("svc", fakeToken{body: tokenBody("nova", "service", []string{"service", "admin"}, time.Now().Add(time.Hour), "")})
	k.set("not-svc", fakeToken{body: tokenBody("mallory", "demo", []string{"member"}, time.Now().Add(time.Hour), "")})

	v := newValidator(t, k, authtoken.DefaultConfig())
	w, s := serve(t, v, "GET", "/", map[string]string{"X-Auth-Token": "expired-user", "X-Service-Token": "svc"})
	require.Equal(t, http.StatusOK, w.Code, "an expired user token with a service token of a service role")
	assert.Equal(t, "Confirmed", s.header.Get("X-Service-Identity-Status"))
	assert.Equal(t, "nova-id", s.header.Get("X-Service-User-Id"))
	assert.Equal(t, "service,admin", s.header.Get("X-Service-Roles"))
	assert.Equal(t, "service-id", s.header.Get("X-Service-Project-Id"))
	assert.Equal(t, "alice-id", s.header.Get("X-User-Id"))
	assert.Equal(t, "nova-id", s.result.Service.UserID())
	assert.Contains(t, k.lastQuery.Load(), "allow_expired=true")

	w, _ = serve(t, v, "GET", "/", map[string]string{"X-Auth-Token": "expired-user"})
	assert.Equal(t, http.StatusUnauthorized, w.Code, "expired without a service token")

	// Without the role: accepted as a service token (service_token_roles_required
	// false), but no allow_expired.
	w, s = serve(t, v, "GET", "/", map[string]string{"X-Auth-Token": "expired-user", "X-Service-Token": "not-svc"})
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	w, s = serve(t, v, "GET", "/", map[string]string{"X-Auth-Token": "user", "X-Service-Token": "not-svc"})
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "Confirmed", s.header.Get("X-Service-Identity-Status"))

	// An invalid service token refuses the request.
	w, _ = serve(t, v, "GET", "/", map[string]string{"X-Auth-Token": "user", "X-Service-Token": "bogus"})
	assert.Equal(t, http.StatusUnauthorized, w.Code)

	cfg := authtoken.DefaultConfig()
	cfg.ServiceTokenRolesRequired = true
	cfg.DelayAuthDecision = true
	strict := newValidator(t, k, cfg)
	w, s = serve(t, strict, "GET", "/", map[string]string{"X-Auth-Token": "user", "X-Service-Token": "not-svc"})
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "Invalid", s.header.Get("X-Service-Identity-Status"))
	assert.Equal(t, "Confirmed", s.header.Get("X-Identity-Status"))
	assert.Empty(t, s.header.Get("X-Service-User-Id"))
	assert.Nil(t, s.result.Service)
}

func TestMiddlewareAccessRules(t *testing.T) {
	k := newFakeKeystone(t)
	rules := `"application_credential":{"id":"ac","name":"ci","restricted":true,"access_rules":[
		{"id":"1","service":"compute","method":"GET","path":"/v2.1/servers/*"},
		{"id":"2","service":"compute","method":"POST","path":"/v2.1/servers/{id}/action"}]}`
	k.set("ac", fakeToken{body: tokenBody("alice", "demo", []string{"member"}, time.Now().Add(time.Hour), rules)})
	k.set("svc", fakeToken{body: tokenBody("nova", "service", []string{"service"}, time.Now().Add(time.Hour), "")})
	cfg := authtoken.DefaultConfig()
	cfg.ServiceType = "compute"
	v := newValidator(t, k, cfg)
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/v2.1/servers/abc", 200},
		{"POST", "/v2.1/servers/abc/action", 200},
		{"DELETE", "/v2.1/servers/abc", 401},
		{"GET", "/v2.1/servers/abc/ips", 401},
		{"GET", "/v2.1/flavors", 401},
	} {
		w, _ := serve(t, v, tc.method, tc.path, map[string]string{"X-Auth-Token": "ac"})
		assert.Equal(t, tc.want, w.Code, "%s %s", tc.method, tc.path)
	}
	assert.EqualValues(t, 1, k.validations.Load(), "the rules are applied to the cached token")

	// A service calling on the user's behalf is not held to the user's rules.
	w, _ := serve(t, v, "DELETE", "/v2.1/servers/abc", map[string]string{"X-Auth-Token": "ac", "X-Service-Token": "svc"})
	assert.Equal(t, http.StatusOK, w.Code)

	// Another service type (not in the catalog), or none configured: refused.
	for _, st := range []string{"image", ""} {
		cfg.ServiceType = st
		w, _ = serve(t, newValidator(t, k, cfg), "GET", "/v2.1/servers/abc", map[string]string{"X-Auth-Token": "ac"})
		assert.Equal(t, http.StatusUnauthorized, w.Code, "service_type %q", st)
	}
}

func TestAuthHeadersCoverKeystonemiddleware(t *testing.T) {
	h := authtoken.AuthHeaders()
	for _, name := range []string{"X-Service-Catalog", "X-Identity-Status", "X-Service-Identity-Status",
		"X-Is-Admin-Project", "X-Role", "X-User", "X-Tenant-Id", "X-Tenant-Name", "X-Tenant",
		"X-Domain-Id", "X-Service-Domain-Name", "X-Project-Domain-Id", "X-Service-User-Domain-Name",
		"X-Roles", "X-Service-Roles", "OpenStack-System-Scope"} {
		assert.True(t, slices.Contains(h, name), name)
	}
	assert.Len(t, h, 5+5+2*11)
}
