package users_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// ignoreNotFound lets a cleanup succeed when the test already deleted the
// resource itself.
func ignoreNotFound(err error) error {
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	return err
}

// createUser creates the user and deletes it when the test ends.
func createUser(t *testing.T, c *identity.Client, body identityv3.UserCreate) identityv3.User {
	t.Helper()
	resp, err := c.CreateUserWithResponse(e2eutil.Ctx(t), identityv3.CreateUserJSONRequestBody{User: body})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	user := resp.JSON201.User
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteUserWithResponse(ctx, user.ID)
		return ignoreNotFound(err)
	})
	return user
}

// createGroup creates a group in the default domain and deletes it when the
// test ends.
func createGroup(t *testing.T, c *identity.Client, name string) identityv3.Group {
	t.Helper()
	resp, err := c.CreateGroupWithResponse(e2eutil.Ctx(t), identityv3.CreateGroupJSONRequestBody{
		Group: identityv3.GroupCreate{Name: name},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	group := resp.JSON201.Group
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteGroupWithResponse(ctx, group.ID)
		return ignoreNotFound(err)
	})
	return group
}

// createProject creates a project in the default domain and deletes it when
// the test ends.
func createProject(t *testing.T, c *identity.Client, name string) identityv3.Project {
	t.Helper()
	resp, err := c.CreateProjectWithResponse(e2eutil.Ctx(t), identityv3.CreateProjectJSONRequestBody{
		Project: identityv3.ProjectCreate{Name: name},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	project := resp.JSON201.Project
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteProjectWithResponse(ctx, project.ID)
		return ignoreNotFound(err)
	})
	return project
}

// roleID is the id of the role with this name (bootstrap creates "member").
func roleID(t *testing.T, c *identity.Client, name string) string {
	t.Helper()
	resp, err := c.ListRolesWithResponse(e2eutil.Ctx(t), &identityv3.ListRolesParams{Name: &name})
	require.NoError(t, err)
	require.Len(t, resp.JSON200.Roles, 1, "role %q", name)
	return resp.JSON200.Roles[0].ID
}

// grantMember gives the user the member role on the project; deleting the
// user or the project removes the assignment with it.
func grantMember(t *testing.T, c *identity.Client, projectID, userID string) {
	t.Helper()
	resp, err := c.GrantProjectUserRoleWithResponse(e2eutil.Ctx(t), projectID, userID, roleID(t, c, "member"))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, resp.StatusCode())
}

// listUserIDs lists users with the filters and returns their ids.
func listUserIDs(t *testing.T, c *identity.Client, params identityv3.ListUsersParams) []string {
	t.Helper()
	resp, err := c.ListUsersWithResponse(e2eutil.Ctx(t), &params)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode())
	ids := make([]string, 0, len(resp.JSON200.Users))
	for _, u := range resp.JSON200.Users {
		ids = append(ids, u.ID)
	}
	return ids
}
