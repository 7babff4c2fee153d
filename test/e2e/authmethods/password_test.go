package authmethods_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func TestPasswordPluginsFromOptions(t *testing.T) {
	admin := e2eutil.Admin(t)
	u, p := memberOf(t, admin)
	member := e2eutil.RoleID(t, admin, "member")
	root := strings.TrimSuffix(e2eutil.AuthURL(), "/v3")

	for name, opts := range map[string]struct {
		plugin string
		opts   map[string]string
	}{
		// The generic plugin discovers v3 at the unversioned root.
		"password, by name, project by name": {"password", map[string]string{"auth_url": root, "username": u.Name,
			"password": u.Password, "project_name": p.Name, "default_domain_id": "default"}},
		"v3password, by id, project by id": {"v3password", map[string]string{"auth_url": e2eutil.AuthURL(), "user_id": u.ID,
			"password": u.Password, "project_id": p.ID}},
		"v3password, domain names": {"v3password", map[string]string{"auth_url": e2eutil.AuthURL(), "username": u.Name,
			"user_domain_name": "Default", "password": u.Password, "project_name": p.Name, "project_domain_name": "Default"}},
	} {
		t.Run(name, func(t *testing.T) {
			plugin, err := auth.NewPlugin(opts.plugin, opts.opts)
			require.NoError(t, err)
			sess, a := access(t, plugin)
			checkFresh(t, a)
			assert.Equal(t, u.ID, a.UserID())
			assert.Equal(t, u.Name, a.Username())
			assert.Equal(t, "default", a.UserDomainID())
			assert.Equal(t, "Default", a.UserDomainName())
			assert.Equal(t, p.ID, a.ProjectID())
			assert.Equal(t, p.Name, a.ProjectName())
			assert.Equal(t, "default", a.ProjectDomainID())
			assert.Equal(t, "Default", a.ProjectDomainName())
			assert.True(t, a.ProjectScoped())
			assert.False(t, a.DomainScoped())
			assert.False(t, a.SystemScoped())
			assert.False(t, a.TrustScoped())
			assert.False(t, a.IsFederated())
			assert.Contains(t, a.RoleNames(), "member")
			assert.Contains(t, a.RoleIDs(), member)
			assert.Contains(t, a.RoleNames(), "reader", "member implies reader")
			assert.NotContains(t, a.RoleNames(), "admin")
			assert.Equal(t, []string{"password"}, a.Methods())
			assert.Empty(t, a.AuditChainID(), "a first token has no chain")
			assert.Equal(t, a.AuditID(), a.InitialAuditID())
			assert.True(t, a.HasServiceCatalog())
			assert.True(t, a.PasswordExpiresAt().IsZero(), "no password expiry is configured")
			// No admin project is configured: Keystone leaves it out, and
			// like keystoneauth that reads as true.
			assert.Nil(t, a.Body.IsAdminProject)
			assert.True(t, a.IsAdminProject())
			assert.Equal(t, []string{p.ID}, projectIDs(usable(t, sess)))
		})
	}
}

func TestTokenPlugins(t *testing.T) {
	admin := e2eutil.Admin(t)
	u, p := memberOf(t, admin)
	_, first := access(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: u.ID, Password: u.Password, Scope: auth.Scope{Unscoped: true}})
	assert.False(t, first.Scoped())
	assert.False(t, first.HasServiceCatalog())

	for _, name := range []string{"v3token", "token"} {
		t.Run(name, func(t *testing.T) {
			plugin, err := auth.NewPlugin(name, map[string]string{"auth_url": e2eutil.AuthURL(), "token": first.Token, "project_id": p.ID})
			require.NoError(t, err)
			_, a := access(t, plugin)
			checkFresh(t, a)
			assert.Equal(t, u.ID, a.UserID())
			assert.Equal(t, p.ID, a.ProjectID())
			assert.ElementsMatch(t, []string{"password", "token"}, a.Methods())
			assert.NotEqual(t, first.Token, a.Token)
			assert.Equal(t, first.AuditID(), a.AuditChainID(), "the exchanged token is in the first one's chain")
			assert.Equal(t, first.AuditID(), a.InitialAuditID())
			assert.Equal(t, first.Expires(), a.Expires(), "Keystone keeps the first token's expiry")
		})
	}
}

func TestScopes(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	t.Run("domain", func(t *testing.T) {
		u := newUser(t, admin, nil)
		reader := e2eutil.RoleID(t, admin, "reader")
		resp, err := admin.Raw().GrantDomainUserRoleWithResponse(ctx, "default", u.ID, reader)
		require.NoError(t, err)
		require.Equal(t, http.StatusNoContent, resp.StatusCode())
		e2eutil.Cleanup(t, func(ctx context.Context) error {
			_, err := admin.Raw().RevokeDomainUserRoleWithResponse(ctx, "default", u.ID, reader)
			return ignoreNotFound(err)
		})
		for _, scope := range []auth.Scope{{DomainID: "default"}, {DomainName: "Default"}} {
			sess, a := access(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: u.ID, Password: u.Password, Scope: scope})
			checkFresh(t, a)
			assert.True(t, a.DomainScoped())
			assert.False(t, a.ProjectScoped())
			assert.Equal(t, "default", a.DomainID())
			assert.Equal(t, "Default", a.DomainName())
			assert.Empty(t, a.ProjectID())
			assert.Equal(t, []string{"reader"}, a.RoleNames())
			domains, err := auth.AvailableDomains(ctx, sess)
			require.NoError(t, err)
			require.Len(t, domains, 1)
			assert.Equal(t, "default", *domains[0].ID)
		}
	})

	t.Run("system", func(t *testing.T) {
		plugin, err := auth.NewPlugin("v3password", map[string]string{"auth_url": e2eutil.AuthURL(), "username": "admin",
			"user_domain_id": "default", "password": e2eutil.AdminPassword(), "system_scope": "all"})
		require.NoError(t, err)
		sess, a := access(t, plugin)
		checkFresh(t, a)
		assert.True(t, a.SystemScoped())
		assert.True(t, a.Scoped())
		assert.False(t, a.ProjectScoped())
		assert.Contains(t, a.RoleNames(), "admin")
		ok, err := auth.SystemScopeAvailable(ctx, sess)
		require.NoError(t, err)
		assert.True(t, ok)

		// A user without a system role gets none.
		u, _ := memberOf(t, admin)
		plain, _ := access(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: u.ID, Password: u.Password})
		ok, err = auth.SystemScopeAvailable(ctx, plain)
		require.NoError(t, err)
		assert.False(t, ok)
		_, err = e2eutil.Session(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: u.ID, Password: u.Password,
			Scope: auth.Scope{System: true}}).AccessInfo(ctx)
		assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
	})

	t.Run("trust", func(t *testing.T) {
		trustor, p := memberOf(t, admin)
		trustee := newUser(t, admin, nil)
		trustorSess, _ := access(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: trustor.ID, Password: trustor.Password,
			Scope: auth.Scope{ProjectID: p.ID}})
		trustorClient := e2eutil.Client(t, trustorSess)
		for _, impersonation := range []bool{false, true} {
			resp, err := trustorClient.Raw().CreateTrustWithResponse(ctx, identityv3.CreateTrustJSONRequestBody{Trust: identityv3.TrustCreate{
				TrustorUserID: trustor.ID, TrusteeUserID: trustee.ID, ProjectID: nullable.NewNullableWithValue(p.ID), Impersonation: impersonation,
				Roles: []identityv3.TrustRoleSelector{{Name: ptr("member")}},
			}})
			require.NoError(t, err)
			trust := resp.JSON201.Trust
			e2eutil.Cleanup(t, func(ctx context.Context) error {
				_, err := trustorClient.Raw().DeleteTrustWithResponse(ctx, trust.ID)
				return ignoreNotFound(err)
			})
			plugin, err := auth.NewPlugin("v3password", map[string]string{"auth_url": e2eutil.AuthURL(), "user_id": trustee.ID,
				"password": trustee.Password, "trust_id": trust.ID})
			require.NoError(t, err)
			sess, a := access(t, plugin)
			checkFresh(t, a)
			assert.True(t, a.TrustScoped())
			assert.Equal(t, trust.ID, a.TrustID())
			assert.Equal(t, trustee.ID, a.TrusteeUserID())
			assert.Equal(t, trustor.ID, a.TrustorUserID())
			assert.Equal(t, impersonation, a.Impersonation())
			assert.Equal(t, p.ID, a.ProjectID())
			assert.Contains(t, a.RoleNames(), "member")
			if impersonation {
				assert.Equal(t, trustor.ID, a.UserID(), "an impersonating token acts as the trustor")
			} else {
				assert.Equal(t, trustee.ID, a.UserID())
			}
			// The token works.
			_, err = e2eutil.Client(t, sess).Raw().GetProjectWithResponse(ctx, p.ID, nil)
			require.NoError(t, err)
		}
	})
}

func TestUnscopedThenRescoped(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	u, p1 := memberOf(t, admin)
	p2 := e2eutil.Project(t, admin, e2eutil.Prefix("amp"))
	e2eutil.GrantProjectRole(t, admin, p2.ID, u.ID, e2eutil.RoleID(t, admin, "reader"))

	unscoped, first := access(t, &auth.Password{AuthURL: e2eutil.AuthURL(), Username: u.Name, UserDomainID: "default",
		Password: u.Password, Scope: auth.Scope{Unscoped: true}})
	checkFresh(t, first)
	assert.False(t, first.Scoped())
	assert.False(t, first.ProjectScoped())
	assert.Empty(t, first.RoleNames())
	assert.False(t, first.HasServiceCatalog())

	projects, err := auth.AvailableProjects(ctx, unscoped)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{p1.ID, p2.ID}, projectIDs(projects))
	domains, err := auth.AvailableDomains(ctx, unscoped)
	require.NoError(t, err)
	assert.Empty(t, domains, "no role on any domain")

	for _, tc := range []struct {
		scope auth.Scope
		id    string
		role  string
	}{
		{auth.Scope{ProjectID: p1.ID}, p1.ID, "member"},
		{auth.Scope{ProjectName: p2.Name, ProjectDomainID: "default"}, p2.ID, "reader"},
	} {
		sess, err := auth.Rescope(ctx, unscoped, tc.scope)
		require.NoError(t, err)
		a, err := sess.AccessInfo(ctx)
		require.NoError(t, err)
		checkFresh(t, a)
		assert.Equal(t, tc.id, a.ProjectID())
		assert.Contains(t, a.RoleNames(), tc.role)
		assert.Equal(t, u.ID, a.UserID())
		assert.ElementsMatch(t, []string{"password", "token"}, a.Methods())
		assert.Equal(t, first.AuditID(), a.AuditChainID())
		assert.True(t, a.HasServiceCatalog())
		// The rescoped session is a full session: a client on it works.
		resp, err := e2eutil.Client(t, sess).Raw().GetProjectWithResponse(ctx, tc.id, nil)
		require.NoError(t, err)
		assert.Equal(t, tc.id, resp.JSON200.Project.ID)
	}

	// A scope the user has no role on fails in Rescope.
	_, err = auth.Rescope(ctx, unscoped, auth.Scope{DomainID: "default"})
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
	_, err = auth.Rescope(ctx, unscoped, auth.Scope{System: true})
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
}
