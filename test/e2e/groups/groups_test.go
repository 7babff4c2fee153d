package groups_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// member creates an enabled or disabled user with this name, deleted when
// the test ends.
func member(t *testing.T, c *identity.Client, name string, enabled bool) e2eutil.TestUser {
	t.Helper()
	return e2eutil.User(t, c, e2eutil.Body(identityv3.UserCreate{Name: name, Enabled: new(enabled)}))
}

func listGroupIDs(t *testing.T, c *identity.Client, params identityv3.ListGroupsParams) []string {
	t.Helper()
	resp, err := c.Raw().ListGroupsWithResponse(e2eutil.Ctx(t), &params)
	return e2eutil.IDs(e2eutil.OK(t, resp, err).JSON200.Groups)
}

func listMemberIDs(t *testing.T, c *identity.Client, groupID string, params identityv3.ListGroupUsersParams) []string {
	t.Helper()
	resp, err := c.Raw().ListGroupUsersWithResponse(e2eutil.Ctx(t), groupID, &params)
	return e2eutil.IDs(e2eutil.OK(t, resp, err).JSON200.Users)
}

func TestGroupCRUD(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	name := e2eutil.Name(t, "group")
	body := identityv3.GroupCreate{Name: name, Description: nullable.NewNullableWithValue("first description")}
	body.Set("team_channel", "#identity")
	group := e2eutil.Group(t, c, e2eutil.Body(body))

	assert.NotEmpty(t, group.ID)
	assert.Equal(t, name, group.Name)
	assert.Equal(t, "default", group.DomainID)
	require.NotNil(t, group.Description)
	assert.Equal(t, "first description", *group.Description)
	assert.Nil(t, group.MembershipExpiresAt, "only the groups of a user carry membership_expires_at")
	require.NotNil(t, group.Links.Self)
	assert.True(t, strings.HasSuffix(*group.Links.Self, "/groups/"+group.ID), *group.Links.Self)

	got, err := c.Raw().GetGroupWithResponse(ctx, group.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, got.StatusCode())
	assert.Equal(t, group.ID, got.JSON200.Group.ID)
	assert.Equal(t, "#identity", e2eutil.Extra(t, got.Body, "group", "team_channel"), "the extra attribute is kept")

	// The same name in the same domain is a conflict.
	_, err = c.Raw().CreateGroupWithResponse(ctx, identityv3.CreateGroupJSONRequestBody{
		Group: identityv3.GroupCreate{Name: name},
	})
	require.ErrorIs(t, err, apierror.ErrConflict)

	newName := e2eutil.Name(t, "renamed")
	updated, err := c.Raw().UpdateGroupWithResponse(ctx, group.ID, identityv3.UpdateGroupJSONRequestBody{
		Group: identityv3.GroupUpdate{Name: new(newName), Description: nullable.NewNullNullable[string]()},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, updated.StatusCode())
	assert.Equal(t, newName, updated.JSON200.Group.Name)
	assert.Nil(t, updated.JSON200.Group.Description, "null cleared the description")

	// Renaming onto another group's name is a conflict too.
	other := e2eutil.Group(t, c, e2eutil.Prefix("other"))
	_, err = c.Raw().UpdateGroupWithResponse(ctx, group.ID, identityv3.UpdateGroupJSONRequestBody{
		Group: identityv3.GroupUpdate{Name: new(other.Name)},
	})
	require.ErrorIs(t, err, apierror.ErrConflict)

	e2eutil.RequireDeleted(t, c.Raw().DeleteGroupWithResponse, c.Raw().GetGroupWithResponse, group.ID)
}

func TestListGroupsFilters(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)

	stem := e2eutil.Name(t, "glist")
	red := e2eutil.Group(t, c, e2eutil.Named(stem+"-red"))
	blue := e2eutil.Group(t, c, e2eutil.Named(stem+"-blue"))
	both := []string{red.ID, blue.ID}

	assert.Equal(t, []string{red.ID}, listGroupIDs(t, c, identityv3.ListGroupsParams{Name: new(red.Name)}))
	assert.Equal(t, []string{red.ID}, listGroupIDs(t, c, identityv3.ListGroupsParams{Name: new(red.Name), DomainID: new("default")}))
	if e2eutil.ReleaseIs(t, e2eutil.Epoxy) {
		// Epoxy checks the query against a schema that has no inexact forms.
		for _, params := range []identityv3.ListGroupsParams{
			{NameContains: new(stem)}, {NameIcontains: new(stem)}, {NameStartswith: new(stem)},
			{NameEndswith: new("-blue")}, {NameEquals: new(red.Name)},
		} {
			_, err := c.Raw().ListGroupsWithResponse(e2eutil.Ctx(t), &params)
			require.ErrorIs(t, err, apierror.ErrBadRequest, "%+v", params)
		}
		return
	}
	assert.ElementsMatch(t, both, listGroupIDs(t, c, identityv3.ListGroupsParams{NameContains: new(stem)}))
	assert.Empty(t, listGroupIDs(t, c, identityv3.ListGroupsParams{NameContains: new(strings.ToUpper(stem))}),
		"name__contains is case-sensitive")
	assert.ElementsMatch(t, both, listGroupIDs(t, c, identityv3.ListGroupsParams{NameIcontains: new(strings.ToUpper(stem))}))
	assert.Equal(t, []string{blue.ID}, listGroupIDs(t, c, identityv3.ListGroupsParams{
		NameStartswith: new(stem),
		NameEndswith:   new("-blue"),
	}))
	assert.Equal(t, []string{red.ID}, listGroupIDs(t, c, identityv3.ListGroupsParams{NameEquals: new(red.Name)}))
	assert.ElementsMatch(t, both, listGroupIDs(t, c, identityv3.ListGroupsParams{NameContains: new(stem), DomainID: new("default")}))
	assert.Empty(t, listGroupIDs(t, c, identityv3.ListGroupsParams{NameContains: new(stem), DomainID: new(e2eutil.Name(t, "nodomain"))}))
}

func TestGroupMembership(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	group := e2eutil.Group(t, c, e2eutil.Prefix("members"))
	stem := e2eutil.Name(t, "gmember")
	alice := member(t, c, stem+"-alice", true)
	bob := member(t, c, stem+"-bob", false)

	// Not a member yet: HEAD and GET both answer 404.
	_, err := c.Raw().CheckUserInGroupWithResponse(ctx, group.ID, alice.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = c.Raw().GetUserInGroupWithResponse(ctx, group.ID, alice.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)

	for _, u := range []e2eutil.TestUser{alice, bob} {
		added, err := c.Raw().AddUserToGroupWithResponse(ctx, group.ID, u.ID)
		require.NoError(t, err)
		assert.Equal(t, http.StatusNoContent, added.StatusCode())
	}
	// Adding again is not an error.
	_, err = c.Raw().AddUserToGroupWithResponse(ctx, group.ID, alice.ID)
	require.NoError(t, err)

	checked, err := c.Raw().CheckUserInGroupWithResponse(ctx, group.ID, alice.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, checked.StatusCode())
	gotten, err := c.Raw().GetUserInGroupWithResponse(ctx, group.ID, bob.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, gotten.StatusCode())

	assert.ElementsMatch(t, []string{alice.ID, bob.ID}, listMemberIDs(t, c, group.ID, identityv3.ListGroupUsersParams{}))
	assert.Equal(t, []string{alice.ID}, listMemberIDs(t, c, group.ID, identityv3.ListGroupUsersParams{Name: new(alice.Name)}))
	assert.Equal(t, []string{bob.ID}, listMemberIDs(t, c, group.ID, identityv3.ListGroupUsersParams{NameContains: new("-bob")}))
	assert.Equal(t, []string{alice.ID}, listMemberIDs(t, c, group.ID, identityv3.ListGroupUsersParams{NameIendswith: new("-ALICE")}))
	assert.Equal(t, []string{alice.ID}, listMemberIDs(t, c, group.ID, identityv3.ListGroupUsersParams{Enabled: new(true)}))
	assert.Equal(t, []string{bob.ID}, listMemberIDs(t, c, group.ID, identityv3.ListGroupUsersParams{Enabled: new(false)}))
	assert.ElementsMatch(t, []string{alice.ID, bob.ID}, listMemberIDs(t, c, group.ID, identityv3.ListGroupUsersParams{DomainID: new("default")}))
	// Neither password expires, and such a password matches no comparison;
	// an unknown operator is refused.
	assert.Empty(t, listMemberIDs(t, c, group.ID, identityv3.ListGroupUsersParams{PasswordExpiresAt: new("gte:2000-01-01T00:00:00Z")}))
	assert.Empty(t, listMemberIDs(t, c, group.ID, identityv3.ListGroupUsersParams{PasswordExpiresAt: new("lt:2999-01-01T00:00:00Z")}))
	_, err = c.Raw().ListGroupUsersWithResponse(ctx, group.ID, &identityv3.ListGroupUsersParams{PasswordExpiresAt: new("soon:2000-01-01T00:00:00Z")})
	require.ErrorIs(t, err, apierror.ErrBadRequest)

	removed, err := c.Raw().RemoveUserFromGroupWithResponse(ctx, group.ID, alice.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, removed.StatusCode())
	_, err = c.Raw().CheckUserInGroupWithResponse(ctx, group.ID, alice.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = c.Raw().RemoveUserFromGroupWithResponse(ctx, group.ID, alice.ID)
	require.ErrorIs(t, err, apierror.ErrNotFound, "removing a non-member")
	assert.Equal(t, []string{bob.ID}, listMemberIDs(t, c, group.ID, identityv3.ListGroupUsersParams{}))

	// Unknown users and groups.
	_, err = c.Raw().AddUserToGroupWithResponse(ctx, group.ID, e2eutil.Name(t, "ghost"))
	require.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = c.Raw().ListGroupUsersWithResponse(ctx, e2eutil.Name(t, "ghost"), nil)
	require.ErrorIs(t, err, apierror.ErrNotFound)
}
