package roles_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func TestRoleCRUD(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	name := e2eutil.Name(t, "role")
	created, err := c.Raw().CreateRoleWithResponse(ctx, identityv3.CreateRoleJSONRequestBody{
		Role: identityv3.RoleCreate{Name: name, Description: new("first description")},
	})
	role := e2eutil.Created(t, created, err).JSON201.Role
	e2eutil.DeleteLater(t, c.Raw().DeleteRoleWithResponse, role.ID)
	assert.NotEmpty(t, role.ID)
	assert.Equal(t, name, role.Name)
	assert.Nil(t, role.DomainID, "a role created without domain_id is global")
	require.NotNil(t, role.Description)
	assert.Equal(t, "first description", *role.Description)
	require.NotNil(t, role.Links.Self)
	assert.True(t, strings.HasSuffix(*role.Links.Self, "/roles/"+role.ID), *role.Links.Self)

	got, err := c.Raw().GetRoleWithResponse(ctx, role.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, got.StatusCode())
	assert.Equal(t, role.ID, got.JSON200.Role.ID)
	assert.Equal(t, name, got.JSON200.Role.Name)

	// A second role with the same name is a conflict.
	_, err = c.Raw().CreateRoleWithResponse(ctx, identityv3.CreateRoleJSONRequestBody{Role: identityv3.RoleCreate{Name: name}})
	require.ErrorIs(t, err, apierror.ErrConflict)

	newName := e2eutil.Name(t, "renamed")
	updated, err := c.Raw().UpdateRoleWithResponse(ctx, role.ID, identityv3.UpdateRoleJSONRequestBody{
		Role: identityv3.RoleUpdate{Name: new(newName), Description: new("second description")},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, updated.StatusCode())
	assert.Equal(t, newName, updated.JSON200.Role.Name)
	require.NotNil(t, updated.JSON200.Role.Description)
	assert.Equal(t, "second description", *updated.JSON200.Role.Description)

	// Keystone's schema wants at least one attribute in an update.
	_, err = c.Raw().UpdateRoleWithResponse(ctx, role.ID, identityv3.UpdateRoleJSONRequestBody{})
	require.ErrorIs(t, err, apierror.ErrBadRequest)

	e2eutil.RequireDeleted(t, c.Raw().DeleteRoleWithResponse, c.Raw().GetRoleWithResponse, role.ID)
}

func TestRoleImmutableOption(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	role := e2eutil.Role(t, c, e2eutil.Prefix("immutable"))

	setImmutable := func(v nullable.Nullable[bool]) identityv3.Role {
		t.Helper()
		resp, err := c.Raw().UpdateRoleWithResponse(ctx, role.ID, identityv3.UpdateRoleJSONRequestBody{
			Role: identityv3.RoleUpdate{Options: &identityv3.RoleOptionsUpdate{Immutable: v}},
		})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode())
		return resp.JSON200.Role
	}

	r := setImmutable(nullable.NewNullableWithValue(true))
	require.NotNil(t, r.Options)
	require.NotNil(t, r.Options.Immutable)
	assert.True(t, *r.Options.Immutable)

	// An immutable role can be neither changed nor deleted.
	_, err := c.Raw().UpdateRoleWithResponse(ctx, role.ID, identityv3.UpdateRoleJSONRequestBody{
		Role: identityv3.RoleUpdate{Description: new("not allowed")},
	})
	require.ErrorIs(t, err, apierror.ErrForbidden)
	_, err = c.Raw().DeleteRoleWithResponse(ctx, role.ID)
	require.ErrorIs(t, err, apierror.ErrForbidden)

	// null removes the option altogether (it is not the same as false).
	r = setImmutable(nullable.NewNullNullable[bool]())
	if r.Options != nil {
		assert.Nil(t, r.Options.Immutable, "immutable: null removes the option")
	}

	resp, err := c.Raw().DeleteRoleWithResponse(ctx, role.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode())
}

func TestListRolesFilters(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	domain := e2eutil.Domain(t, c)
	global := e2eutil.Role(t, c, e2eutil.Prefix("listglobal"))
	specific := e2eutil.Role(t, c, e2eutil.Prefix("listdomain"), e2eutil.InDomain(domain.ID))

	require.NotNil(t, specific.DomainID)
	assert.Equal(t, domain.ID, *specific.DomainID)

	byName, err := c.Raw().ListRolesWithResponse(ctx, &identityv3.ListRolesParams{Name: new(global.Name)})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, byName.StatusCode())
	assert.Equal(t, []string{global.ID}, e2eutil.IDs(byName.JSON200.Roles))

	// Without domain_id Keystone lists only global roles, so a
	// domain-specific role is not found by its name alone...
	specificByName, err := c.Raw().ListRolesWithResponse(ctx, &identityv3.ListRolesParams{Name: new(specific.Name)})
	require.NoError(t, err)
	assert.Empty(t, specificByName.JSON200.Roles)

	// ...but it is with its domain, and the domain holds nothing else.
	inDomain, err := c.Raw().ListRolesWithResponse(ctx, &identityv3.ListRolesParams{DomainID: new(domain.ID)})
	require.NoError(t, err)
	assert.Equal(t, []string{specific.ID}, e2eutil.IDs(inDomain.JSON200.Roles))
	both, err := c.Raw().ListRolesWithResponse(ctx, &identityv3.ListRolesParams{DomainID: new(domain.ID), Name: new(specific.Name)})
	require.NoError(t, err)
	assert.Equal(t, []string{specific.ID}, e2eutil.IDs(both.JSON200.Roles))

	// An inexact form of the name filter: every role whose name starts with
	// all but the last characters of the global role's name.
	prefix := global.Name[:len(global.Name)-3]
	starts, err := c.Raw().ListRolesWithResponse(ctx, &identityv3.ListRolesParams{NameStartswith: new(prefix)})
	if e2eutil.ReleaseIs(t, e2eutil.Epoxy) {
		// Epoxy checks the query against a schema that has no inexact forms.
		require.ErrorIs(t, err, apierror.ErrBadRequest)
		_, err = c.Raw().ListRolesWithResponse(ctx, &identityv3.ListRolesParams{NameContains: new(prefix)})
		require.ErrorIs(t, err, apierror.ErrBadRequest)
	} else {
		require.NoError(t, err)
		assert.Contains(t, e2eutil.IDs(starts.JSON200.Roles), global.ID)
		assert.NotContains(t, e2eutil.IDs(starts.JSON200.Roles), specific.ID)
		for _, r := range starts.JSON200.Roles {
			assert.True(t, strings.HasPrefix(r.Name, prefix), r.Name)
		}
	}

	all, err := c.Raw().ListRolesWithResponse(ctx, nil)
	require.NoError(t, err)
	assert.Contains(t, e2eutil.IDs(all.JSON200.Roles), global.ID)
	assert.NotContains(t, e2eutil.IDs(all.JSON200.Roles), specific.ID)
	require.NotNil(t, all.JSON200.Links)
	assert.Nil(t, all.JSON200.Links.Next, "one page")
}
