package authtoken_test

import (
	"encoding/base64"
	"github.com/oapi-codegen/nullable"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/authtoken"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/timestamp"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// caller is a member of a project of its own, with a token for it.
type caller struct {
	user    e2eutil.TestUser
	project identityv3.Project
	token   string
	client  *identity.Client // the user's own
}

func newCaller(t *testing.T, admin *identity.Client, roles ...string) caller {
	t.Helper()
	project := e2eutil.Project(t, admin)
	user := e2eutil.Member(t, admin, project.ID)
	for _, r := range roles {
		e2eutil.GrantProjectRole(t, admin, project.ID, user.ID, r)
	}
	sess := e2eutil.UserSession(t, user, auth.Scope{ProjectID: project.ID})
	a, err := sess.AccessInfo(e2eutil.Ctx(t))
	require.NoError(t, err)
	return caller{user: user, project: project, token: a.Token, client: e2eutil.Client(t, sess)}
}

func TestValidInvalidAndSpoofedTokens(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	c := newCaller(t, admin)
	cfg := authtoken.DefaultConfig()
	cfg.WWWAuthenticateURI = "https://keystone.example/v3"
	s := newService(t, cfg)

	spoofed := map[string]string{"X-Auth-Token": c.token}
	for _, h := range authtoken.AuthHeaders() {
		spoofed[h] = "spoofed"
	}
	spoofed["X-Roles"] = "admin"
	status, seen, _ := s.call(t, "GET", "/v1/things", spoofed)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "Confirmed", seen["X-Identity-Status"])
	assert.Equal(t, c.user.ID, seen["X-User-Id"])
	assert.Equal(t, c.user.Name, seen["X-User-Name"])
	assert.Equal(t, "default", seen["X-User-Domain-Id"])
	assert.Equal(t, "Default", seen["X-User-Domain-Name"])
	assert.Equal(t, c.project.ID, seen["X-Project-Id"])
	assert.Equal(t, c.project.Name, seen["X-Project-Name"])
	assert.Equal(t, c.project.ID, seen["X-Tenant-Id"])
	assert.Equal(t, c.user.ID, seen["context-user"])
	roles := strings.Split(seen["X-Roles"], ",")
	assert.ElementsMatch(t, []string{"member", "reader"}, roles, "Keystone's roles, not the client's")
	assert.NotContains(t, seen, "X-Service-Identity-Status")
	assert.NotContains(t, seen, "X-Domain-Id")
	assert.NotContains(t, seen, "OpenStack-System-Scope")
	for h, v := range seen {
		assert.NotEqual(t, "spoofed", v, h)
	}
	// The test Keystone names no admin project: every project counts as one.
	assert.Equal(t, "True", seen["X-Is-Admin-Project"])
	assert.Contains(t, seen["X-Service-Catalog"], `"type":"identity"`)

	for name, headers := range map[string]map[string]string{
		"invalid token": {"X-Auth-Token": c.token + "x"},
		"no token":      {"X-Identity-Status": "Confirmed", "X-User-Id": c.user.ID},
	} {
		status, _, challenge := s.call(t, "GET", "/v1/things", headers)
		assert.Equal(t, http.StatusUnauthorized, status, name)
		assert.Equal(t, `Keystone uri="https://keystone.example/v3"`, challenge, name)
	}
	assert.NotContains(t, s.log.String(), c.token, "tokens are logged hashed only")
	assert.Contains(t, s.log.String(), "{SHA256}")
}

func TestDelayAuthDecision(t *testing.T) {
	t.Parallel()
	cfg := authtoken.DefaultConfig()
	cfg.DelayAuthDecision = true
	s := newService(t, cfg)
	status, seen, _ := s.call(t, "GET", "/", map[string]string{"X-Auth-Token": "not-a-token", "X-Roles": "admin"})
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "Invalid", seen["X-Identity-Status"])
	assert.NotContains(t, seen, "X-Roles")
	assert.NotContains(t, seen, "context-user")
}

func TestRevokedToken(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	c := newCaller(t, admin)
	now := time.Now()
	clock := func() time.Time { return now }
	cfg := authtoken.DefaultConfig()
	cfg.RevalidateInterval = time.Minute
	cached := newService(t, cfg, authtoken.WithClock(func() time.Time { return clock() }))
	status, _, _ := cached.call(t, "GET", "/", map[string]string{"X-Auth-Token": c.token})
	require.Equal(t, http.StatusOK, status)

	_, err := admin.Raw().RevokeTokenWithResponse(e2eutil.Ctx(t), &identityv3.RevokeTokenParams{XSubjectToken: c.token})
	require.NoError(t, err)

	uncached := newService(t, authtoken.DefaultConfig())
	status, _, _ = uncached.call(t, "GET", "/", map[string]string{"X-Auth-Token": c.token})
	assert.Equal(t, http.StatusUnauthorized, status, "a revoked token")

	// The trade-off of caching: the revoked token is still served from the
	// cache, until revalidate_interval (here) or token_cache_time.
	status, _, _ = cached.call(t, "GET", "/", map[string]string{"X-Auth-Token": c.token})
	assert.Equal(t, http.StatusOK, status, "served from the cache")
	assert.EqualValues(t, 1, cached.counter.validations.Load())
	later := now.Add(61 * time.Second)
	clock = func() time.Time { return later }
	status, _, _ = cached.call(t, "GET", "/", map[string]string{"X-Auth-Token": c.token})
	assert.Equal(t, http.StatusUnauthorized, status, "refused once revalidated")
	assert.EqualValues(t, 2, cached.counter.validations.Load())
}

func TestCacheHitsInMemory(t *testing.T) {
	t.Parallel()
	c := newCaller(t, e2eutil.Admin(t))
	s := newService(t, authtoken.DefaultConfig())
	for range 5 {
		status, _, _ := s.call(t, "GET", "/", map[string]string{"X-Auth-Token": c.token})
		require.Equal(t, http.StatusOK, status)
	}
	for range 3 {
		status, _, _ := s.call(t, "GET", "/", map[string]string{"X-Auth-Token": "bogus-" + c.token})
		require.Equal(t, http.StatusUnauthorized, status)
	}
	assert.EqualValues(t, 2, s.counter.validations.Load(), "one validation per token, the refusal cached too")
}

func TestCacheInMemcached(t *testing.T) {
	t.Parallel()
	servers := memcachedServers(t)
	admin := e2eutil.Admin(t)
	for _, strategy := range []authtoken.SecurityStrategy{authtoken.StrategyNone, authtoken.StrategyMAC, authtoken.StrategyEncrypt} {
		t.Run(string(strategy), func(t *testing.T) {
			t.Parallel()
			c := newCaller(t, admin)
			cfg := authtoken.DefaultConfig()
			cfg.MemcachedServers = servers
			cfg.MemcacheSecurityStrategy = strategy
			if strategy != authtoken.StrategyNone {
				cfg.MemcacheSecretKey = e2eutil.Name(t, "secret")
			}
			// Two processes of one service share the cache: one validation in all.
			first, second := newService(t, cfg), newService(t, cfg)
			for _, s := range []*service{first, second, first, second} {
				status, seen, _ := s.call(t, "GET", "/", map[string]string{"X-Auth-Token": c.token})
				require.Equal(t, http.StatusOK, status)
				assert.Equal(t, c.user.ID, seen["X-User-Id"])
				assert.ElementsMatch(t, []string{"member", "reader"}, strings.Split(seen["X-Roles"], ","))
			}
			assert.EqualValues(t, 1, first.counter.validations.Load()+second.counter.validations.Load())

			mc, err := authtoken.NewMemcacheCache(authtoken.MemcacheOptions{Servers: servers,
				SecurityStrategy: strategy, SecretKey: cfg.MemcacheSecretKey})
			require.NoError(t, err)
			key := mc.Key(c.token)
			assert.NotContains(t, key, c.token)
			raw, ok := memcachedValue(t, servers[0], key)
			require.True(t, ok, "the entry is in memcached under %s", key)
			assert.NotContains(t, raw, c.token, "no usable token in the cache")
			readable := raw
			if strategy != authtoken.StrategyNone { // base64(HMAC-SHA384) ‖ base64(data)
				data, err := base64.StdEncoding.DecodeString(raw[64:])
				require.NoError(t, err)
				readable = string(data)
			}
			if strategy == authtoken.StrategyEncrypt {
				assert.NotContains(t, readable, c.user.ID, "nothing readable under ENCRYPT")
			} else {
				assert.Contains(t, readable, c.user.ID, "MAC signs, it does not hide")
			}
			if strategy == authtoken.StrategyNone {
				return
			}
			// A forged entry (another user's identity written into the cache)
			// fails its MAC: the service asks Keystone again.
			forged := strings.Replace(raw, raw[70:80], "AAAAAAAAAA", 1)
			memcachedSet(t, servers[0], key, forged)
			status, seen, _ := first.call(t, "GET", "/", map[string]string{"X-Auth-Token": c.token})
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, c.user.ID, seen["X-User-Id"])
			assert.EqualValues(t, 2, first.counter.validations.Load()+second.counter.validations.Load())
			// Deleting the entry makes every process ask again.
			require.NoError(t, mc.Delete(e2eutil.Ctx(t), c.token))
			_, ok = memcachedValue(t, servers[0], key)
			assert.False(t, ok)
		})
	}
}

func TestMemcachedDownFallsBackToKeystone(t *testing.T) {
	t.Parallel()
	c := newCaller(t, e2eutil.Admin(t))
	cfg := authtoken.DefaultConfig()
	cfg.MemcachedServers = []string{"127.0.0.1:1"} // nothing listens there
	s := newService(t, cfg)
	status, _, _ := s.call(t, "GET", "/", map[string]string{"X-Auth-Token": c.token})
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, s.log.String(), "token cache failed")
}

// serviceCallers are a role that service_token_roles will name, a caller
// holding it (a service), one without it, and a user.
func serviceCallers(t *testing.T) (role identityv3.Role, svc, notSvc, user caller) {
	t.Helper()
	admin := e2eutil.Admin(t)
	role = e2eutil.Role(t, admin)
	return role, newCaller(t, admin, role.ID), newCaller(t, admin), newCaller(t, admin)
}

func TestServiceTokens(t *testing.T) {
	t.Parallel()
	serviceRole, svc, notSvc, user := serviceCallers(t)

	cfg := authtoken.DefaultConfig()
	cfg.ServiceTokenRoles = []string{serviceRole.Name}
	s := newService(t, cfg)
	status, seen, _ := s.call(t, "GET", "/", map[string]string{"X-Auth-Token": user.token, "X-Service-Token": svc.token})
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "Confirmed", seen["X-Service-Identity-Status"])
	assert.Equal(t, svc.user.ID, seen["X-Service-User-Id"])
	assert.Equal(t, svc.project.ID, seen["X-Service-Project-Id"])
	assert.Contains(t, strings.Split(seen["X-Service-Roles"], ","), serviceRole.Name)
	assert.Equal(t, user.user.ID, seen["X-User-Id"])

	// Without the role: still a valid service token (service_token_roles_required false)...
	status, seen, _ = s.call(t, "GET", "/", map[string]string{"X-Auth-Token": user.token, "X-Service-Token": notSvc.token})
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "Confirmed", seen["X-Service-Identity-Status"])
	// ...and refused with it.
	cfg.ServiceTokenRolesRequired = true
	strict := newService(t, cfg)
	status, _, _ = strict.call(t, "GET", "/", map[string]string{"X-Auth-Token": user.token, "X-Service-Token": notSvc.token})
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _, _ = strict.call(t, "GET", "/", map[string]string{"X-Auth-Token": user.token, "X-Service-Token": svc.token})
	assert.Equal(t, http.StatusOK, status)
	// An invalid service token refuses the request.
	status, _, _ = s.call(t, "GET", "/", map[string]string{"X-Auth-Token": user.token, "X-Service-Token": "bogus"})
	assert.Equal(t, http.StatusUnauthorized, status)
}

// appCredToken is a token of a new application credential of the caller's.
func appCredToken(t *testing.T, c caller, body identityv3.ApplicationCredentialCreate) *auth.AccessInfo {
	t.Helper()
	secret := "s-" + e2eutil.Name(t, "x")
	body.Secret = nullable.NewNullableWithValue(secret)
	ac := e2eutil.ApplicationCredential(t, c.client, c.user.ID, body)
	sess := e2eutil.Session(t, &auth.ApplicationCredential{AuthURL: e2eutil.AuthURL(), ID: ac.ID, Secret: secret})
	a, err := sess.AccessInfo(e2eutil.Ctx(t))
	require.NoError(t, err)
	return a
}

// expiredToken is a token that has expired, got honestly from the shared
// Keystone: Keystone caps a token's expiry at its application credential's
// (provider.py: issue_token), so a credential that expires in a few
// seconds gives a token that does.
func expiredToken(t *testing.T, c caller) string {
	t.Helper()
	a := appCredToken(t, c, identityv3.ApplicationCredentialCreate{ExpiresAt: nullable.NewNullableWithValue(timestamp.New(time.Now().Add(3 * time.Second)))})
	require.True(t, a.ExpiresAt.Before(time.Now().Add(10*time.Second)), "expires %v", a.ExpiresAt)
	for time.Now().Before(a.ExpiresAt.Add(time.Second)) {
		time.Sleep(200 * time.Millisecond)
	}
	return a.Token
}

func TestExpiredTokenWithAllowExpired(t *testing.T) {
	t.Parallel()
	serviceRole, svc, notSvc, user := serviceCallers(t)
	expired := expiredToken(t, user)

	cfg := authtoken.DefaultConfig()
	cfg.ServiceTokenRoles = []string{serviceRole.Name}
	s := newService(t, cfg)
	status, _, _ := s.call(t, "GET", "/", map[string]string{"X-Auth-Token": expired})
	assert.Equal(t, http.StatusUnauthorized, status, "expired")
	status, _, _ = s.call(t, "GET", "/", map[string]string{"X-Auth-Token": expired, "X-Service-Token": notSvc.token})
	assert.Equal(t, http.StatusUnauthorized, status, "a service token without a service role allows no expired token")
	status, seen, _ := s.call(t, "GET", "/", map[string]string{"X-Auth-Token": expired, "X-Service-Token": svc.token})
	require.Equal(t, http.StatusOK, status, "allow_expired within Keystone's window")
	assert.Equal(t, user.user.ID, seen["X-User-Id"])
	status, _, _ = s.call(t, "GET", "/", map[string]string{"X-Auth-Token": expired})
	assert.Equal(t, http.StatusUnauthorized, status, "and still expired without the service token")
}

func TestAccessRules(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	c := newCaller(t, admin)
	method := identityv3.AccessRuleMethod("GET")
	a := appCredToken(t, c, identityv3.ApplicationCredentialCreate{AccessRules: []identityv3.AccessRuleCreate{
		{Service: new("identity"), Method: &method, Path: new("/v3/users/*")}}})

	cfg := authtoken.DefaultConfig()
	cfg.ServiceType = "identity"
	s := newService(t, cfg)
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/v3/users/" + c.user.ID, http.StatusOK},
		{"GET", "/v3/users", http.StatusUnauthorized},
		{"GET", "/v3/users/" + c.user.ID + "/projects", http.StatusUnauthorized},
		{"PATCH", "/v3/users/" + c.user.ID, http.StatusUnauthorized},
		{"GET", "/v3/projects", http.StatusUnauthorized},
	} {
		status, _, _ := s.call(t, tc.method, tc.path, map[string]string{"X-Auth-Token": a.Token})
		assert.Equal(t, tc.want, status, "%s %s", tc.method, tc.path)
	}
	// A service whose type the rules do not name refuses every request.
	cfg.ServiceType = "compute"
	status, _, _ := newService(t, cfg).call(t, "GET", "/v3/users/"+c.user.ID, map[string]string{"X-Auth-Token": a.Token})
	assert.Equal(t, http.StatusUnauthorized, status)
}

func TestKeystoneGoneAndBack(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	early, late := newCaller(t, admin), newCaller(t, admin)
	proxy := newProxy(t)
	s := newService(t, authtoken.DefaultConfig(), authtoken.WithIdentityOptions(identity.WithEndpoint(proxy.URL+"/v3")))
	status, _, _ := s.call(t, "GET", "/", map[string]string{"X-Auth-Token": early.token})
	require.Equal(t, http.StatusOK, status)

	proxy.down.Store(true)
	status, _, _ = s.call(t, "GET", "/", map[string]string{"X-Auth-Token": early.token})
	assert.Equal(t, http.StatusOK, status, "a cached token is served while Keystone is away")
	status, _, challenge := s.call(t, "GET", "/", map[string]string{"X-Auth-Token": late.token})
	assert.Equal(t, http.StatusServiceUnavailable, status, "a token Keystone cannot be asked about: 503, not 401")
	assert.Empty(t, challenge)

	proxy.down.Store(false)
	status, seen, _ := s.call(t, "GET", "/", map[string]string{"X-Auth-Token": late.token})
	require.Equal(t, http.StatusOK, status, "back without a restart")
	assert.Equal(t, late.user.ID, seen["X-User-Id"])
}
