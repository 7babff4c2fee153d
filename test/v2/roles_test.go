package v2_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

func TestRoleLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()

	created, err := e.admin.CreateRoleWithResponse(ctx, identityv2.RoleCreateEnvelope{Role: identityv2.RoleCreate{
		Name: "Guest", Description: ptr("Guest Access"), Id: ptr("123"),
	}})
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, created, created.Body)
	guest := created.JSON200.Role
	assert.NotEqual(t, "123", guest.Id, "Keystone makes the id up")
	assert.Equal(t, "Guest Access", *guest.Description)

	dup, err := e.admin.CreateRoleWithResponse(ctx, identityv2.RoleCreateEnvelope{Role: identityv2.RoleCreate{Name: "Guest"}})
	require.NoError(t, err)
	requireStatus(t, http.StatusConflict, dup, dup.Body)

	list, err := e.admin.ListRolesWithResponse(ctx)
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, list, list.Body)
	var names []string
	for _, r := range list.JSON200.Roles {
		names = append(names, r.Name)
	}
	assert.Equal(t, []string{"admin", "_member_", "Guest"}, names)

	for _, key := range []string{guest.Id, "Guest"} { // by id and by name
		got, err := e.admin.GetRoleWithResponse(ctx, key)
		require.NoError(t, err)
		requireStatus(t, http.StatusOK, got, got.Body)
		assert.Equal(t, guest, got.JSON200.Role)
	}
	member, err := e.admin.GetRoleWithResponse(ctx, keystonetest.MemberRoleID)
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, member, member.Body)
	assert.Equal(t, "_member_", member.JSON200.Role.Name)

	deleted, err := e.admin.DeleteRoleWithResponse(ctx, guest.Id)
	require.NoError(t, err)
	requireStatus(t, http.StatusNoContent, deleted, deleted.Body)
	got, err := e.admin.GetRoleWithResponse(ctx, guest.Id)
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, got, got.Body)
	deleted, err = e.admin.DeleteRoleWithResponse(ctx, guest.Id)
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, deleted, deleted.Body)
}

func TestGrantAndRevokeRoleOnTenant(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	tenant := e.ks.AddTenant("grants")
	kim := e.ks.AddUser("kim", "kim-pw", "")
	reader := e.ks.AddRole("reader")

	// Without a role kim cannot scope to the tenant.
	auth := identityv2.AuthRequest{Auth: identityv2.Auth{
		PasswordCredentials: &identityv2.PasswordCredentials{UserId: &kim, Password: "kim-pw"}, TenantId: &tenant}}
	denied, err := e.anon.IssueTokenWithResponse(ctx, auth)
	require.NoError(t, err)
	requireStatus(t, http.StatusUnauthorized, denied, denied.Body)

	granted, err := e.admin.GrantTenantUserRoleWithResponse(ctx, tenant, kim, reader)
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, granted, granted.Body)
	assert.Equal(t, "reader", granted.JSON200.Role.Name)

	again, err := e.admin.GrantTenantUserRoleWithResponse(ctx, tenant, kim, reader)
	require.NoError(t, err)
	requireStatus(t, http.StatusConflict, again, again.Body)

	scoped, err := e.anon.IssueTokenWithResponse(ctx, auth)
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, scoped, scoped.Body)
	assert.Equal(t, []identityv2.AccessRole{{Name: "reader"}}, *scoped.JSON200.Access.User.Roles)
	token := scoped.JSON200.Access.Token.Id

	revoked, err := e.admin.RevokeTenantUserRoleWithResponse(ctx, tenant, kim, reader)
	require.NoError(t, err)
	requireStatus(t, http.StatusNoContent, revoked, revoked.Body)
	assert.False(t, e.ks.TokenValid(token), "a token is only valid while its user has a role on its tenant")

	revoked, err = e.admin.RevokeTenantUserRoleWithResponse(ctx, tenant, kim, reader)
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, revoked, revoked.Body)

	unknown, err := e.admin.GrantTenantUserRoleWithResponse(ctx, tenant, kim, "no-such-role")
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, unknown, unknown.Body)
}
