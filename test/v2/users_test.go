package v2_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv2"
)

func roleNamesOn(t *testing.T, e *env, tenantID, userID string) []string {
	t.Helper()
	resp, err := e.admin.ListTenantUserRolesWithResponse(t.Context(), tenantID, userID)
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, resp, resp.Body)
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
		Name: ptr("new-user"), Password: ptr("pw-1"), Email: ptr("new-user@example.com"), TenantId: &home,
	}})
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, created, created.Body)
	u := created.JSON200.User
	assert.Equal(t, "new-user", *u.Username, "v2.0 adds username as a copy of name")
	assert.Equal(t, home, *u.TenantId)
	assert.True(t, *u.Enabled)
	assert.Equal(t, []string{"_member_"}, roleNamesOn(t, e, home, u.Id), "Keystone makes the user a member of its tenant")

	dup, err := e.admin.CreateUserWithResponse(ctx, identityv2.UserCreateEnvelope{User: identityv2.UserCreate{Username: ptr("new-user")}})
	require.NoError(t, err)
	requireStatus(t, http.StatusConflict, dup, dup.Body)
	noTenant, err := e.admin.CreateUserWithResponse(ctx, identityv2.UserCreateEnvelope{User: identityv2.UserCreate{
		Name: ptr("other"), TenantId: ptr("no-such-tenant")}})
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, noTenant, noTenant.Body)

	got, err := e.admin.GetUserWithResponse(ctx, u.Id)
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, got, got.Body)
	assert.Equal(t, u, got.JSON200.User)

	list, err := e.admin.ListUsersWithResponse(ctx, nil)
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, list, list.Body)
	var names []string
	for _, x := range *list.JSON200.Users {
		names = append(names, *x.Name)
	}
	assert.Equal(t, []string{"admin", "new-user"}, names)

	byName, err := e.admin.ListUsersWithResponse(ctx, &identityv2.ListUsersParams{Name: ptr("new-user")})
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, byName, byName.Body)
	require.NotNil(t, byName.JSON200.User)
	assert.Equal(t, u.Id, byName.JSON200.User.Id)

	updated, err := e.admin.UpdateUserWithResponse(ctx, u.Id, identityv2.UserUpdateEnvelope{User: identityv2.UserUpdate{
		Email: ptr("updated@example.org"), Name: ptr("renamed"),
	}})
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, updated, updated.Body)
	assert.Equal(t, "updated@example.org", *updated.JSON200.User.Email)
	assert.Equal(t, "renamed", *updated.JSON200.User.Username)
	e.login(t, "renamed", "pw-1", "home")

	deleted, err := e.admin.DeleteUserWithResponse(ctx, u.Id)
	require.NoError(t, err)
	requireStatus(t, http.StatusNoContent, deleted, deleted.Body)
	got, err = e.admin.GetUserWithResponse(ctx, u.Id)
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, got, got.Body)
	deleted, err = e.admin.DeleteUserWithResponse(ctx, u.Id)
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, deleted, deleted.Body)
}

func TestUserAdminCallsNeedTheAdminRole(t *testing.T) {
	e := newEnv(t)
	tenant := e.ks.AddTenant("plain")
	e.ks.AddUser("liz", "liz-pw", tenant)
	liz := e.client(t, e.login(t, "liz", "liz-pw", "plain").Token.Id)

	resp, err := liz.ListUsersWithResponse(t.Context(), nil)
	require.NoError(t, err)
	requireStatus(t, http.StatusForbidden, resp, resp.Body)
	require.NotNil(t, resp.JSON403)
	resp, err = e.anon.ListUsersWithResponse(t.Context(), nil)
	require.NoError(t, err)
	requireStatus(t, http.StatusUnauthorized, resp, resp.Body)
}

func TestSetUserEnabledPasswordAndTenant(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	first := e.ks.AddTenant("first")
	second := e.ks.AddTenant("second")
	mo := e.ks.AddUser("mo", "mo-pw", first)
	token := e.login(t, "mo", "mo-pw", "first").Token.Id

	disabled, err := e.admin.SetUserEnabledWithResponse(ctx, mo, identityv2.UserEnabledEnvelope{User: identityv2.UserEnabledUpdate{Enabled: false}})
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, disabled, disabled.Body)
	assert.False(t, *disabled.JSON200.User.Enabled)
	assert.False(t, e.ks.TokenValid(token), "disabling a user revokes its tokens")
	auth := identityv2.AuthRequest{Auth: identityv2.Auth{PasswordCredentials: &identityv2.PasswordCredentials{
		Username: ptr("mo"), Password: "mo-pw"}}}
	refused, err := e.anon.IssueTokenWithResponse(ctx, auth)
	require.NoError(t, err)
	requireStatus(t, http.StatusUnauthorized, refused, refused.Body)

	enabled, err := e.admin.SetUserEnabledWithResponse(ctx, mo, identityv2.UserEnabledEnvelope{User: identityv2.UserEnabledUpdate{Enabled: true}})
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, enabled, enabled.Body)
	token = e.login(t, "mo", "mo-pw", "").Token.Id

	pw, err := e.admin.SetUserPasswordWithResponse(ctx, mo, identityv2.UserPasswordEnvelope{User: identityv2.UserPasswordUpdate{Password: ptr("mo-pw-2")}})
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, pw, pw.Body)
	assert.False(t, e.ks.TokenValid(token), "a new password revokes the user's tokens")
	refused, err = e.anon.IssueTokenWithResponse(ctx, auth)
	require.NoError(t, err)
	requireStatus(t, http.StatusUnauthorized, refused, refused.Body)
	// The extension's own spelling of the field works too.
	pw, err = e.admin.SetUserPasswordWithResponse(ctx, mo, identityv2.UserPasswordEnvelope{User: identityv2.UserPasswordUpdate{OSKSADMPassword: ptr("mo-pw-3")}})
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, pw, pw.Body)
	e.login(t, "mo", "mo-pw-3", "")

	moved, err := e.admin.SetUserTenantWithResponse(ctx, mo, identityv2.UserTenantEnvelope{User: identityv2.UserTenantUpdate{TenantId: second}})
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, moved, moved.Body)
	assert.Equal(t, second, *moved.JSON200.User.TenantId)
	assert.Empty(t, roleNamesOn(t, e, first, mo), "the member role left the old tenant")
	assert.Equal(t, []string{"_member_"}, roleNamesOn(t, e, second, mo))

	missing, err := e.admin.SetUserTenantWithResponse(ctx, mo, identityv2.UserTenantEnvelope{User: identityv2.UserTenantUpdate{TenantId: "nope"}})
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, missing, missing.Body)
	missing2, err := e.admin.SetUserEnabledWithResponse(ctx, "no-such-user", identityv2.UserEnabledEnvelope{User: identityv2.UserEnabledUpdate{Enabled: true}})
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, missing2, missing2.Body)
}

func TestGlobalUserRolesAreNotImplemented(t *testing.T) {
	e := newEnv(t)
	resp, err := e.admin.ListUserRolesWithResponse(t.Context(), e.creds.UserID)
	require.NoError(t, err)
	requireStatus(t, http.StatusNotImplemented, resp, resp.Body)
	require.NotNil(t, resp.JSON501)
	assert.Contains(t, *resp.JSON501.Error.Message, "tenant_id required")
	assert.Equal(t, 1, e.ks.Calls("listUserRoles"))
}
