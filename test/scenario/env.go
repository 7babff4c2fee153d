package scenario

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"github.com/oapi-codegen/nullable"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

// Env is the server a scenario runs against.
type Env struct {
	// AuthURL is the server's v3 URL.
	AuthURL string
	// Admin authenticates as an administrator, scoped to a project.
	Admin auth.Password
	// Session returns a session for the plugin, with whatever the server
	// under test needs (its HTTP client, a validating transport).
	Session func(t testing.TB, plugin auth.Plugin) *auth.Session
}

// Scenario is one scenario of the suite.
type Scenario struct {
	Name string
	Run  func(t *testing.T, env Env)
}

// All is the suite, in the order it runs.
var All = []Scenario{
	{"TokenLifecycle", TokenLifecycle},
	{"TokenScopes", TokenScopes},
	{"ProjectHierarchyAndTags", ProjectHierarchyAndTags},
	{"UsersGroupsAndEffectiveRoles", UsersGroupsAndEffectiveRoles},
	{"ApplicationCredentials", ApplicationCredentials},
	{"Trusts", Trusts},
	{"CatalogControl", CatalogControl},
	{"DomainsAndCredentials", DomainsAndCredentials},
	{"Errors", Errors},
	{"UserLifecycle", UserLifecycle},
	{"InheritedAndImpliedRoles", InheritedAndImpliedRoles},
	{"ListFilters", ListFilters},
}

// Run runs every scenario as a subtest of t.
func Run(t *testing.T, env Env) {
	for _, sc := range All {
		t.Run(sc.Name, func(t *testing.T) { sc.Run(t, env) })
	}
}

// raw is the generated client behind an identity.Client: the scenarios call
// the operations through it.
func raw(c *identity.Client) *identityv3.ClientWithResponses { return c.Raw() }

// client returns the raw client of a session for plugin.
func (e Env) client(t testing.TB, plugin auth.Plugin) *identityv3.ClientWithResponses {
	c, err := identity.NewV3(e.Session(t, plugin))
	require.NoError(t, err)
	return raw(c)
}

// admin returns the raw client of the administrator.
func (e Env) admin(t testing.TB) *identityv3.ClientWithResponses {
	p := e.Admin
	return e.client(t, &p)
}

// access authenticates plugin and returns the token it got.
func (e Env) access(t testing.TB, plugin auth.Plugin) *auth.AccessInfo {
	t.Helper()
	a, err := e.Session(t, plugin).AccessInfo(ctx(t))
	require.NoError(t, err)
	return a
}

// authStatus is the status of authenticating plugin: 200 when it got a
// token, else the refusal's.
func (e Env) authStatus(t testing.TB, plugin auth.Plugin) int {
	t.Helper()
	_, err := e.Session(t, plugin).AccessInfo(ctx(t))
	return statusOf(t, err)
}

// password is the plugin of a user in the default domain.
func (e Env) password(userID, password string, scope auth.Scope) *auth.Password {
	return &auth.Password{AuthURL: e.AuthURL, UserID: userID, Password: password, Scope: scope}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// name is a resource name unique to the run.
func name(t testing.TB, prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	test := t.Name()
	if i := strings.LastIndex(test, "/"); i >= 0 {
		test = test[i+1:]
	}
	if len(test) > 20 {
		test = test[:20]
	}
	return prefix + "-" + test + "-" + hex.EncodeToString(b[:])
}

// later runs fn when the test ends; a not-found is fine (the test may have
// deleted it already).
func later(t testing.TB, fn func(ctx context.Context) error) {
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := fn(c); err != nil && !errors.Is(err, apierror.ErrNotFound) {
			t.Errorf("cleanup: %v", err)
		}
	})
}

// status is the HTTP status of a call's outcome: the answer's, or the
// typed error's.
func status(t testing.TB, resp interface{ StatusCode() int }, err error) int {
	t.Helper()
	if err != nil {
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae)
		return ae.StatusCode
	}
	return resp.StatusCode()
}

// statusOf is status for calls that give only an error.
func statusOf(t testing.TB, err error) int {
	t.Helper()
	if err == nil {
		return http.StatusOK
	}
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	return ae.StatusCode
}

func ptr[T any](v T) *T { return &v }

// fixture holds what the scenarios create, and deletes it at the end.
type fixture struct {
	t     *testing.T
	env   Env
	admin *identityv3.ClientWithResponses
}

func newFixture(t *testing.T, env Env) *fixture {
	return &fixture{t: t, env: env, admin: env.admin(t)}
}

// created checks that a create answered 201 and deletes what it made when
// the test ends.
func created[R interface{ StatusCode() int }](t testing.TB, resp R, err error, del func(context.Context) error) R {
	t.Helper()
	require.Equal(t, http.StatusCreated, status(t, resp, err))
	later(t, del)
	return resp
}

// deleted adapts a generated delete to later.
func deleted[R any, ID ~string](del func(context.Context, ID, ...identityv3.RequestEditorFn) (R, error), id ID) func(context.Context) error {
	return func(c context.Context) error {
		_, err := del(c, id)
		return err
	}
}

func (f *fixture) project(parentID string, tags ...string) identityv3.Project {
	f.t.Helper()
	body := identityv3.ProjectCreate{Name: name(f.t, "p"), DomainID: nullable.NewNullableWithValue("default"), Tags: tags}
	if parentID != "" {
		body.ParentID = nullable.NewNullableWithValue(parentID)
	}
	resp, err := f.admin.CreateProjectWithResponse(ctx(f.t), identityv3.ProjectCreateRequest{Project: body})
	return created(f.t, resp, err, func(c context.Context) error {
		return deleted(f.admin.DeleteProjectWithResponse, resp.JSON201.Project.ID)(c)
	}).JSON201.Project
}

func (f *fixture) user(password string) identityv3.User {
	f.t.Helper()
	resp, err := f.admin.CreateUserWithResponse(ctx(f.t), identityv3.UserCreateRequest{User: identityv3.UserCreate{
		Name: name(f.t, "u"), DomainID: ptr("default"), Password: nullable.NewNullableWithValue(password)}})
	return created(f.t, resp, err, func(c context.Context) error {
		return deleted(f.admin.DeleteUserWithResponse, resp.JSON201.User.ID)(c)
	}).JSON201.User
}

func (f *fixture) group() identityv3.Group {
	f.t.Helper()
	resp, err := f.admin.CreateGroupWithResponse(ctx(f.t), identityv3.GroupCreateRequest{Group: identityv3.GroupCreate{
		Name: name(f.t, "g"), DomainID: ptr("default")}})
	return created(f.t, resp, err, func(c context.Context) error {
		return deleted(f.admin.DeleteGroupWithResponse, resp.JSON201.Group.ID)(c)
	}).JSON201.Group
}

func (f *fixture) role() identityv3.Role {
	f.t.Helper()
	resp, err := f.admin.CreateRoleWithResponse(ctx(f.t), identityv3.RoleCreateRequest{Role: identityv3.RoleCreate{Name: name(f.t, "r")}})
	return created(f.t, resp, err, func(c context.Context) error {
		return deleted(f.admin.DeleteRoleWithResponse, resp.JSON201.Role.ID)(c)
	}).JSON201.Role
}

// roleID finds a global role by name.
func (f *fixture) roleID(roleName string) string {
	t := f.t
	t.Helper()
	resp, err := f.admin.ListRolesWithResponse(ctx(t), &identityv3.ListRolesParams{Name: &roleName})
	require.Equal(t, http.StatusOK, status(t, resp, err))
	require.Len(t, resp.JSON200.Roles, 1, "role %s", roleName)
	return resp.JSON200.Roles[0].ID
}

func (f *fixture) grantProject(projectID, userID, roleID string) {
	t := f.t
	t.Helper()
	resp, err := f.admin.GrantProjectUserRoleWithResponse(ctx(t), projectID, userID, roleID)
	require.Equal(t, http.StatusNoContent, status(t, resp, err))
}
