package scenario

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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
}

// Run runs every scenario as a subtest of t.
func Run(t *testing.T, env Env) {
	for _, sc := range All {
		t.Run(sc.Name, func(t *testing.T) { sc.Run(t, env) })
	}
}

// raw is the generated client behind an identity.Client: the scenarios call
// the operations through it.
func raw(c *identity.Client) *identityv3.ClientWithResponses { return c.ClientWithResponses }

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

func (f *fixture) project(parentID string, tags ...string) identityv3.Project {
	t := f.t
	t.Helper()
	body := identityv3.ProjectCreate{Name: name(t, "p"), DomainID: ptr("default"), Tags: tags}
	if parentID != "" {
		body.ParentID = &parentID
	}
	resp, err := f.admin.CreateProjectWithResponse(ctx(t), identityv3.ProjectCreateRequest{Project: body})
	require.Equal(t, http.StatusCreated, status(t, resp, err))
	p := resp.JSON201.Project
	later(t, func(c context.Context) error {
		_, err := f.admin.DeleteProjectWithResponse(c, p.ID)
		return err
	})
	return p
}

func (f *fixture) user(password string) identityv3.User {
	t := f.t
	t.Helper()
	resp, err := f.admin.CreateUserWithResponse(ctx(t), identityv3.UserCreateRequest{User: identityv3.UserCreate{
		Name: name(t, "u"), DomainID: ptr("default"), Password: &password}})
	require.Equal(t, http.StatusCreated, status(t, resp, err))
	u := resp.JSON201.User
	later(t, func(c context.Context) error {
		_, err := f.admin.DeleteUserWithResponse(c, u.ID)
		return err
	})
	return u
}

func (f *fixture) group() identityv3.Group {
	t := f.t
	t.Helper()
	resp, err := f.admin.CreateGroupWithResponse(ctx(t), identityv3.GroupCreateRequest{Group: identityv3.GroupCreate{
		Name: name(t, "g"), DomainID: ptr("default")}})
	require.Equal(t, http.StatusCreated, status(t, resp, err))
	g := resp.JSON201.Group
	later(t, func(c context.Context) error {
		_, err := f.admin.DeleteGroupWithResponse(c, g.ID)
		return err
	})
	return g
}

func (f *fixture) role() identityv3.Role {
	t := f.t
	t.Helper()
	resp, err := f.admin.CreateRoleWithResponse(ctx(t), identityv3.RoleCreateRequest{Role: identityv3.RoleCreate{Name: name(t, "r")}})
	require.Equal(t, http.StatusCreated, status(t, resp, err))
	r := resp.JSON201.Role
	later(t, func(c context.Context) error {
		_, err := f.admin.DeleteRoleWithResponse(c, r.ID)
		return err
	})
	return r
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
