package roles_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// projectToken authenticates as the user, scoped to the project, and returns
// the token body.
func projectToken(t *testing.T, user e2eutil.TestUser, projectID string) *identityv3.Token {
	t.Helper()
	info, err := e2eutil.UserSession(t, user, auth.Scope{ProjectID: projectID}).AccessInfo(e2eutil.Ctx(t))
	require.NoError(t, err)
	require.NotNil(t, info.Body)
	require.NotNil(t, info.Body.Project)
	require.NotNil(t, info.Body.Project.ID)
	require.Equal(t, projectID, *info.Body.Project.ID)
	return info.Body
}

func TestImpliedRoles(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	prior := e2eutil.Role(t, c, e2eutil.Prefix("prior"))
	implied := e2eutil.Role(t, c, e2eutil.Prefix("implied"))

	rule := e2eutil.ImpliedRole(t, c, prior.ID, implied.ID)
	assert.Equal(t, prior.ID, rule.RoleInference.PriorRole.ID)
	assert.Equal(t, prior.Name, rule.RoleInference.PriorRole.Name)
	assert.Equal(t, implied.ID, rule.RoleInference.Implies.ID)
	assert.Equal(t, implied.Name, rule.RoleInference.Implies.Name)
	require.NotNil(t, rule.Links.Self)
	assert.True(t, strings.HasSuffix(*rule.Links.Self, "/roles/"+prior.ID+"/implies/"+implied.ID), *rule.Links.Self)

	// The same rule twice is a conflict.
	_, err := c.Raw().CreateImpliedRoleWithResponse(ctx, prior.ID, implied.ID)
	require.ErrorIs(t, err, apierror.ErrConflict)

	check, err := c.Raw().CheckImpliedRoleWithResponse(ctx, prior.ID, implied.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, check.StatusCode())

	got, err := c.Raw().GetImpliedRoleWithResponse(ctx, prior.ID, implied.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, got.StatusCode())
	assert.Equal(t, prior.ID, got.JSON200.RoleInference.PriorRole.ID)
	assert.Equal(t, implied.ID, got.JSON200.RoleInference.Implies.ID)

	// Rules point one way only.
	_, err = c.Raw().GetImpliedRoleWithResponse(ctx, implied.ID, prior.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = c.Raw().CheckImpliedRoleWithResponse(ctx, implied.ID, prior.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)

	list, err := c.Raw().ListImpliedRolesWithResponse(ctx, prior.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, list.StatusCode())
	assert.Equal(t, prior.ID, list.JSON200.RoleInference.PriorRole.ID)
	assert.Equal(t, []string{implied.ID}, e2eutil.IDs(list.JSON200.RoleInference.Implies))

	none, err := c.Raw().ListImpliedRolesWithResponse(ctx, implied.ID)
	require.NoError(t, err)
	assert.Empty(t, none.JSON200.RoleInference.Implies)

	inferences, err := c.Raw().ListRoleInferencesWithResponse(ctx)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, inferences.StatusCode())
	idx := slices.IndexFunc(inferences.JSON200.RoleInferences, func(ri identityv3.RoleInference) bool {
		return ri.PriorRole.ID == prior.ID
	})
	require.GreaterOrEqual(t, idx, 0, "role_inferences lists the new rule")
	assert.Equal(t, prior.Name, inferences.JSON200.RoleInferences[idx].PriorRole.Name)
	assert.Equal(t, []string{implied.ID}, e2eutil.IDs(inferences.JSON200.RoleInferences[idx].Implies))

	// A user granted only the prior role gets the implied one in a token.
	project := e2eutil.Project(t, c)
	user := e2eutil.User(t, c)
	e2eutil.GrantProjectRole(t, c, project.ID, user.ID, prior.ID)

	tok := projectToken(t, user, project.ID)
	assert.ElementsMatch(t, []string{prior.Name, implied.Name}, tokenRoleNames(tok))

	// The grant itself is still only the prior role.
	grants, err := c.Raw().ListProjectUserRolesWithResponse(ctx, project.ID, user.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{prior.ID}, e2eutil.IDs(grants.JSON200.Roles))

	// Effective role assignments show the implied role too, with a link to
	// the rule it comes from.
	effective, err := c.Raw().ListRoleAssignmentsWithResponse(ctx, &identityv3.ListRoleAssignmentsParams{
		Effective: new(true), UserID: new(user.ID),
	})
	require.NoError(t, err)
	var sawImplied bool
	for _, a := range effective.JSON200.RoleAssignments {
		if a.Role.ID == implied.ID {
			sawImplied = true
			require.NotNil(t, a.Scope.Project)
			assert.Equal(t, project.ID, a.Scope.Project.ID)
			require.NotNil(t, a.Links.PriorRole)
			assert.Contains(t, *a.Links.PriorRole, prior.ID)
		}
	}
	assert.True(t, sawImplied, "effective assignments include the implied role")

	deleted, err := c.Raw().DeleteImpliedRoleWithResponse(ctx, prior.ID, implied.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, deleted.StatusCode())

	_, err = c.Raw().CheckImpliedRoleWithResponse(ctx, prior.ID, implied.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = c.Raw().GetImpliedRoleWithResponse(ctx, prior.ID, implied.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = c.Raw().DeleteImpliedRoleWithResponse(ctx, prior.ID, implied.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)

	// Without the rule a new token carries the prior role alone.
	tok = projectToken(t, user, project.ID)
	assert.Equal(t, []string{prior.Name}, tokenRoleNames(tok))
}

func TestImpliedRoleRefused(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	domain := e2eutil.Domain(t, c)
	global := e2eutil.Role(t, c, e2eutil.Prefix("global"))
	specific := e2eutil.Role(t, c, e2eutil.Prefix("specific"), e2eutil.InDomain(domain.ID))

	// A global role cannot imply a domain-specific one.
	_, err := c.Raw().CreateImpliedRoleWithResponse(ctx, global.ID, specific.ID)
	require.ErrorIs(t, err, apierror.ErrForbidden)

	// "admin" is in [assignment] prohibited_implied_role by default.
	admins, err := c.Raw().ListRolesWithResponse(ctx, &identityv3.ListRolesParams{Name: new("admin")})
	require.NoError(t, err)
	require.Len(t, admins.JSON200.Roles, 1)
	_, err = c.Raw().CreateImpliedRoleWithResponse(ctx, global.ID, admins.JSON200.Roles[0].ID)
	require.ErrorIs(t, err, apierror.ErrForbidden)

	// Unknown roles.
	_, err = c.Raw().CreateImpliedRoleWithResponse(ctx, global.ID, "no-such-role")
	require.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = c.Raw().ListImpliedRolesWithResponse(ctx, "no-such-role")
	require.ErrorIs(t, err, apierror.ErrNotFound)
}

// TestDomainSpecificPriorRole: a domain-specific role may imply a global
// one. Keystone never puts domain-specific roles in tokens, but the global
// roles they imply do appear.
func TestDomainSpecificPriorRole(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	domain := e2eutil.Domain(t, c)
	specific := e2eutil.Role(t, c, e2eutil.Prefix("dsprior"), e2eutil.InDomain(domain.ID))
	global := e2eutil.Role(t, c, e2eutil.Prefix("dsimplied"))

	rule := e2eutil.ImpliedRole(t, c, specific.ID, global.ID)
	assert.Equal(t, specific.ID, rule.RoleInference.PriorRole.ID)
	assert.Equal(t, global.ID, rule.RoleInference.Implies.ID)

	list, err := c.Raw().ListImpliedRolesWithResponse(ctx, specific.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{global.ID}, e2eutil.IDs(list.JSON200.RoleInference.Implies))

	project := e2eutil.Project(t, c, e2eutil.InDomain(domain.ID))
	user := e2eutil.User(t, c, e2eutil.InDomain(domain.ID))
	e2eutil.GrantProjectRole(t, c, project.ID, user.ID, specific.ID)

	grants, err := c.Raw().ListProjectUserRolesWithResponse(ctx, project.ID, user.ID)
	require.NoError(t, err)
	require.Equal(t, []string{specific.ID}, e2eutil.IDs(grants.JSON200.Roles))
	require.NotNil(t, grants.JSON200.Roles[0].DomainID)
	assert.Equal(t, domain.ID, *grants.JSON200.Roles[0].DomainID)

	tok := projectToken(t, user, project.ID)
	assert.Equal(t, []string{global.Name}, tokenRoleNames(tok))

	// include_names reports the domain of a domain-specific role.
	named, err := c.Raw().ListRoleAssignmentsWithResponse(ctx, &identityv3.ListRoleAssignmentsParams{
		UserID: new(user.ID), IncludeNames: new(true),
	})
	require.NoError(t, err)
	require.Len(t, named.JSON200.RoleAssignments, 1)
	a := named.JSON200.RoleAssignments[0]
	assert.Equal(t, specific.ID, a.Role.ID)
	require.NotNil(t, a.Role.Name)
	assert.Equal(t, specific.Name, *a.Role.Name)
	require.NotNil(t, a.Role.Domain)
	require.NotNil(t, a.Role.Domain.ID)
	assert.Equal(t, domain.ID, *a.Role.Domain.ID)
	require.NotNil(t, a.Role.Domain.Name)
	assert.Equal(t, domain.Name, *a.Role.Domain.Name)
}
