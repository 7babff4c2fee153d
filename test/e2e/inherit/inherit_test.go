package inherit_test

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

// tree is a domain with a project and a child project, a user and a group
// (in the default domain), and the reader role.
type tree struct {
	domainID, parentID, childID string
	userID, groupID, readerID   string
}

func newTree(t *testing.T, c *identity.Client) tree {
	t.Helper()
	domain := e2eutil.Domain(t, c, e2eutil.Prefix("inh-d"))
	parent := e2eutil.Project(t, c, e2eutil.Prefix("inh-p"), e2eutil.InDomain(domain.ID))
	child := e2eutil.Project(t, c, e2eutil.Prefix("inh-p"), e2eutil.ChildOf(parent))
	return tree{
		domainID: domain.ID, parentID: parent.ID, childID: child.ID,
		userID:   e2eutil.User(t, c, e2eutil.Prefix("inh-u")).ID,
		groupID:  e2eutil.Group(t, c, e2eutil.Prefix("inh-g")).ID,
		readerID: e2eutil.RoleID(t, c, "reader"),
	}
}

// assignments lists role assignments with the filters.
func assignments(t *testing.T, c *identity.Client, params identityv3.ListRoleAssignmentsParams) []identityv3.RoleAssignment {
	t.Helper()
	resp, err := c.Raw().ListRoleAssignmentsWithResponse(e2eutil.Ctx(t), &params)
	require.NoError(t, err)
	return resp.JSON200.RoleAssignments
}

// projectsWith lists the projects on which the assignments give roleID.
func projectsWith(as []identityv3.RoleAssignment, roleID string) []string {
	var out []string
	for _, a := range as {
		if a.Role.ID == roleID && a.Scope.Project != nil {
			out = append(out, a.Scope.Project.ID)
		}
	}
	return out
}

// grantOps is the PUT/GET/HEAD/DELETE quartet of one kind of inherited grant.
type grantOps struct {
	name                      string
	target, actor             string
	grant, get, check, revoke func(ctx context.Context) (int, error)
}

func status(resp interface{ StatusCode() int }, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return resp.StatusCode(), nil
}

func TestInheritedGrants(t *testing.T) {
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	tr := newTree(t, c)
	ops := []grantOps{
		{
			name: "user on domain", target: tr.domainID, actor: tr.userID,
			grant: func(ctx context.Context) (int, error) {
				return status(c.Raw().GrantInheritedDomainUserRoleWithResponse(ctx, tr.domainID, tr.userID, tr.readerID))
			},
			get: func(ctx context.Context) (int, error) {
				return status(c.Raw().GetInheritedDomainUserRoleWithResponse(ctx, tr.domainID, tr.userID, tr.readerID))
			},
			check: func(ctx context.Context) (int, error) {
				return status(c.Raw().CheckInheritedDomainUserRoleWithResponse(ctx, tr.domainID, tr.userID, tr.readerID))
			},
			revoke: func(ctx context.Context) (int, error) {
				return status(c.Raw().RevokeInheritedDomainUserRoleWithResponse(ctx, tr.domainID, tr.userID, tr.readerID))
			},
		},
		{
			name: "group on domain", target: tr.domainID, actor: tr.groupID,
			grant: func(ctx context.Context) (int, error) {
				return status(c.Raw().GrantInheritedDomainGroupRoleWithResponse(ctx, tr.domainID, tr.groupID, tr.readerID))
			},
			get: func(ctx context.Context) (int, error) {
				return status(c.Raw().GetInheritedDomainGroupRoleWithResponse(ctx, tr.domainID, tr.groupID, tr.readerID))
			},
			check: func(ctx context.Context) (int, error) {
				return status(c.Raw().CheckInheritedDomainGroupRoleWithResponse(ctx, tr.domainID, tr.groupID, tr.readerID))
			},
			revoke: func(ctx context.Context) (int, error) {
				return status(c.Raw().RevokeInheritedDomainGroupRoleWithResponse(ctx, tr.domainID, tr.groupID, tr.readerID))
			},
		},
		{
			name: "user on project", target: tr.parentID, actor: tr.userID,
			grant: func(ctx context.Context) (int, error) {
				return status(c.Raw().GrantInheritedProjectUserRoleWithResponse(ctx, tr.parentID, tr.userID, tr.readerID))
			},
			get: func(ctx context.Context) (int, error) {
				return status(c.Raw().GetInheritedProjectUserRoleWithResponse(ctx, tr.parentID, tr.userID, tr.readerID))
			},
			check: func(ctx context.Context) (int, error) {
				return status(c.Raw().CheckInheritedProjectUserRoleWithResponse(ctx, tr.parentID, tr.userID, tr.readerID))
			},
			revoke: func(ctx context.Context) (int, error) {
				return status(c.Raw().RevokeInheritedProjectUserRoleWithResponse(ctx, tr.parentID, tr.userID, tr.readerID))
			},
		},
		{
			name: "group on project", target: tr.parentID, actor: tr.groupID,
			grant: func(ctx context.Context) (int, error) {
				return status(c.Raw().GrantInheritedProjectGroupRoleWithResponse(ctx, tr.parentID, tr.groupID, tr.readerID))
			},
			get: func(ctx context.Context) (int, error) {
				return status(c.Raw().GetInheritedProjectGroupRoleWithResponse(ctx, tr.parentID, tr.groupID, tr.readerID))
			},
			check: func(ctx context.Context) (int, error) {
				return status(c.Raw().CheckInheritedProjectGroupRoleWithResponse(ctx, tr.parentID, tr.groupID, tr.readerID))
			},
			revoke: func(ctx context.Context) (int, error) {
				return status(c.Raw().RevokeInheritedProjectGroupRoleWithResponse(ctx, tr.parentID, tr.groupID, tr.readerID))
			},
		},
	}
	// The user is a member of the group, so the group's grants reach the user too.
	e2eutil.AddToGroup(t, c, tr.groupID, tr.userID)

	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			_, err := op.check(ctx)
			require.ErrorIs(t, err, apierror.ErrNotFound, "no grant yet")

			code, err := op.grant(ctx)
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, code)
			e2eutil.Cleanup(t, func(ctx context.Context) error { _, err := op.revoke(ctx); return err })
			code, err = op.grant(ctx)
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, code, "granting again succeeds")

			code, err = op.check(ctx)
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, code)
			code, err = op.get(ctx)
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, code)

			// The grant itself: on its target, marked inherited to projects.
			params := identityv3.ListRoleAssignmentsParams{RoleID: &tr.readerID}
			if op.actor == tr.userID {
				params.UserID = &tr.userID
			} else {
				params.GroupID = &tr.groupID
			}
			direct := assignments(t, c, params)
			require.Len(t, direct, 1)
			a := direct[0]
			require.NotNil(t, a.Scope.InheritedTo)
			assert.Equal(t, "projects", *a.Scope.InheritedTo)
			if op.target == tr.domainID {
				require.NotNil(t, a.Scope.Domain)
				assert.Equal(t, tr.domainID, *a.Scope.Domain.ID)
			} else {
				require.NotNil(t, a.Scope.Project)
				assert.Equal(t, tr.parentID, a.Scope.Project.ID)
			}
			assert.True(t, strings.Contains(a.Links.Assignment, "/OS-INHERIT/"), a.Links.Assignment)

			// Its effect: the user has the role on the projects below the target,
			// not on the target itself.
			effective := assignments(t, c, identityv3.ListRoleAssignmentsParams{UserID: &tr.userID, Effective: new(true)})
			want := []string{tr.parentID, tr.childID}
			if op.target == tr.parentID {
				want = []string{tr.childID}
			}
			assert.ElementsMatch(t, want, projectsWith(effective, tr.readerID))
			for _, e := range effective {
				assert.Nil(t, e.Scope.Domain, "an inherited grant gives nothing on the domain itself")
				if op.actor == tr.groupID && e.Role.ID == tr.readerID {
					assert.NotNil(t, e.Links.Membership, "reached through the group")
				}
			}

			code, err = op.revoke(ctx)
			require.NoError(t, err)
			assert.Equal(t, http.StatusNoContent, code)
			_, err = op.check(ctx)
			assert.ErrorIs(t, err, apierror.ErrNotFound)
			_, err = op.get(ctx)
			assert.ErrorIs(t, err, apierror.ErrNotFound)
			effective = assignments(t, c, identityv3.ListRoleAssignmentsParams{UserID: &tr.userID, Effective: new(true)})
			assert.Empty(t, projectsWith(effective, tr.readerID))
		})
	}
}

func TestListInheritedRoles(t *testing.T) {
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	tr := newTree(t, c)

	users, err := c.Raw().ListInheritedDomainUserRolesWithResponse(ctx, tr.domainID, tr.userID)
	require.NoError(t, err)
	assert.Empty(t, users.JSON200.Roles)

	_, err = c.Raw().GrantInheritedDomainUserRoleWithResponse(ctx, tr.domainID, tr.userID, tr.readerID)
	require.NoError(t, err)
	_, err = c.Raw().GrantInheritedDomainGroupRoleWithResponse(ctx, tr.domainID, tr.groupID, tr.readerID)
	require.NoError(t, err)
	// A direct (not inherited) grant on the domain is not listed.
	e2eutil.GrantDomainRole(t, c, tr.domainID, tr.userID, e2eutil.RoleID(t, c, "member"))

	users, err = c.Raw().ListInheritedDomainUserRolesWithResponse(ctx, tr.domainID, tr.userID)
	require.NoError(t, err)
	require.Len(t, users.JSON200.Roles, 1)
	assert.Equal(t, "reader", users.JSON200.Roles[0].Name)

	groups, err := c.Raw().ListInheritedDomainGroupRolesWithResponse(ctx, tr.domainID, tr.groupID)
	require.NoError(t, err)
	require.Len(t, groups.JSON200.Roles, 1)
	assert.Equal(t, tr.readerID, groups.JSON200.Roles[0].ID)

	_, err = c.Raw().GrantInheritedDomainUserRoleWithResponse(ctx, tr.domainID, tr.userID, "0123456789abcdef0123456789abcdef")
	assert.ErrorIs(t, err, apierror.ErrNotFound, "an unknown role")
}
