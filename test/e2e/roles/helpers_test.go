package roles_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// e2eutil.Cleanup ignores not-found errors, so cleanups may run after the
// test deleted the resource itself.

// createRole creates a role (domain-specific when domainID is not empty) and
// deletes it when the test ends, after the inference rules that name it and
// after clearing options.immutable if the test left it set.
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
		if err := deleteRulesOf(ctx, c, role.ID); err != nil {
			return err
		}
		_, err := c.DeleteRoleWithResponse(ctx, role.ID)
		if errors.Is(err, apierror.ErrForbidden) {
			_, err = c.UpdateRoleWithResponse(ctx, role.ID, identityv3.UpdateRoleJSONRequestBody{
				Role: identityv3.RoleUpdate{Options: &identityv3.RoleOptionsUpdate{Immutable: nullable.NewNullNullable[bool]()}},
			})
			if err == nil {
				_, err = c.DeleteRoleWithResponse(ctx, role.ID)
			}
		}
		return err
	})
	return role
}

// deleteRulesOf deletes every inference rule that names the role. Keystone
// relies on a foreign-key cascade to drop them with the role, which sqlite
// (the test server's database) does not enforce: a rule left behind names a
// role that no longer exists, and GET /v3/role_inferences then fails for
// everyone.
func deleteRulesOf(ctx context.Context, c *identity.Client, roleID string) error {
	resp, err := c.ListRoleInferencesWithResponse(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, rule := range resp.JSON200.RoleInferences {
		for _, implied := range rule.Implies {
			if rule.PriorRole.ID != roleID && implied.ID != roleID {
				continue
			}
			_, err := c.DeleteImpliedRoleWithResponse(ctx, rule.PriorRole.ID, implied.ID)
			if !errors.Is(err, apierror.ErrNotFound) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
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

func inferenceRoleIDs(roles []identityv3.InferenceRole) []string {
	ids := make([]string, 0, len(roles))
	for _, r := range roles {
		ids = append(ids, r.ID)
	}
	return ids
}

// tokenRoleNames are the names of the roles a token carries.
func tokenRoleNames(tok *identityv3.Token) []string {
	var names []string
	for _, r := range tok.Roles {
		if r.Name != nil {
			names = append(names, *r.Name)
		}
	}
	slices.Sort(names)
	return names
}
