package assignments_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// status is what every generated response has.
type status interface{ StatusCode() int }

// grantAPI is the five calls of one kind of grant (an actor on a target),
// bound to that actor and target.
type grantAPI struct {
	grant  func(ctx context.Context, roleID string) (status, error)
	check  func(ctx context.Context, roleID string) (status, error)
	get    func(ctx context.Context, roleID string) (status, error)
	revoke func(ctx context.Context, roleID string) (status, error)
	list   func(ctx context.Context) (*identityv3.RoleList, error)
	// listPath is how the list's links.self ends.
	listPath string
}

// exerciseGrant walks one kind of grant through its whole life: grant
// (twice: it is idempotent), check with HEAD and GET, list, revoke, and the
// 404s after the revoke.
func exerciseGrant(t *testing.T, c *identity.Client, api grantAPI) {
	t.Helper()
	ctx := e2eutil.Ctx(t)
	role := e2eutil.Role(t, c, e2eutil.Prefix("grant"))
	other := e2eutil.Role(t, c, e2eutil.Prefix("notgranted"))

	// Before the grant: nothing to see.
	_, err := api.check(ctx, role.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = api.get(ctx, role.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)

	for range 2 {
		resp, err := api.grant(ctx, role.ID)
		require.NoError(t, err)
		assert.Equal(t, http.StatusNoContent, resp.StatusCode())
	}
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := api.revoke(ctx, role.ID)
		return err
	})

	resp, err := api.check(ctx, role.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode())
	resp, err = api.get(ctx, role.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode())

	// A role that was not granted is still not there.
	_, err = api.check(ctx, other.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)

	list, err := api.list(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{role.ID}, e2eutil.IDs(list.Roles), "the grant is listed once")
	assert.Equal(t, role.Name, list.Roles[0].Name)
	require.NotNil(t, list.Links)
	require.NotNil(t, list.Links.Self)
	assert.True(t, strings.HasSuffix(*list.Links.Self, api.listPath), *list.Links.Self)

	resp, err = api.revoke(ctx, role.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode())

	_, err = api.check(ctx, role.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = api.get(ctx, role.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = api.revoke(ctx, role.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)
	list, err = api.list(ctx)
	require.NoError(t, err)
	assert.Empty(t, list.Roles)

	// Granting a role that does not exist.
	_, err = api.grant(ctx, "no-such-role")
	require.ErrorIs(t, err, apierror.ErrNotFound)
}

// wrap adapts a generated call's two results to (status, error).
func wrap[R status](r R, err error) (status, error) { return r, err }

func TestProjectGrants(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	project := e2eutil.Project(t, c)
	user := e2eutil.User(t, c)
	group := e2eutil.Group(t, c)
	p := project.ID

	t.Run("user", func(t *testing.T) {
		t.Parallel()
		u := user.ID
		exerciseGrant(t, c, grantAPI{
			grant: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().GrantProjectUserRoleWithResponse(ctx, p, u, r))
			},
			check: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().CheckProjectUserRoleWithResponse(ctx, p, u, r))
			},
			get: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().GetProjectUserRoleWithResponse(ctx, p, u, r))
			},
			revoke: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().RevokeProjectUserRoleWithResponse(ctx, p, u, r))
			},
			list: func(ctx context.Context) (*identityv3.RoleList, error) {
				resp, err := c.Raw().ListProjectUserRolesWithResponse(ctx, p, u)
				if err != nil {
					return nil, err
				}
				return resp.JSON200, nil
			},
			listPath: "/projects/" + p + "/users/" + u + "/roles",
		})
	})
	t.Run("group", func(t *testing.T) {
		t.Parallel()
		g := group.ID
		exerciseGrant(t, c, grantAPI{
			grant: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().GrantProjectGroupRoleWithResponse(ctx, p, g, r))
			},
			check: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().CheckProjectGroupRoleWithResponse(ctx, p, g, r))
			},
			get: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().GetProjectGroupRoleWithResponse(ctx, p, g, r))
			},
			revoke: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().RevokeProjectGroupRoleWithResponse(ctx, p, g, r))
			},
			list: func(ctx context.Context) (*identityv3.RoleList, error) {
				resp, err := c.Raw().ListProjectGroupRolesWithResponse(ctx, p, g)
				if err != nil {
					return nil, err
				}
				return resp.JSON200, nil
			},
			listPath: "/projects/" + p + "/groups/" + g + "/roles",
		})
	})
}

func TestDomainGrants(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	domain := e2eutil.Domain(t, c)
	user := e2eutil.User(t, c, e2eutil.InDomain(domain.ID))
	group := e2eutil.Group(t, c, e2eutil.InDomain(domain.ID))
	d := domain.ID

	t.Run("user", func(t *testing.T) {
		t.Parallel()
		u := user.ID
		exerciseGrant(t, c, grantAPI{
			grant: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().GrantDomainUserRoleWithResponse(ctx, d, u, r))
			},
			check: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().CheckDomainUserRoleWithResponse(ctx, d, u, r))
			},
			get: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().GetDomainUserRoleWithResponse(ctx, d, u, r))
			},
			revoke: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().RevokeDomainUserRoleWithResponse(ctx, d, u, r))
			},
			list: func(ctx context.Context) (*identityv3.RoleList, error) {
				resp, err := c.Raw().ListDomainUserRolesWithResponse(ctx, d, u)
				if err != nil {
					return nil, err
				}
				return resp.JSON200, nil
			},
			listPath: "/domains/" + d + "/users/" + u + "/roles",
		})
	})
	t.Run("group", func(t *testing.T) {
		t.Parallel()
		g := group.ID
		exerciseGrant(t, c, grantAPI{
			grant: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().GrantDomainGroupRoleWithResponse(ctx, d, g, r))
			},
			check: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().CheckDomainGroupRoleWithResponse(ctx, d, g, r))
			},
			get: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().GetDomainGroupRoleWithResponse(ctx, d, g, r))
			},
			revoke: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().RevokeDomainGroupRoleWithResponse(ctx, d, g, r))
			},
			list: func(ctx context.Context) (*identityv3.RoleList, error) {
				resp, err := c.Raw().ListDomainGroupRolesWithResponse(ctx, d, g)
				if err != nil {
					return nil, err
				}
				return resp.JSON200, nil
			},
			listPath: "/domains/" + d + "/groups/" + g + "/roles",
		})
	})
}

func TestSystemGrants(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	user := e2eutil.User(t, c)
	group := e2eutil.Group(t, c)

	t.Run("user", func(t *testing.T) {
		t.Parallel()
		u := user.ID
		exerciseGrant(t, c, grantAPI{
			grant: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().GrantSystemUserRoleWithResponse(ctx, u, r))
			},
			check: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().CheckSystemUserRoleWithResponse(ctx, u, r))
			},
			get: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().GetSystemUserRoleWithResponse(ctx, u, r))
			},
			revoke: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().RevokeSystemUserRoleWithResponse(ctx, u, r))
			},
			list: func(ctx context.Context) (*identityv3.RoleList, error) {
				resp, err := c.Raw().ListSystemUserRolesWithResponse(ctx, u)
				if err != nil {
					return nil, err
				}
				return resp.JSON200, nil
			},
			listPath: "/system/users/" + u + "/roles",
		})
	})
	t.Run("group", func(t *testing.T) {
		t.Parallel()
		g := group.ID
		exerciseGrant(t, c, grantAPI{
			grant: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().GrantSystemGroupRoleWithResponse(ctx, g, r))
			},
			check: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().CheckSystemGroupRoleWithResponse(ctx, g, r))
			},
			get: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().GetSystemGroupRoleWithResponse(ctx, g, r))
			},
			revoke: func(ctx context.Context, r string) (status, error) {
				return wrap(c.Raw().RevokeSystemGroupRoleWithResponse(ctx, g, r))
			},
			list: func(ctx context.Context) (*identityv3.RoleList, error) {
				resp, err := c.Raw().ListSystemGroupRolesWithResponse(ctx, g)
				if err != nil {
					return nil, err
				}
				return resp.JSON200, nil
			},
			listPath: "/system/groups/" + g + "/roles",
		})
	})
}

// TestGrantDomainSpecificRoleElsewhere: a domain-specific role can only be
// granted inside its own domain.
func TestGrantDomainSpecificRoleElsewhere(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	home := e2eutil.Domain(t, c)
	specific := e2eutil.Role(t, c, e2eutil.Prefix("homeonly"), e2eutil.InDomain(home.ID))
	project := e2eutil.Project(t, c) // in the default domain
	user := e2eutil.User(t, c)

	_, err := c.Raw().GrantProjectUserRoleWithResponse(ctx, project.ID, user.ID, specific.ID)
	require.ErrorIs(t, err, apierror.ErrForbidden)

	inHome := e2eutil.Project(t, c, e2eutil.InDomain(home.ID))
	// Inside its own domain it can (the fixture requires the 204).
	e2eutil.GrantProjectRole(t, c, inHome.ID, user.ID, specific.ID)
}
