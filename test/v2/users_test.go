package v2_test

import (
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv2"
)

func roleNamesOn(t *testing.T, e *env, tenantID, userID string) []string {
	t.Helper()
	resp, err := e.admin.ListTenantUserRolesWithResponse(t.Context(), tenantID, userID)
	requireStatus(t, http.StatusOK, resp, err)
	names := []string{}
	for _, r := range resp.JSON200.Roles {
		names = append(names, r.Name)
	}
	return names
}

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	home := e.ks.AddTenant("home")

	created, err := e.admin.CreateUserWithResponse(ctx, identityv2.UserCreateEnvelope{User: identityv2.UserCreate{
		Name: new("new-user"), Password: nullable.NewNullableWithValue("pw-1"), Email: nullable.NewNullableWithValue("new-user@example.com"), TenantID: nullable.NewNullableWithValue(home),
	}})
	requireStatus(t, http.StatusOK, created, err)
	u := created.JSON200.User
	assert.Equal(t, "new-user", *u.Username, "v2.0 adds username as a copy of name")
	assert.Equal(t, home, *u.TenantID)
	assert.True(t, *u.Enabled)
	assert.Equal(t, []string{"_member_"}, roleNamesOn(t, e, home, u.ID), "Keystone makes the user a member of its tenant")

	dup, err := e.admin.CreateUserWithResponse(ctx, identityv2.UserCreateEnvelope{User: identityv2.UserCreate{Username: new("new-user")}})
	requireStatus(t, http.StatusConflict, dup, err)
	noTenant, err := e.admin.CreateUserWithResponse(ctx, identityv2.UserCreateEnvelope{User: identityv2.UserCreate{
		Name: new("other"), TenantID: nullable.NewNullableWithValue("no-such-tenant")}})
	requireStatus(t, http.StatusNotFound, noTenant, err)

	got, err := e.admin.GetUserWithResponse(ctx, u.ID)
	requireStatus(t, http.StatusOK, got, err)
	assert.Equal(t, u, got.JSON200.User)

	list, err := e.admin.ListUsersWithResponse(ctx, nil)
	requireStatus(t, http.StatusOK, list, err)
	var names []string
	for _, x := range *list.JSON200.Users {
		names = append(names, *x.Name)
	}
	assert.Equal(t, []string{"admin", "new-user"}, names)

	byName, err := e.admin.ListUsersWithResponse(ctx, &identityv2.ListUsersParams{Name: new("new-user")})
	requireStatus(t, http.StatusOK, byName, err)
	require.NotNil(t, byName.JSON200.User)
	assert.Equal(t, u.ID, byName.JSON200.User.ID)

	updated, err := e.admin.UpdateUserWithResponse(ctx, u.ID, identityv2.UserUpdateEnvelope{User: identityv2.UserUpdate{
		Email: nullable.NewNullableWithValue("updated@example.org"), Name: new("renamed"),
	}})
	requireStatus(t, http.StatusOK, updated, err)
	assert.Equal(t, "updated@example.org", *updated.JSON200.User.Email)
	assert.Equal(t, "renamed", *updated.JSON200.User.Username)
	e.login(t, "renamed", "pw-1", "home")

	deleted, err := e.admin.DeleteUserWithResponse(ctx, u.ID)
	requireStatus(t, http.StatusNoContent, deleted, err)
	got, err = e.admin.GetUserWithResponse(ctx, u.ID)
	requireStatus(t, http.StatusNotFound, got, err)
	deleted, err = e.admin.DeleteUserWithResponse(ctx, u.ID)
	requireStatus(t, http.StatusNotFound, deleted, err)
}

func TestUserAdminCallsNeedTheAdminRole(t *testing.T) {
	e := newEnv(t)
	tenant := e.ks.AddTenant("plain")
	e.ks.AddUser("liz", "liz-pw", tenant)
	liz := e.client(t, e.login(t, "liz", "liz-pw", "plain").Token.ID)

	resp, err := liz.ListUsersWithResponse(t.Context(), nil)
	requireStatus(t, http.StatusForbidden, resp, err)
	assert.Equal(t, http.StatusForbidden, errorOf(t, resp).Error.Code)
	resp, err = e.anon.ListUsersWithResponse(t.Context(), nil)
	requireStatus(t, http.StatusUnauthorized, resp, err)
}

func TestSetUserEnabledPasswordAndTenant(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	first := e.ks.AddTenant("first")
	second := e.ks.AddTenant("second")
	mo := e.ks.AddUser("mo", "mo-pw", first)
	token := e.login(t, "mo", "mo-pw", "first").Token.ID

	disabled, err := e.admin.SetUserEnabledWithResponse(ctx, mo, identityv2.UserEnabledEnvelope{User: identityv2.UserEnabledUpdate{Enabled: false}})
	requireStatus(t, http.StatusOK, disabled, err)
	assert.False(t, *disabled.JSON200.User.Enabled)
	assert.False(t, e.ks.TokenValid(token), "disabling a user revokes its tokens")
	auth := identityv2.AuthRequest{Auth: identityv2.Auth{PasswordCredentials: &identityv2.PasswordCredentials{
		Username: new("mo"), Password: "mo-pw"}}}
	refused, err := e.anon.IssueTokenWithResponse(ctx, auth)
	requireStatus(t, http.StatusUnauthorized, refused, err)

	enabled, err := e.admin.SetUserEnabledWithResponse(ctx, mo, identityv2.UserEnabledEnvelope{User: identityv2.UserEnabledUpdate{Enabled: true}})
	requireStatus(t, http.StatusOK, enabled, err)
	token = e.login(t, "mo", "mo-pw", "").Token.ID

	pw, err := e.admin.SetUserPasswordWithResponse(ctx, mo, identityv2.UserPasswordEnvelope{User: identityv2.UserPasswordUpdate{Password: new("mo-pw-2")}})
	requireStatus(t, http.StatusOK, pw, err)
	assert.False(t, e.ks.TokenValid(token), "a new password revokes the user's tokens")
	refused, err = e.anon.IssueTokenWithResponse(ctx, auth)
	requireStatus(t, http.StatusUnauthorized, refused, err)
	// The extension's own spelling of the field works too.
	pw, err = e.admin.SetUserPasswordWithResponse(ctx, mo, identityv2.UserPasswordEnvelope{User: identityv2.UserPasswordUpdate{OSKSADMPassword: new("mo-pw-3")}})
	requireStatus(t, http.StatusOK, pw, err)
	e.login(t, "mo", "mo-pw-3", "")

	moved, err := e.admin.SetUserTenantWithResponse(ctx, mo, identityv2.UserTenantEnvelope{User: identityv2.UserTenantUpdate{TenantID: second}})
	requireStatus(t, http.StatusOK, moved, err)
	assert.Equal(t, second, *moved.JSON200.User.TenantID)
	assert.Empty(t, roleNamesOn(t, e, first, mo), "the member role left the old tenant")
	assert.Equal(t, []string{"_member_"}, roleNamesOn(t, e, second, mo))

	missing, err := e.admin.SetUserTenantWithResponse(ctx, mo, identityv2.UserTenantEnvelope{User: identityv2.UserTenantUpdate{TenantID: "nope"}})
	requireStatus(t, http.StatusNotFound, missing, err)
	missing2, err := e.admin.SetUserEnabledWithResponse(ctx, "no-such-user", identityv2.UserEnabledEnvelope{User: identityv2.UserEnabledUpdate{Enabled: true}})
	requireStatus(t, http.StatusNotFound, missing2, err)
}

func TestGlobalUserRolesAreNotImplemented(t *testing.T) {
	e := newEnv(t)
	resp, err := e.admin.ListUserRolesWithResponse(t.Context(), e.creds.UserID)
	requireStatus(t, http.StatusNotImplemented, resp, err)
	assert.Contains(t, errorOf(t, resp).Error.Message, "tenant_id required")
	assert.Equal(t, 1, e.ks.Calls("listUserRoles"))
}
