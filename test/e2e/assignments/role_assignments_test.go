package assignments_test

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

// findAssignment returns the assignment of the role on the project, or nil.
func findAssignment(list []identityv3.RoleAssignment, roleID, projectID string) *identityv3.RoleAssignment {
	i := slices.IndexFunc(list, func(a identityv3.RoleAssignment) bool {
		return a.Role.ID == roleID && a.Scope.Project != nil && a.Scope.Project.ID == projectID
	})
	if i < 0 {
		return nil
	}
	return &list[i]
}

// TestGroupRoleAssignment: a user in a group holds the group's project role,
// which only effective mode shows as the user's, and include_names names
// everything.
func TestGroupRoleAssignment(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	domain := e2eutil.Domain(t, c)
	project := e2eutil.Project(t, c, e2eutil.InDomain(domain.ID))
	user := e2eutil.User(t, c, e2eutil.InDomain(domain.ID))
	group := e2eutil.Group(t, c, e2eutil.InDomain(domain.ID))
	role := e2eutil.Role(t, c, e2eutil.Prefix("viagroup"))
	e2eutil.AddToGroup(t, c, group.ID, user.ID)

	e2eutil.GrantProjectGroupRole(t, c, project.ID, group.ID, role.ID)

	// Direct assignments of the user: none.
	direct, err := c.Raw().ListRoleAssignmentsWithResponse(ctx, &identityv3.ListRoleAssignmentsParams{UserID: new(user.ID)})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, direct.StatusCode())
	assert.Empty(t, direct.JSON200.RoleAssignments)

	// The group's assignment.
	byGroup, err := c.Raw().ListRoleAssignmentsWithResponse(ctx, &identityv3.ListRoleAssignmentsParams{GroupID: new(group.ID)})
	require.NoError(t, err)
	require.Len(t, byGroup.JSON200.RoleAssignments, 1)
	ga := byGroup.JSON200.RoleAssignments[0]
	assert.Nil(t, ga.User)
	require.NotNil(t, ga.Group)
	assert.Equal(t, group.ID, ga.Group.ID)
	assert.Equal(t, role.ID, ga.Role.ID)
	require.NotNil(t, ga.Scope.Project)
	assert.Equal(t, project.ID, ga.Scope.Project.ID)
	assert.True(t, strings.HasSuffix(ga.Links.Assignment, "/projects/"+project.ID+"/groups/"+group.ID+"/roles/"+role.ID), ga.Links.Assignment)

	// Effective: the user holds the role through the group.
	effective, err := c.Raw().ListRoleAssignmentsWithResponse(ctx, &identityv3.ListRoleAssignmentsParams{
		Effective: new(true), UserID: new(user.ID),
	})
	require.NoError(t, err)
	ea := findAssignment(effective.JSON200.RoleAssignments, role.ID, project.ID)
	require.NotNil(t, ea, "effective assignments include the group's role")
	require.NotNil(t, ea.User)
	assert.Equal(t, user.ID, ea.User.ID)
	assert.Nil(t, ea.Group)
	assert.Nil(t, ea.User.Name, "names only with include_names")
	require.NotNil(t, ea.Links.Membership)
	assert.True(t, strings.HasSuffix(*ea.Links.Membership, "/groups/"+group.ID+"/users/"+user.ID), *ea.Links.Membership)

	// include_names adds the names and domains.
	named, err := c.Raw().ListRoleAssignmentsWithResponse(ctx, &identityv3.ListRoleAssignmentsParams{
		Effective: new(true), IncludeNames: new(true), UserID: new(user.ID),
	})
	require.NoError(t, err)
	na := findAssignment(named.JSON200.RoleAssignments, role.ID, project.ID)
	require.NotNil(t, na)
	require.NotNil(t, na.Role.Name)
	assert.Equal(t, role.Name, *na.Role.Name)
	assert.Nil(t, na.Role.Domain, "a global role has no domain")
	require.NotNil(t, na.User)
	require.NotNil(t, na.User.Name)
	assert.Equal(t, user.Name, *na.User.Name)
	require.NotNil(t, na.User.Domain)
	require.NotNil(t, na.User.Domain.Name)
	assert.Equal(t, domain.Name, *na.User.Domain.Name)
	require.NotNil(t, na.Scope.Project.Name)
	assert.Equal(t, project.Name, *na.Scope.Project.Name)
	require.NotNil(t, na.Scope.Project.Domain)
	require.NotNil(t, na.Scope.Project.Domain.ID)
	assert.Equal(t, domain.ID, *na.Scope.Project.Domain.ID)

	// The user's token carries the role.
	sess := e2eutil.UserSession(t, user, auth.Scope{ProjectID: project.ID})
	info, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	assert.Contains(t, info.RoleNames(), role.Name)
}

func TestRoleAssignmentFilters(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	domain := e2eutil.Domain(t, c)
	project := e2eutil.Project(t, c, e2eutil.InDomain(domain.ID))
	user := e2eutil.User(t, c, e2eutil.InDomain(domain.ID))
	onProject := e2eutil.Role(t, c, e2eutil.Prefix("onproject"))
	onDomain := e2eutil.Role(t, c, e2eutil.Prefix("ondomain"))

	e2eutil.GrantProjectRole(t, c, project.ID, user.ID, onProject.ID)
	e2eutil.GrantDomainRole(t, c, domain.ID, user.ID, onDomain.ID)

	list := func(p identityv3.ListRoleAssignmentsParams) []identityv3.RoleAssignment {
		t.Helper()
		resp, err := c.Raw().ListRoleAssignmentsWithResponse(ctx, &p)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode())
		return resp.JSON200.RoleAssignments
	}
	roles := func(list []identityv3.RoleAssignment) []string {
		var ids []string
		for _, a := range list {
			ids = append(ids, a.Role.ID)
		}
		slices.Sort(ids)
		return ids
	}
	want := []string{onProject.ID, onDomain.ID}
	slices.Sort(want)

	assert.Equal(t, want, roles(list(identityv3.ListRoleAssignmentsParams{UserID: new(user.ID)})))

	onlyProject := list(identityv3.ListRoleAssignmentsParams{ScopeProjectID: new(project.ID)})
	assert.Equal(t, []string{onProject.ID}, roles(onlyProject))
	assert.Equal(t, user.ID, onlyProject[0].User.ID)

	onlyDomain := list(identityv3.ListRoleAssignmentsParams{UserID: new(user.ID), ScopeDomainID: new(domain.ID)})
	require.Equal(t, []string{onDomain.ID}, roles(onlyDomain))
	require.NotNil(t, onlyDomain[0].Scope.Domain)
	require.NotNil(t, onlyDomain[0].Scope.Domain.ID)
	assert.Equal(t, domain.ID, *onlyDomain[0].Scope.Domain.ID)
	assert.Nil(t, onlyDomain[0].Scope.Project)

	byRole := list(identityv3.ListRoleAssignmentsParams{RoleID: new(onDomain.ID)})
	assert.Equal(t, []string{onDomain.ID}, roles(byRole))

	// None of these assignments is inherited, nor on the system.
	assert.Empty(t, list(identityv3.ListRoleAssignmentsParams{UserID: new(user.ID), ScopeInheritedTo: new("projects")}))
	assert.Empty(t, list(identityv3.ListRoleAssignmentsParams{UserID: new(user.ID), ScopeSystem: new("all")}))

	// include_subtree lists the assignments of the projects below.
	child := e2eutil.Project(t, c, e2eutil.Prefix("child"), e2eutil.ChildOf(project))
	childRole := e2eutil.Role(t, c, e2eutil.Prefix("onchild"))
	e2eutil.GrantProjectRole(t, c, child.ID, user.ID, childRole.ID)
	subtree := list(identityv3.ListRoleAssignmentsParams{ScopeProjectID: new(project.ID), IncludeSubtree: new(true)})
	wantTree := []string{onProject.ID, childRole.ID}
	slices.Sort(wantTree)
	assert.Equal(t, wantTree, roles(subtree))
	assert.Equal(t, []string{onProject.ID}, roles(list(identityv3.ListRoleAssignmentsParams{ScopeProjectID: new(project.ID)})))

	// Combinations that can never match are refused.
	for name, p := range map[string]identityv3.ListRoleAssignmentsParams{
		"user and group":             {UserID: new(user.ID), GroupID: new("g")},
		"project and domain":         {ScopeProjectID: new(project.ID), ScopeDomainID: new(domain.ID)},
		"system and project":         {ScopeSystem: new("all"), ScopeProjectID: new(project.ID)},
		"effective and group":        {Effective: new(true), GroupID: new("g")},
		"subtree without project id": {IncludeSubtree: new(true)},
	} {
		_, err := c.Raw().ListRoleAssignmentsWithResponse(ctx, &p)
		assert.ErrorIs(t, err, apierror.ErrBadRequest, name)
	}
}

// TestSystemScopedToken: a user with a role on the system gets system-scoped
// tokens.
func TestSystemScopedToken(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	user := e2eutil.User(t, c)
	role := e2eutil.Role(t, c, e2eutil.Prefix("system"))

	e2eutil.GrantSystemRole(t, c, user.ID, role.ID)

	sess := e2eutil.UserSession(t, user, auth.Scope{System: true})
	info, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	require.NotNil(t, info.Body.System, "the token is system-scoped")
	require.NotNil(t, info.Body.System.All)
	assert.True(t, *info.Body.System.All)
	assert.Nil(t, info.Body.Project)
	assert.Equal(t, []string{role.Name}, info.RoleNames())

	userClient := e2eutil.Client(t, sess)
	sys, err := userClient.Raw().ListAuthSystemWithResponse(ctx)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, sys.StatusCode())
	require.Len(t, sys.JSON200.System, 1)
	require.NotNil(t, sys.JSON200.System[0].All)
	assert.True(t, *sys.JSON200.System[0].All)

	assignments, err := c.Raw().ListRoleAssignmentsWithResponse(ctx, &identityv3.ListRoleAssignmentsParams{
		ScopeSystem: new("all"), UserID: new(user.ID), IncludeNames: new(true),
	})
	require.NoError(t, err)
	require.Len(t, assignments.JSON200.RoleAssignments, 1)
	a := assignments.JSON200.RoleAssignments[0]
	assert.Equal(t, role.ID, a.Role.ID)
	require.NotNil(t, a.Scope.System)
	require.NotNil(t, a.Scope.System.All)
	assert.True(t, *a.Scope.System.All)
	assert.True(t, strings.HasSuffix(a.Links.Assignment, "/system/users/"+user.ID+"/roles/"+role.ID), a.Links.Assignment)

	// Without the grant the user can no longer get a system-scoped token.
	revoked, err := c.Raw().RevokeSystemUserRoleWithResponse(ctx, user.ID, role.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, revoked.StatusCode())
	_, err = e2eutil.UserSession(t, user, auth.Scope{System: true}).AccessInfo(ctx)
	require.ErrorIs(t, err, apierror.ErrUnauthorized)
}
