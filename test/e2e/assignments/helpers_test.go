package assignments_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// e2eutil.Cleanup ignores not-found errors, so cleanups may run after the
// test deleted the resource itself.

// createRole creates a role (domain-specific when domainID is not empty) and
// deletes it when the test ends, clearing options.immutable first in case the
// test left it set.
func createRole(t *testing.T, c *identity.Client, prefix, domainID string) identityv3.Role {
	t.Helper()
	body := identityv3.RoleCreate{Name: e2eutil.Name(t, prefix)}
	if domainID != "" {
		body.DomainID = new(domainID)
	}
	resp, err := c.CreateRoleWithResponse(e2eutil.Ctx(t), identityv3.CreateRoleJSONRequestBody{Role: body})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	role := resp.JSON201.Role
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		if role.Options != nil && role.Options.Immutable != nil {
			_, _ = c.UpdateRoleWithResponse(ctx, role.ID, identityv3.UpdateRoleJSONRequestBody{
				Role: identityv3.RoleUpdate{Options: &identityv3.RoleOptionsUpdate{Immutable: nullable.NewNullNullable[bool]()}},
			})
		}
		_, err := c.DeleteRoleWithResponse(ctx, role.ID)
		return err
	})
	return role
}

// createDomain creates an enabled domain and, when the test ends, disables
// and deletes it (Keystone refuses to delete an enabled domain); deleting a
// domain deletes its projects, users, groups and roles with it.
func createDomain(t *testing.T, c *identity.Client) identityv3.Domain {
	t.Helper()
	resp, err := c.CreateDomainWithResponse(e2eutil.Ctx(t), identityv3.CreateDomainJSONRequestBody{
		Domain: identityv3.DomainCreate{Name: e2eutil.Name(t, "dom")},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	domain := resp.JSON201.Domain
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.UpdateDomainWithResponse(ctx, domain.ID, identityv3.UpdateDomainJSONRequestBody{
			Domain: identityv3.DomainUpdate{Enabled: new(false)},
		})
		if err != nil {
			return err
		}
		_, err = c.DeleteDomainWithResponse(ctx, domain.ID)
		return err
	})
	return domain
}

// createProject creates a project in the domain ("" for the default domain)
// and deletes it when the test ends.
func createProject(t *testing.T, c *identity.Client, domainID string) identityv3.Project {
	t.Helper()
	body := identityv3.ProjectCreate{Name: e2eutil.Name(t, "proj")}
	if domainID != "" {
		body.DomainID = new(domainID)
	}
	resp, err := c.CreateProjectWithResponse(e2eutil.Ctx(t), identityv3.CreateProjectJSONRequestBody{Project: body})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	project := resp.JSON201.Project
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteProjectWithResponse(ctx, project.ID)
		return err
	})
	return project
}

// createUser creates a user with a password in the domain ("" for the
// default domain) and deletes it when the test ends.
func createUser(t *testing.T, c *identity.Client, domainID, password string) identityv3.User {
	t.Helper()
	body := identityv3.UserCreate{Name: e2eutil.Name(t, "user"), Password: new(password)}
	if domainID != "" {
		body.DomainID = new(domainID)
	}
	resp, err := c.CreateUserWithResponse(e2eutil.Ctx(t), identityv3.CreateUserJSONRequestBody{User: body})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	user := resp.JSON201.User
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteUserWithResponse(ctx, user.ID)
		return err
	})
	return user
}

// grantProjectUserRole grants a role to a user on a project and revokes it
// when the test ends.
func grantProjectUserRole(t *testing.T, c *identity.Client, projectID, userID, roleID string) {
	t.Helper()
	resp, err := c.GrantProjectUserRoleWithResponse(e2eutil.Ctx(t), projectID, userID, roleID)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, resp.StatusCode())
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.RevokeProjectUserRoleWithResponse(ctx, projectID, userID, roleID)
		return err
	})
}

func roleIDs(roles []identityv3.Role) []string {
	ids := make([]string, 0, len(roles))
	for _, r := range roles {
		ids = append(ids, r.ID)
	}
	return ids
}

// createGroup creates a group in the domain ("" for the default domain) and
// deletes it when the test ends.
func createGroup(t *testing.T, c *identity.Client, domainID string) identityv3.Group {
	t.Helper()
	body := identityv3.GroupCreate{Name: e2eutil.Name(t, "group")}
	if domainID != "" {
		body.DomainID = new(domainID)
	}
	resp, err := c.CreateGroupWithResponse(e2eutil.Ctx(t), identityv3.CreateGroupJSONRequestBody{Group: body})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	group := resp.JSON201.Group
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteGroupWithResponse(ctx, group.ID)
		return err
	})
	return group
}

// addUserToGroup makes the user a member of the group until the test ends.
func addUserToGroup(t *testing.T, c *identity.Client, groupID, userID string) {
	t.Helper()
	resp, err := c.AddUserToGroupWithResponse(e2eutil.Ctx(t), groupID, userID)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, resp.StatusCode())
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.RemoveUserFromGroupWithResponse(ctx, groupID, userID)
		return err
	})
}
