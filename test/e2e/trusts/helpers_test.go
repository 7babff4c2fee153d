package trusts_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func ignoreNotFound(err error) error {
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	return err
}

func ptr[T any](v T) *T { return &v }

// createProject creates a project in the default domain, deleted when the test ends.
func createProject(t *testing.T, c *identity.Client) identityv3.Project {
	t.Helper()
	resp, err := c.CreateProjectWithResponse(e2eutil.Ctx(t), identityv3.CreateProjectJSONRequestBody{
		Project: identityv3.ProjectCreate{Name: e2eutil.Name(t, "trust-p")},
	})
	require.NoError(t, err)
	p := resp.JSON201.Project
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteProjectWithResponse(ctx, p.ID)
		return ignoreNotFound(err)
	})
	return p
}

// user is a user the test can log in as.
type user struct {
	ID, Password string
}

// createUser creates a user in the default domain, deleted when the test ends.
func createUser(t *testing.T, c *identity.Client, prefix string) user {
	t.Helper()
	u := user{Password: "pw-" + e2eutil.Name(t, "x")}
	resp, err := c.CreateUserWithResponse(e2eutil.Ctx(t), identityv3.CreateUserJSONRequestBody{
		User: identityv3.UserCreate{Name: e2eutil.Name(t, prefix), Password: &u.Password},
	})
	require.NoError(t, err)
	u.ID = resp.JSON201.User.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteUserWithResponse(ctx, u.ID)
		return ignoreNotFound(err)
	})
	return u
}

// roleID is the id of the role with this name (bootstrap creates member and reader).
func roleID(t *testing.T, c *identity.Client, name string) string {
	t.Helper()
	resp, err := c.ListRolesWithResponse(e2eutil.Ctx(t), &identityv3.ListRolesParams{Name: &name})
	require.NoError(t, err)
	require.Len(t, resp.JSON200.Roles, 1, "role %q", name)
	return resp.JSON200.Roles[0].ID
}

// grant gives the user the role on the project; deleting either removes it.
func grant(t *testing.T, c *identity.Client, projectID, userID, roleID string) {
	t.Helper()
	resp, err := c.GrantProjectUserRoleWithResponse(e2eutil.Ctx(t), projectID, userID, roleID)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, resp.StatusCode())
}

// login returns a validating session and client of u with the scope.
func login(t *testing.T, u user, scope auth.Scope) (*auth.Session, *identity.Client) {
	t.Helper()
	sess := e2eutil.Session(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: u.ID, Password: u.Password, Scope: scope})
	return sess, e2eutil.Client(t, sess)
}

// createTrust creates a trust through c, deleted when the test ends.
func createTrust(t *testing.T, c *identity.Client, body identityv3.TrustCreate) identityv3.Trust {
	t.Helper()
	resp, err := c.CreateTrustWithResponse(e2eutil.Ctx(t), identityv3.CreateTrustJSONRequestBody{Trust: body})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	tr := resp.JSON201.Trust
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteTrustWithResponse(ctx, tr.ID)
		return ignoreNotFound(err)
	})
	return tr
}

func trustIDs(trusts []identityv3.Trust) []string {
	ids := make([]string, 0, len(trusts))
	for _, tr := range trusts {
		ids = append(ids, tr.ID)
	}
	return ids
}
