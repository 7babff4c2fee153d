package slice_test

import (
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func TestPasswordScopes(t *testing.T) {
	grantAdminOnDefaultDomain(t)
	admin := e2eutil.AdminPlugin()
	base := *admin
	cases := map[string]struct {
		scope auth.Scope
		check func(t *testing.T, a *auth.AccessInfo)
	}{
		"project by name and domain id": {base.Scope, func(t *testing.T, a *auth.AccessInfo) {
			assert.Equal(t, "admin", a.ProjectName())
			assert.NotEmpty(t, a.ProjectID())
			assert.Contains(t, a.RoleNames(), "admin")
			assert.Positive(t, a.Catalog.Len())
		}},
		"project by name and domain name": {auth.Scope{ProjectName: "admin", ProjectDomainName: "Default"}, func(t *testing.T, a *auth.AccessInfo) {
			assert.Equal(t, "admin", a.ProjectName())
		}},
		"domain by id": {auth.Scope{DomainID: "default"}, func(t *testing.T, a *auth.AccessInfo) {
			assert.Equal(t, "default", a.DomainID())
			assert.Empty(t, a.ProjectID())
		}},
		"domain by name": {auth.Scope{DomainName: "Default"}, func(t *testing.T, a *auth.AccessInfo) {
			assert.Equal(t, "default", a.DomainID())
		}},
		"system": {auth.Scope{System: true}, func(t *testing.T, a *auth.AccessInfo) {
			assert.True(t, a.SystemScoped())
			assert.Empty(t, a.ProjectID())
		}},
		"explicitly unscoped": {auth.Scope{Unscoped: true}, func(t *testing.T, a *auth.AccessInfo) {
			assert.False(t, a.Scoped())
			assert.Empty(t, a.Body.Roles)
			assert.Zero(t, a.Catalog.Len())
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := base
			p.Scope = tc.scope
			sess := e2eutil.Session(t, &p)
			a, err := sess.AccessInfo(e2eutil.Ctx(t))
			require.NoError(t, err)
			assert.NotEmpty(t, a.Token)
			assert.Equal(t, "admin", a.Username())
			assert.Equal(t, []string{"password"}, a.Methods())
			assert.True(t, a.ExpiresAt.After(time.Now()))
			assert.False(t, a.WillExpireSoon(time.Minute))
			tc.check(t, a)
		})
	}
}

func TestProjectByIDAndNoCatalog(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	first, err := e2eutil.Session(t, e2eutil.AdminPlugin()).AccessInfo(ctx)
	require.NoError(t, err)

	p := *e2eutil.AdminPlugin()
	p.Scope = auth.Scope{ProjectID: first.ProjectID()}
	p.NoCatalog = true
	a, err := e2eutil.Session(t, &p).AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, first.ProjectID(), a.ProjectID())
	assert.Zero(t, a.Catalog.Len(), "nocatalog leaves the catalog out")
}

func TestBadScopesAreRefusedBeforeAnyRequest(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	for _, s := range []auth.Scope{
		{ProjectName: "admin"},
		{ProjectID: "x", DomainID: "default"},
		{System: true, Unscoped: true},
	} {
		p := *e2eutil.AdminPlugin()
		p.Scope = s
		_, err := auth.New(&p, auth.WithHTTPClient(&http.Client{Transport: failing{t}})).AccessInfo(ctx)
		var se *auth.ScopeError
		assert.True(t, errors.As(err, &se), "%+v: %v", s, err)
		assert.True(t, errors.Is(err, apierror.ErrInvalidConfig))
	}
}

type failing struct{ t *testing.T }

func (f failing) RoundTrip(r *http.Request) (*http.Response, error) {
	f.t.Errorf("unexpected request %s %s", r.Method, r.URL)
	return nil, errors.New("no request expected")
}

func TestWrongPasswordIsUnauthorized(t *testing.T) {
	p := *e2eutil.AdminPlugin()
	p.Password = "not-the-password"
	_, err := e2eutil.Session(t, &p).AccessInfo(e2eutil.Ctx(t))
	require.Error(t, err)
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized))
	var apiErr *apierror.Error
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, 401, apiErr.StatusCode)
	assert.NotEmpty(t, apiErr.RequestID)
	assert.Equal(t, http.MethodPost, apiErr.Method)
	assert.Contains(t, apiErr.URL, "/v3/auth/tokens")
}

func TestTokenPluginRescopes(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	p := *e2eutil.AdminPlugin()
	p.Scope = auth.Scope{Unscoped: true}
	unscoped, err := e2eutil.Session(t, &p).AccessInfo(ctx)
	require.NoError(t, err)

	scoped, err := e2eutil.Session(t, &auth.Token{AuthURL: e2eutil.AuthURL(), Token: unscoped.Token,
		Scope: auth.Scope{ProjectName: "admin", ProjectDomainID: "default"}}).AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, "admin", scoped.ProjectName())
	assert.ElementsMatch(t, []string{"password", "token"}, scoped.Methods())
	assert.NotEqual(t, unscoped.Token, scoped.Token)
	require.Len(t, scoped.AuditIDs(), 2, "a rescoped token carries its parent's audit id")
	assert.Equal(t, unscoped.AuditIDs()[0], scoped.AuditIDs()[1])
}

func TestValidateCheckRevoke(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	admin := e2eutil.Admin(t)
	subject, err := e2eutil.Session(t, e2eutil.AdminPlugin()).AccessInfo(ctx)
	require.NoError(t, err)

	v, err := admin.Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: subject.Token})
	require.NoError(t, err)
	require.NotNil(t, v.JSON200)
	assert.Equal(t, subject.ProjectID(), *v.JSON200.Token.Project.ID)
	assert.Equal(t, subject.Token, v.HTTPResponse.Header.Get("X-Subject-Token"))
	assert.NotEmpty(t, v.JSON200.Token.Catalog)

	nocat := true
	v, err = admin.Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: subject.Token, Nocatalog: &nocat})
	require.NoError(t, err)
	assert.Empty(t, v.JSON200.Token.Catalog)

	c, err := admin.Raw().CheckTokenWithResponse(ctx, &identityv3.CheckTokenParams{XSubjectToken: subject.Token})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, c.StatusCode())

	r, err := admin.Raw().RevokeTokenWithResponse(ctx, &identityv3.RevokeTokenParams{XSubjectToken: subject.Token})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, r.StatusCode())

	_, err = admin.Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: subject.Token})
	assert.True(t, errors.Is(err, apierror.ErrNotFound), "a revoked token no longer validates: %v", err)
	_, err = admin.Raw().CheckTokenWithResponse(ctx, &identityv3.CheckTokenParams{XSubjectToken: subject.Token})
	assert.True(t, errors.Is(err, apierror.ErrNotFound), "nor checks: %v", err)
}

func TestAuthScopesAndCatalog(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	admin := e2eutil.Admin(t)

	cat, err := admin.Raw().GetAuthCatalogWithResponse(ctx)
	require.NoError(t, err)
	found := false
	for _, s := range cat.JSON200.Catalog {
		found = found || (s.Type != nil && *s.Type == "identity")
	}
	assert.True(t, found, "the catalog lists identity")

	projects, err := admin.Raw().ListAuthProjectsWithResponse(ctx)
	require.NoError(t, err)
	var names []string
	for _, p := range projects.JSON200.Projects {
		names = append(names, *p.Name)
	}
	assert.Contains(t, names, "admin")

	domains, err := admin.Raw().ListAuthDomainsWithResponse(ctx)
	require.NoError(t, err)
	require.NotNil(t, domains.JSON200)

	system, err := admin.Raw().ListAuthSystemWithResponse(ctx)
	require.NoError(t, err)
	require.Len(t, system.JSON200.System, 1, "bootstrap gives admin a system role")
	assert.True(t, *system.JSON200.System[0].All)

	// Keystone answers 403 with the default [token] revoke_by_id = true (410 without it).
	_, err = admin.Raw().ListRevokedTokensPKIWithResponse(ctx)
	assert.True(t, errors.Is(err, apierror.ErrForbidden), "the PKI revocation list is not served: %v", err)
}

func TestIdentityEndpointFromCatalog(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	admin := e2eutil.Admin(t)
	u, err := admin.Endpoint(ctx)
	require.NoError(t, err)
	assert.Equal(t, e2eutil.AuthURL(), u)

	ep, err := admin.Session().Endpoint(ctx, catalog.Filter{ServiceType: "identity", Interfaces: []string{"admin"}, Region: "RegionOne"})
	require.NoError(t, err)
	assert.Equal(t, "admin", ep.Interface)
	assert.Equal(t, "keystone", ep.ServiceName)

	_, err = admin.Session().Endpoint(ctx, catalog.Filter{ServiceType: "compute"})
	assert.True(t, errors.Is(err, apierror.ErrEndpointNotFound))
	assert.Contains(t, err.Error(), "identity(keystone)/public@RegionOne")
}

func TestVersionDiscovery(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	admin := e2eutil.Admin(t)
	v, err := admin.Raw().GetVersionV3WithResponse(ctx)
	require.NoError(t, err)
	assert.Contains(t, v.JSON200.Version.ID, "v3.")

	// An unversioned auth URL is resolved through GET /.
	root := e2eutil.AuthURL()[:len(e2eutil.AuthURL())-len("/v3")]
	p := *e2eutil.AdminPlugin()
	p.AuthURL = root
	a, err := e2eutil.Session(t, &p).AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, e2eutil.AuthURL(), a.AuthURL)
}

func TestOneSessionManyGoroutines(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	counting := &countingPlugin{Plugin: e2eutil.AdminPlugin()}
	client := e2eutil.Client(t, e2eutil.Session(t, counting))
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			_, err := client.Raw().ListAuthProjectsWithResponse(ctx)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, counting.calls.Load())
}
