package e2eutil

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

// The fixtures create a resource through c, fail the test unless Keystone
// answers 201, and register its removal (retried when the connection
// breaks) with t.Cleanup. Cleanups run last-in first-out, so a test creates
// things in the order they depend on each other (a domain, then its
// projects, then a grant on one of them) and they go in the reverse.

// Domain creates an enabled domain, disabled and deleted when the test ends
// (deleting it deletes its projects, users, groups and roles with it).
func Domain(t testing.TB, c *identity.Client, opts ...Option) identityv3.Domain {
	t.Helper()
	var body identityv3.DomainCreate
	apply(t, &body, func(b *identityv3.DomainCreate) *string { return &b.Name }, "dom", opts)
	resp, err := c.Raw().CreateDomainWithResponse(Ctx(t), identityv3.CreateDomainJSONRequestBody{Domain: body})
	domain := Created(t, resp, err).JSON201.Domain
	DeleteDomainLater(t, c, domain.ID)
	return domain
}

// Project creates a project, in the default domain unless an option says
// otherwise, deleted when the test ends.
func Project(t testing.TB, c *identity.Client, opts ...Option) identityv3.Project {
	t.Helper()
	var body identityv3.ProjectCreate
	apply(t, &body, func(b *identityv3.ProjectCreate) *string { return &b.Name }, "proj", opts)
	resp, err := c.Raw().CreateProjectWithResponse(Ctx(t), identityv3.CreateProjectJSONRequestBody{Project: body})
	project := Created(t, resp, err).JSON201.Project
	DeleteLater(t, c.Raw().DeleteProjectWithResponse, project.ID)
	return project
}

// TestUser is a user a fixture created, with the password it logs in with.
type TestUser struct {
	identityv3.User
	Password string
}

// User creates a user with a password (a random one unless the body of a
// Body option has one), in the default domain unless an option says
// otherwise, deleted when the test ends. Deleting a user deletes its
// credentials and application credentials with it.
func User(t testing.TB, c *identity.Client, opts ...Option) TestUser {
	t.Helper()
	var body identityv3.UserCreate
	apply(t, &body, func(b *identityv3.UserCreate) *string { return &b.Name }, "user", opts)
	if !body.Password.IsSpecified() {
		body.Password = nullable.NewNullableWithValue("pw-" + rand.Text())
	}
	resp, err := c.Raw().CreateUserWithResponse(Ctx(t), identityv3.CreateUserJSONRequestBody{User: body})
	user := Created(t, resp, err).JSON201.User
	DeleteLater(t, c.Raw().DeleteUserWithResponse, user.ID)
	return TestUser{User: user, Password: body.Password.GetOrEmpty()}
}

// Member creates a user (with the options) who holds the member role on
// the project, as User and GrantProjectRole do.
func Member(t testing.TB, c *identity.Client, projectID string, opts ...Option) TestUser {
	t.Helper()
	u := User(t, c, opts...)
	GrantProjectRole(t, c, projectID, u.ID, RoleID(t, c, "member"))
	return u
}

// UserSession is a validating session of the user, logged in with its
// password and the scope.
func UserSession(t testing.TB, u TestUser, scope auth.Scope) *auth.Session {
	return Session(t, &auth.Password{AuthURL: AuthURL(), UserID: u.ID, Password: u.Password, Scope: scope})
}

// Group creates a group, in the default domain unless an option says
// otherwise, deleted when the test ends.
func Group(t testing.TB, c *identity.Client, opts ...Option) identityv3.Group {
	t.Helper()
	var body identityv3.GroupCreate
	apply(t, &body, func(b *identityv3.GroupCreate) *string { return &b.Name }, "group", opts)
	resp, err := c.Raw().CreateGroupWithResponse(Ctx(t), identityv3.CreateGroupJSONRequestBody{Group: body})
	group := Created(t, resp, err).JSON201.Group
	DeleteLater(t, c.Raw().DeleteGroupWithResponse, group.ID)
	return group
}

// Role creates a role, global unless InDomain makes it domain-specific,
// deleted when the test ends: after the inference rules that name it, and
// after clearing options.immutable if the test set it.
func Role(t testing.TB, c *identity.Client, opts ...Option) identityv3.Role {
	t.Helper()
	var body identityv3.RoleCreate
	apply(t, &body, func(b *identityv3.RoleCreate) *string { return &b.Name }, "role", opts)
	resp, err := c.Raw().CreateRoleWithResponse(Ctx(t), identityv3.CreateRoleJSONRequestBody{Role: body})
	role := Created(t, resp, err).JSON201.Role
	later(t, func(ctx context.Context) error { return deleteRole(ctx, c, role.ID) })
	return role
}

func deleteRole(ctx context.Context, c *identity.Client, id string) error {
	if err := deleteRulesOf(ctx, c, id); err != nil {
		return err
	}
	_, err := c.Raw().DeleteRoleWithResponse(ctx, id)
	if errors.Is(err, apierror.ErrForbidden) { // immutable
		_, err = c.Raw().UpdateRoleWithResponse(ctx, id, identityv3.UpdateRoleJSONRequestBody{
			Role: identityv3.RoleUpdate{Options: &identityv3.RoleOptionsUpdate{Immutable: nullable.NewNullNullable[bool]()}},
		})
		if err == nil {
			_, err = c.Raw().DeleteRoleWithResponse(ctx, id)
		}
	}
	return err
}

// deleteRulesOf deletes every inference rule that names the role. Keystone
// relies on a foreign-key cascade to drop them with the role, which sqlite
// (the test server's database) does not enforce: a rule left behind names a
// role that no longer exists, and GET /v3/role_inferences then fails for
// everyone. ImpliedRole deletes its rule itself; this catches a rule a test
// made some other way.
func deleteRulesOf(ctx context.Context, c *identity.Client, roleID string) error {
	resp, err := c.Raw().ListRoleInferencesWithResponse(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, rule := range resp.JSON200.RoleInferences {
		for _, implied := range rule.Implies {
			if rule.PriorRole.ID != roleID && implied.ID != roleID {
				continue
			}
			_, err := c.Raw().DeleteImpliedRoleWithResponse(ctx, rule.PriorRole.ID, implied.ID)
			if !errors.Is(err, apierror.ErrNotFound) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// RoleID is the id of the global role with this name (bootstrap creates
// admin, member and reader).
func RoleID(t testing.TB, c *identity.Client, name string) string {
	t.Helper()
	resp, err := c.Raw().ListRolesWithResponse(Ctx(t), &identityv3.ListRolesParams{Name: &name})
	require.NoError(t, err)
	require.Len(t, resp.JSON200.Roles, 1, "role %q", name)
	return resp.JSON200.Roles[0].ID
}

// ImpliedRole creates the inference rule prior → implied, deleted when the
// test ends (before the roles, when they were created first).
func ImpliedRole(t testing.TB, c *identity.Client, priorID, impliedID string) identityv3.ImpliedRoleEnvelope {
	t.Helper()
	resp, err := c.Raw().CreateImpliedRoleWithResponse(Ctx(t), priorID, impliedID)
	rule := *Created(t, resp, err).JSON201
	later(t, func(ctx context.Context) error {
		_, err := c.Raw().DeleteImpliedRoleWithResponse(ctx, priorID, impliedID)
		return err
	})
	return rule
}

// ids3 and ids2 are the client's methods that act on an assignment named by
// three or two ids (a role grant, a group membership).
type (
	ids3[R any] = func(context.Context, string, string, string, ...identityv3.RequestEditorFn) (R, error)
	ids2[R any] = func(context.Context, string, string, ...identityv3.RequestEditorFn) (R, error)
)

// assign makes an assignment with do, which must answer 204, and undoes it
// with undo when the test ends.
func assign[D answer, U any](t testing.TB, do ids3[D], undo ids3[U], a, b, c string) {
	t.Helper()
	resp, err := do(Ctx(t), a, b, c)
	Status(t, http.StatusNoContent, resp, err)
	later(t, func(ctx context.Context) error {
		_, err := undo(ctx, a, b, c)
		return err
	})
}

// assign2 is assign for an assignment named by two ids.
func assign2[D answer, U any](t testing.TB, do ids2[D], undo ids2[U], a, b string) {
	t.Helper()
	assign(t,
		func(ctx context.Context, a, b, _ string, e ...identityv3.RequestEditorFn) (D, error) {
			return do(ctx, a, b, e...)
		},
		func(ctx context.Context, a, b, _ string, e ...identityv3.RequestEditorFn) (U, error) {
			return undo(ctx, a, b, e...)
		},
		a, b, "")
}

// GrantProjectRole grants the user the role on the project, revoked when the
// test ends.
func GrantProjectRole(t testing.TB, c *identity.Client, projectID, userID, roleID string) {
	t.Helper()
	assign(t, c.Raw().GrantProjectUserRoleWithResponse, c.Raw().RevokeProjectUserRoleWithResponse, projectID, userID, roleID)
}

// GrantProjectGroupRole grants the group the role on the project, revoked
// when the test ends.
func GrantProjectGroupRole(t testing.TB, c *identity.Client, projectID, groupID, roleID string) {
	t.Helper()
	assign(t, c.Raw().GrantProjectGroupRoleWithResponse, c.Raw().RevokeProjectGroupRoleWithResponse, projectID, groupID, roleID)
}

// GrantDomainRole grants the user the role on the domain, revoked when the
// test ends.
func GrantDomainRole(t testing.TB, c *identity.Client, domainID, userID, roleID string) {
	t.Helper()
	assign(t, c.Raw().GrantDomainUserRoleWithResponse, c.Raw().RevokeDomainUserRoleWithResponse, domainID, userID, roleID)
}

// GrantSystemRole grants the user the role on the system, revoked when the
// test ends.
func GrantSystemRole(t testing.TB, c *identity.Client, userID, roleID string) {
	t.Helper()
	assign2(t, c.Raw().GrantSystemUserRoleWithResponse, c.Raw().RevokeSystemUserRoleWithResponse, userID, roleID)
}

// AddToGroup makes the user a member of the group until the test ends.
func AddToGroup(t testing.TB, c *identity.Client, groupID, userID string) {
	t.Helper()
	assign2(t, c.Raw().AddUserToGroupWithResponse, c.Raw().RemoveUserFromGroupWithResponse, groupID, userID)
}

// ApplicationCredential creates an application credential of the user
// through c, which must be the user's own client (Keystone lets only the
// owner create one), with a unique name unless body has one. It is deleted
// when the test ends: before the user and the grants it was created after,
// as on sqlite Keystone's bulk delete of a user's application credentials
// leaves their role rows behind.
func ApplicationCredential(t testing.TB, c *identity.Client, userID string, body identityv3.ApplicationCredentialCreate) identityv3.ApplicationCredential {
	t.Helper()
	if body.Name == "" {
		body.Name = Name(t, "appcred")
	}
	resp, err := c.Raw().CreateApplicationCredentialWithResponse(Ctx(t), userID,
		identityv3.CreateApplicationCredentialJSONRequestBody{ApplicationCredential: body})
	ac := Created(t, resp, err).JSON201.ApplicationCredential
	later(t, func(ctx context.Context) error {
		_, err := c.Raw().DeleteApplicationCredentialWithResponse(ctx, userID, ac.ID)
		return err
	})
	return ac
}
