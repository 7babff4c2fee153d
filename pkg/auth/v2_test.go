package auth_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

// v2Session is a Session on the fake that talks to it over its own client.
func v2Session(ks *keystonetest.V2Server, p auth.Plugin, opts ...auth.Option) *auth.Session {
	return auth.New(p, append([]auth.Option{auth.WithHTTPClient(ks.HTTPClient())}, opts...)...)
}

func TestV2PasswordScopes(t *testing.T) {
	ks := keystonetest.NewV2(t)
	admin := ks.Admin()
	for name, p := range map[string]*auth.V2Password{
		"tenant by id, user by name":   {AuthURL: ks.URL(), Username: admin.Username, Password: admin.Password, TenantID: admin.TenantID},
		"tenant by name, user by id":   {AuthURL: ks.URL(), UserID: admin.UserID, Password: admin.Password, TenantName: admin.TenantName},
		"id wins over name":            {AuthURL: ks.URL(), TenantID: admin.TenantID, TenantName: "no-such-tenant", Username: admin.Username, Password: admin.Password},
		"unversioned URL (discovered)": {AuthURL: ks.RootURL(), Username: admin.Username, Password: admin.Password, TenantName: admin.TenantName},
	} {
		t.Run(name, func(t *testing.T) {
			before := ks.TokenRequests()
			start := time.Now()
			a, err := v2Session(ks, p).AccessInfo(t.Context())
			require.NoError(t, err)
			assert.Equal(t, 1, ks.TokenRequests()-before)
			assert.True(t, ks.TokenValid(a.Token))

			assert.Equal(t, "v2.0", a.Version())
			assert.Equal(t, ks.URL(), a.AuthURL)
			assert.Equal(t, admin.UserID, a.UserID())
			assert.Equal(t, admin.Username, a.Username())
			assert.Equal(t, "default", a.UserDomainID())
			assert.Equal(t, "Default", a.UserDomainName())
			assert.Equal(t, admin.TenantID, a.ProjectID())
			assert.Equal(t, admin.TenantID, a.TenantID())
			assert.Equal(t, admin.TenantName, a.ProjectName())
			assert.Equal(t, admin.TenantName, a.TenantName())
			assert.Equal(t, "default", a.ProjectDomainID())
			assert.Equal(t, "Default", a.ProjectDomainName())
			assert.True(t, a.ProjectScoped())
			assert.True(t, a.Scoped())
			assert.False(t, a.DomainScoped())
			assert.False(t, a.SystemScoped())
			assert.False(t, a.TrustScoped())
			assert.True(t, a.IsAdminProject())
			assert.Equal(t, []string{"admin"}, a.RoleNames())
			assert.Equal(t, []string{ks.AdminRoleID()}, a.RoleIDs())
			require.Len(t, a.Roles(), 1)
			assert.Equal(t, ks.AdminRoleID(), *a.Roles()[0].ID)
			assert.True(t, a.HasRole("admin"))
			assert.Nil(t, a.Methods(), "v2.0 tokens do not say how they were obtained")
			assert.Len(t, a.AuditID(), 22)
			assert.Empty(t, a.AuditChainID())
			assert.Equal(t, a.AuditID(), a.InitialAuditID())
			assert.Nil(t, a.Body)
			require.NotNil(t, a.V2)
			assert.Equal(t, a.Token, a.V2.Token.ID)

			assert.WithinDuration(t, start.Add(keystonetest.DefaultTokenTTL), a.Expires(), 5*time.Second)
			assert.WithinDuration(t, start, a.Issued(), 5*time.Second)
			assert.True(t, a.HasServiceCatalog())
			u, err := a.Catalog.URLFor(catalog.Filter{ServiceType: "identity"})
			require.NoError(t, err)
			assert.Equal(t, ks.URL(), u)
		})
	}
}

func TestV2PasswordUnscoped(t *testing.T) {
	ks := keystonetest.NewV2(t)
	admin := ks.Admin()
	a, err := v2Session(ks, &auth.V2Password{AuthURL: ks.URL(), Username: admin.Username, Password: admin.Password}).AccessInfo(t.Context())
	require.NoError(t, err)
	assert.Equal(t, admin.UserID, a.UserID())
	assert.Empty(t, a.ProjectID())
	assert.Empty(t, a.ProjectDomainID(), "no tenant, no tenant domain")
	assert.False(t, a.ProjectScoped())
	assert.False(t, a.Scoped())
	assert.False(t, a.HasServiceCatalog())
	assert.Empty(t, a.RoleNames())
}

func TestV2TokenExchange(t *testing.T) {
	ks := keystonetest.NewV2(t)
	admin := ks.Admin()
	ctx := t.Context()
	unscoped, err := v2Session(ks, &auth.V2Password{AuthURL: ks.URL(), UserID: admin.UserID, Password: admin.Password}).AccessInfo(ctx)
	require.NoError(t, err)
	require.False(t, unscoped.ProjectScoped())

	for name, p := range map[string]*auth.V2Token{
		"tenant by name": {AuthURL: ks.URL(), Token: unscoped.Token, TenantName: admin.TenantName},
		"tenant by id":   {AuthURL: ks.RootURL() + "/", Token: unscoped.Token, TenantID: admin.TenantID},
	} {
		t.Run(name, func(t *testing.T) {
			scoped, err := v2Session(ks, p).AccessInfo(ctx)
			require.NoError(t, err)
			assert.NotEqual(t, unscoped.Token, scoped.Token)
			assert.Equal(t, admin.UserID, scoped.UserID())
			assert.Equal(t, admin.TenantID, scoped.ProjectID())
			assert.Equal(t, []string{"admin"}, scoped.RoleNames())
			assert.True(t, scoped.HasServiceCatalog())
			// Keystone keeps the original expiry and chains the audit ids.
			assert.Equal(t, unscoped.Expires(), scoped.Expires())
			assert.Equal(t, unscoped.AuditID(), scoped.AuditChainID())
			assert.Equal(t, unscoped.AuditID(), scoped.InitialAuditID())
			assert.NotEqual(t, unscoped.AuditID(), scoped.AuditID())
		})
	}

	ks.RevokeToken(unscoped.Token)
	_, err = v2Session(ks, &auth.V2Token{AuthURL: ks.URL(), Token: unscoped.Token}).AccessInfo(ctx)
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
}

func TestV2CatalogInterfaces(t *testing.T) {
	ks := keystonetest.NewV2(t)
	admin := ks.Admin()
	svc := ks.AddService("compute", "nova")
	ks.AddEndpoint(svc, keystonetest.DefaultRegion, "https://nova.example/v2.1/$(tenant_id)s",
		"http://nova.internal:8774/v2.1/$(tenant_id)s", "http://nova.admin:8774/v2.1/$(tenant_id)s")
	other := ks.AddService("image", "glance")
	ks.AddEndpoint(other, "RegionTwo", "https://glance.two.example", "", "")
	plugin := &auth.V2Password{AuthURL: ks.URL(), Username: admin.Username, Password: admin.Password, TenantName: admin.TenantName}
	ctx := t.Context()

	a, err := v2Session(ks, plugin).AccessInfo(ctx)
	require.NoError(t, err)
	for iface, want := range map[string]string{
		"":            "https://nova.example/v2.1/" + admin.TenantID,
		"publicURL":   "https://nova.example/v2.1/" + admin.TenantID,
		"internalURL": "http://nova.internal:8774/v2.1/" + admin.TenantID,
		"internal":    "http://nova.internal:8774/v2.1/" + admin.TenantID,
		"adminURL":    "http://nova.admin:8774/v2.1/" + admin.TenantID,
	} {
		f := catalog.Filter{ServiceType: "compute"}
		if iface != "" {
			f.Interfaces = []string{iface}
		}
		got, err := a.Catalog.Lookup(f)
		require.NoError(t, err, iface)
		assert.Equal(t, want, got.URL, iface)
		assert.Equal(t, keystonetest.DefaultRegion, got.Region, iface)
		assert.Equal(t, "nova", got.ServiceName, iface)
	}
	// The session's interface preference applies to lookups that name none,
	// in v2 spelling too.
	ep, err := v2Session(ks, plugin, auth.WithInterface("adminURL")).Endpoint(ctx, catalog.Filter{ServiceType: "compute"})
	require.NoError(t, err)
	assert.Equal(t, "http://nova.admin:8774/v2.1/"+admin.TenantID, ep.URL)
	assert.Equal(t, "admin", ep.Interface)

	// Glance has only a public URL, in another region.
	_, err = a.Catalog.Lookup(catalog.Filter{ServiceType: "image", Interfaces: []string{"internalURL"}})
	assert.True(t, errors.Is(err, apierror.ErrEndpointNotFound), "%v", err)
	_, err = a.Catalog.Lookup(catalog.Filter{ServiceType: "image", Region: keystonetest.DefaultRegion})
	assert.True(t, errors.Is(err, apierror.ErrEndpointNotFound), "%v", err)
	u, err := a.Catalog.URLFor(catalog.Filter{ServiceType: "image", Region: "RegionTwo"})
	require.NoError(t, err)
	assert.Equal(t, "https://glance.two.example", u)
}

// The session reuses a v2.0 token until it nears expiry, then renews it
// with one request however many goroutines need it.
func TestV2WillExpireSoonAndSingleFlightRefresh(t *testing.T) {
	var offset atomic.Int64 // the fake's clock, relative to ours
	ks := keystonetest.NewV2(t, keystonetest.WithTokenTTL(10*time.Minute),
		keystonetest.WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }))
	admin := ks.Admin()
	sess := v2Session(ks, &auth.V2Password{AuthURL: ks.URL(), Username: admin.Username, Password: admin.Password, TenantID: admin.TenantID},
		// Both margins at five minutes: callers wait for the renewal, which
		// is what this test counts.
		auth.WithRefreshMargin(5*time.Minute), auth.WithMandatoryRefreshMargin(5*time.Minute))
	ctx := t.Context()

	concurrently := func(n int) []*auth.AccessInfo {
		out := make([]*auth.AccessInfo, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				a, err := sess.AccessInfo(ctx)
				assert.NoError(t, err)
				out[i] = a
			})
		}
		wg.Wait()
		return out
	}

	sameToken := func(all []*auth.AccessInfo) *auth.AccessInfo {
		for _, a := range all[1:] {
			assert.True(t, a == all[0], "every goroutine gets the same AccessInfo")
		}
		return all[0]
	}

	// A fresh token: one request for twenty goroutines.
	first := sameToken(concurrently(20))
	assert.Equal(t, 1, ks.TokenRequests())
	assert.False(t, first.WillExpireSoon(5*time.Minute))
	assert.True(t, first.WillExpireSoon(11*time.Minute))
	sameToken(append(concurrently(5), first))
	assert.Equal(t, 1, ks.TokenRequests(), "a fresh token is reused")

	// A token issued eight minutes "ago" has two minutes left: within the
	// mandatory margin (five minutes, shrunk to a quarter of the token's
	// ten-minute life).
	offset.Store(int64(-8 * time.Minute))
	sess.Invalidate()
	stale, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, ks.TokenRequests())
	assert.True(t, stale.WillExpireSoon(5*time.Minute))
	assert.False(t, stale.WillExpireSoon(time.Minute))

	// The next callers all find it stale: one of them renews it for all.
	offset.Store(0)
	fresh := sameToken(concurrently(20))
	assert.Equal(t, 3, ks.TokenRequests(), "one renewal for twenty goroutines")
	assert.NotEqual(t, stale.Token, fresh.Token)
	assert.False(t, fresh.WillExpireSoon(5*time.Minute))
	sameToken(append(concurrently(5), fresh))
	assert.Equal(t, 3, ks.TokenRequests())
}

func TestV2PluginErrors(t *testing.T) {
	ks := keystonetest.NewV2(t)
	admin := ks.Admin()
	ctx := t.Context()
	for _, tc := range []struct {
		plugin auth.Plugin
		kind   error
		text   string
	}{
		{&auth.V2Password{AuthURL: ks.URL(), Password: "pw"}, apierror.ErrMissingAuthOption, "user_id or username"},
		{&auth.V2Password{AuthURL: ks.URL(), Username: "admin"}, apierror.ErrMissingAuthOption, "password"},
		{&auth.V2Password{Username: "admin", Password: "pw"}, apierror.ErrMissingAuthOption, "auth_url"},
		{&auth.V2Token{AuthURL: ks.URL()}, apierror.ErrMissingAuthOption, "token"},
	} {
		_, err := v2Session(ks, tc.plugin).AccessInfo(ctx)
		require.Error(t, err, "%#v", tc.plugin)
		assert.True(t, errors.Is(err, tc.kind), "%v", err)
		assert.Contains(t, err.Error(), tc.text)
	}
	assert.Zero(t, ks.TokenRequests(), "local mistakes are found before any request")

	for name, p := range map[string]auth.Plugin{
		"wrong password":   &auth.V2Password{AuthURL: ks.URL(), Username: admin.Username, Password: "wrong"},
		"unknown tenant":   &auth.V2Password{AuthURL: ks.URL(), Username: admin.Username, Password: admin.Password, TenantName: "nope"},
		"no role on it":    &auth.V2Password{AuthURL: ks.URL(), Username: admin.Username, Password: admin.Password, TenantID: ks.AddTenant("elsewhere")},
		"not a token":      &auth.V2Token{AuthURL: ks.URL(), Token: "not-a-token"},
		"trust is refused": &auth.V2Token{AuthURL: ks.URL(), Token: ks.IssueToken(admin.UserID, ""), TrustID: "t1"},
	} {
		_, err := v2Session(ks, p).AccessInfo(ctx)
		var apiErr *apierror.Error
		require.True(t, errors.As(err, &apiErr), "%s: %v", name, err)
		if name == "trust is refused" {
			// The fake has trusts disabled; the request carried trust_id.
			assert.Equal(t, http.StatusForbidden, apiErr.StatusCode, name)
			assert.Contains(t, apiErr.Message, "Trusts", name)
		} else {
			assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode, name)
		}
		assert.Equal(t, http.MethodPost, apiErr.Method, name)
	}

	// A server without v2.0.
	v3only := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusMultipleChoices)
		fmt.Fprintf(w, `{"versions":{"values":[{"id":"v3.14","status":"stable","links":[{"rel":"self","href":"http://%s/v3/"}]}]}}`, r.Host)
	}))
	defer v3only.Close()
	_, err := auth.New(&auth.V2Password{AuthURL: v3only.URL, UserID: "u", Password: "pw"}).AccessInfo(ctx)
	assert.True(t, errors.Is(err, apierror.ErrVersionNotAvailable), "%v", err)
}

// A plugin called with a plain HTTP client (not through a Session) still
// turns Keystone's error answers into typed errors.
func TestV2PluginWithPlainClient(t *testing.T) {
	ks := keystonetest.NewV2(t)
	admin := ks.Admin()
	p := &auth.V2Password{AuthURL: ks.URL(), Username: admin.Username, Password: "wrong"}
	_, err := p.Authenticate(t.Context(), ks.HTTPClient())
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)

	p.Password = admin.Password
	a, err := p.Authenticate(t.Context(), ks.HTTPClient())
	require.NoError(t, err)
	assert.Equal(t, admin.UserID, a.UserID())
}

// What the fake does not produce: trusts, bind, roles with ids of their
// own, and the user's tenant of pre-Grizzly Keystones.
func TestV2AccessInfoFromAnswer(t *testing.T) {
	const body = `{"access":{
		"token":{"id":"tok","expires":"2031-01-02T03:04:05Z","issued_at":"2031-01-02T02:04:05.123456",
			"audit_ids":["own","parent"],"bind":{"kerberos":"alice@EXAMPLE"}},
		"user":{"id":"u1","name":"","username":"alice","tenantId":"t-legacy",
			"roles":[{"id":"r1","name":"member"},{"name":"reader"}]},
		"trust":{"id":"tr1","trustee_user_id":"u1","trustor_user_id":"u0","impersonation":true}}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/identity/v2.0/tokens" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}))
	defer srv.Close()

	a, err := auth.New(&auth.V2Token{AuthURL: srv.URL + "/identity/v2.0/", Token: "old", TrustID: "tr1"}).AccessInfo(t.Context())
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/identity/v2.0", a.AuthURL)
	assert.Equal(t, "alice", a.Username(), "username when name is empty")
	assert.Equal(t, "t-legacy", a.ProjectID(), "the user's tenant when the token has none")
	assert.Empty(t, a.ProjectName())
	assert.True(t, a.TrustScoped())
	assert.True(t, a.Scoped())
	assert.Equal(t, "tr1", a.TrustID())
	assert.Equal(t, "u1", a.TrusteeUserID())
	assert.Equal(t, "u0", a.TrustorUserID())
	assert.True(t, a.Impersonation())
	assert.Equal(t, map[string]any{"kerberos": "alice@EXAMPLE"}, a.Bind())
	assert.Equal(t, []string{"member", "reader"}, a.RoleNames())
	assert.Equal(t, []string{"r1"}, a.RoleIDs(), "without metadata, the ids the roles carry")
	assert.Equal(t, "parent", a.AuditChainID())
	assert.Equal(t, time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC), a.Expires().UTC())
	assert.Equal(t, time.Date(2031, 1, 2, 2, 4, 5, 123456000, time.UTC), a.Issued().UTC())
	assert.False(t, a.HasServiceCatalog())
}

func TestV2Registry(t *testing.T) {
	names := func(specs []auth.OptionSpec) []string {
		var out []string
		for _, s := range specs {
			out = append(out, s.Name)
		}
		return out
	}
	// keystoneauth1/loading/_plugins/identity/v2.py, in its order.
	assert.Equal(t, []string{"auth-url", "tenant-id", "tenant-name", "trust-id", "username", "user-id", "password"},
		names(auth.Options("v2password")))
	assert.Equal(t, []string{"auth-url", "tenant-id", "tenant-name", "trust-id", "token"}, names(auth.Options("v2token")))
	assert.Contains(t, auth.PluginNames(), "v2password")
	assert.Contains(t, auth.PluginNames(), "v2token")

	p, err := auth.NewPlugin("v2password", map[string]string{"auth_url": "http://k:5000/v2.0", "user-name": "alice",
		"password": "pw", "tenant_name": "demo", "trust_id": "tr"})
	require.NoError(t, err)
	assert.Equal(t, &auth.V2Password{AuthURL: "http://k:5000/v2.0", Username: "alice", Password: "pw", TenantName: "demo", TrustID: "tr"}, p)

	p, err = auth.NewPlugin("v2token", map[string]string{"auth_url": "http://k:5000", "token": "t", "tenant_id": "t1"})
	require.NoError(t, err)
	assert.Equal(t, &auth.V2Token{AuthURL: "http://k:5000", Token: "t", TenantID: "t1"}, p)

	for _, tc := range []struct {
		name string
		opts map[string]string
		kind error
		text string
	}{
		{"v2password", map[string]string{"username": "alice", "password": "pw"}, apierror.ErrMissingAuthOption, "auth_url"},
		{"v2password", map[string]string{"auth_url": "http://k", "password": "pw"}, apierror.ErrMissingAuthOption, "user_id or username"},
		{"v2password", map[string]string{"auth_url": "http://k", "user_id": "u"}, apierror.ErrMissingAuthOption, "password"},
		{"v2password", map[string]string{"auth_url": "http://k", "user_id": "u", "password": "pw", "project_name": "p"}, apierror.ErrInvalidConfig, "project_name"},
		{"v2password", map[string]string{"auth_url": "http://k", "user_id": "u", "password": "pw", "user_domain_id": "default"}, apierror.ErrInvalidConfig, "user_domain_id"},
		{"v2token", map[string]string{"auth_url": "http://k"}, apierror.ErrMissingAuthOption, "token"},
	} {
		_, err := auth.NewPlugin(tc.name, tc.opts)
		require.Error(t, err, "%s %v", tc.name, tc.opts)
		assert.True(t, errors.Is(err, tc.kind), "%v", err)
		assert.Contains(t, err.Error(), tc.text)
	}
	for _, name := range []string{"v2password", "v2token"} {
		for _, o := range auth.Options(name) {
			assert.Equal(t, o.Name == "password" || o.Name == "token", o.Secret, "%s %s", name, o.Name)
		}
	}
}

// The generic plugins use v2.0 on a server that offers only v2.0.
func TestGenericPluginsUseV2OnAV2OnlyServer(t *testing.T) {
	ks := keystonetest.NewV2(t)
	admin := ks.Admin()
	ctx := t.Context()

	p := &auth.GenericPassword{AuthURL: ks.RootURL(), Username: admin.Username, Password: admin.Password,
		Scope: auth.Scope{ProjectName: admin.TenantName}, DefaultDomainID: "default"}
	a, err := v2Session(ks, p).AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, "v2.0", a.Version())
	assert.Equal(t, ks.URL(), a.AuthURL)
	assert.Equal(t, admin.TenantID, a.ProjectID())
	assert.Equal(t, 1, ks.TokenRequests())

	tok := &auth.GenericToken{AuthURL: ks.RootURL(), Token: ks.IssueToken(admin.UserID, ""), Scope: auth.Scope{ProjectID: admin.TenantID}}
	b, err := v2Session(ks, tok).AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, "v2.0", b.Version())
	assert.Equal(t, admin.TenantName, b.ProjectName())

	// A versioned URL skips discovery.
	p2 := &auth.GenericPassword{AuthURL: ks.URL(), UserID: admin.UserID, Password: admin.Password, Scope: auth.Scope{ProjectID: admin.TenantID}}
	c, err := v2Session(ks, p2).AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, admin.TenantName, c.ProjectName())

	// Through the registry, as clouds.yaml's default auth_type.
	plugin, err := auth.NewPlugin("password", map[string]string{"auth_url": ks.RootURL(), "username": admin.Username,
		"password": admin.Password, "tenant_name": admin.TenantName})
	require.NoError(t, err)
	d, err := v2Session(ks, plugin).AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, admin.TenantID, d.ProjectID())

	// Domains exist only in v3: v2.0 is not tried.
	before := ks.TokenRequests()
	_, err = v2Session(ks, &auth.GenericPassword{AuthURL: ks.RootURL(), Username: admin.Username, UserDomainID: "default",
		Password: admin.Password}).AccessInfo(ctx)
	assert.True(t, errors.Is(err, apierror.ErrVersionNotAvailable), "%v", err)
	assert.Equal(t, before, ks.TokenRequests())
}

// A session re-authenticates once when Keystone answers 401 to a v2.0 token.
func TestV2SessionReauthenticatesOn401(t *testing.T) {
	ks := keystonetest.NewV2(t)
	admin := ks.Admin()
	sess := v2Session(ks, &auth.V2Password{AuthURL: ks.URL(), Username: admin.Username, Password: admin.Password, TenantName: admin.TenantName})
	ctx := t.Context()
	get := func() int {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ks.URL()+"/tenants", nil)
		require.NoError(t, err)
		resp, err := sess.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusOK, get())
	assert.Equal(t, 1, ks.TokenRequests())
	ks.RevokeAllTokens()
	assert.Equal(t, http.StatusOK, get())
	assert.Equal(t, 2, ks.TokenRequests())
}

// A v2.0 token travels through exported state and the file cache as a v3
// one does: the next session uses it without a token request, with the
// same catalog and the same v2.0 details.
func TestV2StateAndFileCache(t *testing.T) {
	ks := keystonetest.NewV2(t)
	admin := ks.Admin()
	plugin := func() auth.Plugin {
		return &auth.V2Password{AuthURL: ks.URL(), Username: admin.Username, Password: admin.Password, TenantName: admin.TenantName}
	}
	key := auth.NewStateKey()
	first := v2Session(ks, plugin(), auth.WithStateKey(key))
	_, err := first.ExportState()
	require.ErrorIs(t, err, auth.ErrNoState)
	a, err := first.AccessInfo(t.Context())
	require.NoError(t, err)
	data, err := first.ExportState()
	require.NoError(t, err)
	assert.NotContains(t, string(data), admin.Password)

	before := ks.TokenRequests()
	second := v2Session(ks, plugin(), auth.WithState(data), auth.WithStateKey(key))
	b, err := second.AccessInfo(t.Context())
	require.NoError(t, err)
	assert.Equal(t, before, ks.TokenRequests(), "no token request")
	assert.Equal(t, a.Token, b.Token)
	assert.Equal(t, "v2.0", b.Version())
	assert.Equal(t, admin.TenantID, b.ProjectID())
	assert.Equal(t, a.ExpiresAt, b.ExpiresAt)
	assert.Equal(t, a.Catalog.Len(), b.Catalog.Len())
	want, err := a.Catalog.URLFor(catalog.Filter{ServiceType: "identity"})
	require.NoError(t, err)
	got, err := b.Catalog.URLFor(catalog.Filter{ServiceType: "identity"})
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// Another user's plugin does not take it.
	other := v2Session(ks, &auth.V2Password{AuthURL: ks.URL(), Username: "someone-else", Password: "x", TenantName: admin.TenantName}, auth.WithStateKey(key))
	assert.ErrorIs(t, other.ImportState(data), apierror.ErrInvalidConfig)

	// A state whose token is not its body's is refused.
	var st map[string]any
	require.NoError(t, json.Unmarshal(data, &st))
	st["token"] = "forged"
	forged, err := json.Marshal(st)
	require.NoError(t, err)
	assert.ErrorIs(t, v2Session(ks, plugin(), auth.WithStateKey(key)).ImportState(forged), apierror.ErrInvalidConfig)

	// The file cache: the second session, with a fresh plugin, reads the
	// first one's token.
	dir := filepath.Join(t.TempDir(), "tokens") // created 0700: TempDir's own is open to others
	c1, err := v2Session(ks, plugin(), auth.WithFileCache(dir)).AccessInfo(t.Context())
	require.NoError(t, err)
	before = ks.TokenRequests()
	c2, err := v2Session(ks, plugin(), auth.WithFileCache(dir)).AccessInfo(t.Context())
	require.NoError(t, err)
	assert.Equal(t, before, ks.TokenRequests(), "the cached token was used")
	assert.Equal(t, c1.Token, c2.Token)
	assert.Equal(t, admin.Username, c2.Username())
}
