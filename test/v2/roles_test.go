package v2_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

func TestRoleLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()

	created, err := e.admin.CreateRoleWithResponse(ctx, identityv2.RoleCreateEnvelope{Role: identityv2.RoleCreate{
		Name: "Guest", Description: new("Guest Access"), ID: new("123"),
	}})
	requireStatus(t, http.StatusOK, created, err)
	guest := created.JSON200.Role
	assert.NotEqual(t, "123", guest.ID, "Keystone makes the id up")
	assert.Equal(t, "Guest Access", *guest.Description)

	dup, err := e.admin.CreateRoleWithResponse(ctx, identityv2.RoleCreateEnvelope{Role: identityv2.RoleCreate{Name: "Guest"}})
	requireStatus(t, http.StatusConflict, dup, err)

	list, err := e.admin.ListRolesWithResponse(ctx)
	requireStatus(t, http.StatusOK, list, err)
	var names []string
	for _, r := range list.JSON200.Roles {
		names = append(names, r.Name)
	}
	assert.Equal(t, []string{"admin", "_member_", "Guest"}, names)

	for _, key := range []string{guest.ID, "Guest"} { // by id and by name
		got, err := e.admin.GetRoleWithResponse(ctx, key)
		requireStatus(t, http.StatusOK, got, err)
		assert.Equal(t, guest, got.JSON200.Role)
	}
	member, err := e.admin.GetRoleWithResponse(ctx, keystonetest.MemberRoleID)
	requireStatus(t, http.StatusOK, member, err)
	assert.Equal(t, "_member_", member.JSON200.Role.Name)

	deleted, err := e.admin.DeleteRoleWithResponse(ctx, guest.ID)
	requireStatus(t, http.StatusNoContent, deleted, err)
	got, err := e.admin.GetRoleWithResponse(ctx, guest.ID)
	requireStatus(t, http.StatusNotFound, got, err)
	deleted, err = e.admin.DeleteRoleWithResponse(ctx, guest.ID)
	requireStatus(t, http.StatusNotFound, deleted, err)
}

func TestGrantAndRevokeRoleOnTenant(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	tenant := e.ks.AddTenant("grants")
	kim := e.ks.AddUser("kim", "kim-pw", "")
	reader := e.ks.AddRole("reader")

	// Without a role kim cannot scope to the tenant.
	auth := identityv2.AuthRequest{Auth: identityv2.Auth{
		PasswordCredentials: &identityv2.PasswordCredentials{UserID: &kim, Password: "kim-pw"}, TenantID: &tenant}}
	denied, err := e.anon.IssueTokenWithResponse(ctx, auth)
	requireStatus(t, http.StatusUnauthorized, denied, err)

	granted, err := e.admin.GrantTenantUserRoleWithResponse(ctx, tenant, kim, reader)
	requireStatus(t, http.StatusOK, granted, err)
	assert.Equal(t, "reader", granted.JSON200.Role.Name)

	again, err := e.admin.GrantTenantUserRoleWithResponse(ctx, tenant, kim, reader)
	requireStatus(t, http.StatusConflict, again, err)

	scoped, err := e.anon.IssueTokenWithResponse(ctx, auth)
	requireStatus(t, http.StatusOK, scoped, err)
	assert.Equal(t, []identityv2.AccessRole{{Name: "reader"}}, *scoped.JSON200.Access.User.Roles)
	token := scoped.JSON200.Access.Token.ID

	revoked, err := e.admin.RevokeTenantUserRoleWithResponse(ctx, tenant, kim, reader)
	requireStatus(t, http.StatusNoContent, revoked, err)
	assert.False(t, e.ks.TokenValid(token), "a token is only valid while its user has a role on its tenant")

	revoked, err = e.admin.RevokeTenantUserRoleWithResponse(ctx, tenant, kim, reader)
	requireStatus(t, http.StatusNotFound, revoked, err)

	unknown, err := e.admin.GrantTenantUserRoleWithResponse(ctx, tenant, kim, "no-such-role")
	requireStatus(t, http.StatusNotFound, unknown, err)
}
