package scenario

import (
	"context"
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
)

// UserLifecycle scopes a token to the user's default project, filters
// users by name, changes the password (which ends the user's tokens) and
// disables the user.
func UserLifecycle(t *testing.T, env Env) {
	f := newFixture(t, env)
	admin := f.admin
	const pw, pw2 = "life-Secret-1", "life-Secret-2"
	u := f.user(pw)
	p := f.project("")
	f.grantProject(p.ID, u.ID, f.roleID("member"))
	up, err := admin.UpdateUserWithResponse(ctx(t), u.ID, identityv3.UserUpdateRequest{User: identityv3.UserUpdate{
		DefaultProjectID: nullable.NewNullableWithValue(p.ID)}})
	require.Equal(t, http.StatusOK, status(t, up, err))
	assert.Equal(t, p.ID, *up.JSON200.User.DefaultProjectID)

	def := env.access(t, env.password(u.ID, pw, auth.Scope{}))
	assert.Equal(t, p.ID, def.ProjectID(), "no scope asked: the default project")
	unscoped := env.access(t, env.password(u.ID, pw, auth.Scope{Unscoped: true}))
	assert.False(t, unscoped.Scoped(), "explicitly unscoped")

	list, err := admin.ListUsersWithResponse(ctx(t), &identityv3.ListUsersParams{NameContains: ptr(u.Name[2:]), DomainID: ptr("default")})
	require.Equal(t, http.StatusOK, status(t, list, err))
	require.Len(t, list.JSON200.Users, 1)
	assert.Equal(t, u.ID, list.JSON200.Users[0].ID)
	assert.NotContains(t, string(list.Body), pw, "no password is ever shown")

	sess := env.Session(t, env.password(u.ID, pw, auth.Scope{ProjectID: p.ID}))
	old, err := sess.Token(ctx(t))
	require.NoError(t, err)
	self := env.client(t, env.password(u.ID, pw, auth.Scope{ProjectID: p.ID}))
	wrong, err := self.ChangeUserPasswordWithResponse(ctx(t), u.ID, identityv3.UserPasswordChangeRequest{User: identityv3.UserPasswordChange{
		OriginalPassword: "not-" + pw, Password: pw2}})
	assert.Equal(t, http.StatusUnauthorized, status(t, wrong, err))
	ch, err := self.ChangeUserPasswordWithResponse(ctx(t), u.ID, identityv3.UserPasswordChangeRequest{User: identityv3.UserPasswordChange{
		OriginalPassword: pw, Password: pw2}})
	require.Equal(t, http.StatusNoContent, status(t, ch, err))
	v, err := admin.CheckTokenWithResponse(ctx(t), &identityv3.CheckTokenParams{XSubjectToken: old})
	assert.Equal(t, http.StatusNotFound, status(t, v, err), "a new password ends the user's tokens")
	assert.Equal(t, http.StatusUnauthorized, env.authStatus(t, env.password(u.ID, pw, auth.Scope{ProjectID: p.ID})), "the old password")
	env.access(t, env.password(u.ID, pw2, auth.Scope{ProjectID: p.ID}))

	off, err := admin.UpdateUserWithResponse(ctx(t), u.ID, identityv3.UserUpdateRequest{User: identityv3.UserUpdate{Enabled: ptr(false)}})
	require.Equal(t, http.StatusOK, status(t, off, err))
	assert.False(t, off.JSON200.User.Enabled)
	assert.Equal(t, http.StatusUnauthorized, env.authStatus(t, env.password(u.ID, pw2, auth.Scope{ProjectID: p.ID})), "a disabled user")
}

// InheritedAndImpliedRoles grants a role inherited by a project's subtree
// and a role that implies another, and checks tokens and effective
// assignments.
func InheritedAndImpliedRoles(t *testing.T, env Env) {
	f := newFixture(t, env)
	admin := f.admin
	const pw = "inherit-Secret-1"
	u := f.user(pw)
	parent := f.project("")
	child := f.project(parent.ID)
	inherited, prior, implied := f.role(), f.role(), f.role()

	g, err := admin.GrantInheritedProjectUserRoleWithResponse(ctx(t), parent.ID, u.ID, inherited.ID)
	require.Equal(t, http.StatusNoContent, status(t, g, err))
	onChild := env.access(t, env.password(u.ID, pw, auth.Scope{ProjectID: child.ID}))
	assert.Equal(t, []string{inherited.Name}, onChild.RoleNames())
	assert.Equal(t, http.StatusUnauthorized, env.authStatus(t, env.password(u.ID, pw, auth.Scope{ProjectID: parent.ID})), "an inherited role is not held on the project itself")

	eff, err := admin.ListRoleAssignmentsWithResponse(ctx(t), &identityv3.ListRoleAssignmentsParams{UserID: &u.ID, Effective: ptr(true)})
	require.Equal(t, http.StatusOK, status(t, eff, err))
	require.Len(t, eff.JSON200.RoleAssignments, 1)
	ra := eff.JSON200.RoleAssignments[0]
	assert.Equal(t, child.ID, ra.Scope.Project.ID)
	require.NotNil(t, ra.Scope.InheritedTo, "an expanded assignment still says it is inherited")
	assert.Equal(t, "projects", *ra.Scope.InheritedTo)
	assert.Contains(t, ra.Links.Assignment, "/OS-INHERIT/projects/"+parent.ID+"/users/"+u.ID+"/roles/"+inherited.ID+"/inherited_to_projects")
	direct, err := admin.ListRoleAssignmentsWithResponse(ctx(t), &identityv3.ListRoleAssignmentsParams{UserID: &u.ID})
	require.Equal(t, http.StatusOK, status(t, direct, err))
	require.Len(t, direct.JSON200.RoleAssignments, 1)
	require.NotNil(t, direct.JSON200.RoleAssignments[0].Scope.InheritedTo)
	assert.Equal(t, "projects", *direct.JSON200.RoleAssignments[0].Scope.InheritedTo)

	rule, err := admin.CreateImpliedRoleWithResponse(ctx(t), prior.ID, implied.ID)
	require.Equal(t, http.StatusCreated, status(t, rule, err))
	later(t, func(c context.Context) error {
		_, err := admin.DeleteImpliedRoleWithResponse(c, prior.ID, implied.ID)
		return err
	})
	assert.Equal(t, implied.ID, rule.JSON201.RoleInference.Implies.ID)
	f.grantProject(parent.ID, u.ID, prior.ID)
	onParent := env.access(t, env.password(u.ID, pw, auth.Scope{ProjectID: parent.ID}))
	assert.ElementsMatch(t, []string{prior.Name, implied.Name}, onParent.RoleNames())
	scoped, err := admin.ListRoleAssignmentsWithResponse(ctx(t), &identityv3.ListRoleAssignmentsParams{
		UserID: &u.ID, ScopeProjectID: &parent.ID, Effective: ptr(true)})
	require.Equal(t, http.StatusOK, status(t, scoped, err))
	var roles []string
	for _, a := range scoped.JSON200.RoleAssignments {
		roles = append(roles, a.Role.ID)
		if a.Role.ID == implied.ID {
			assert.NotNil(t, a.Links.PriorRole, "an implied role names its prior role")
		}
	}
	assert.ElementsMatch(t, []string{prior.ID, implied.ID}, roles)
}
