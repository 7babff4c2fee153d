package v2_test

import (
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv2"
)

func tenantNames(ts []identityv2.Tenant) []string {
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
	}
	return names
}

func TestTenantLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()

	created, err := e.admin.CreateTenantWithResponse(ctx, identityv2.TenantCreateEnvelope{Tenant: identityv2.TenantCreate{
		Name: "acme", Description: nullable.NewNullableWithValue("A description ..."),
	}})
	requireStatus(t, http.StatusOK, created, err) // Keystone's v2.0 answers 200, not 201
	acme := created.JSON200.Tenant
	assert.Equal(t, "acme", acme.Name)
	assert.True(t, *acme.Enabled, "enabled by default")
	require.NotEmpty(t, acme.ID)

	dup, err := e.admin.CreateTenantWithResponse(ctx, identityv2.TenantCreateEnvelope{Tenant: identityv2.TenantCreate{Name: "acme"}})
	requireStatus(t, http.StatusConflict, dup, err)
	assert.Equal(t, http.StatusConflict, errorOf(t, dup).Error.Code)

	got, err := e.admin.GetTenantWithResponse(ctx, acme.ID)
	requireStatus(t, http.StatusOK, got, err)
	assert.Equal(t, acme, got.JSON200.Tenant)

	updated, err := e.admin.UpdateTenantWithResponse(ctx, acme.ID, identityv2.TenantUpdateEnvelope{Tenant: identityv2.TenantUpdate{
		Name: new("acme-2"), Enabled: new(false),
	}})
	requireStatus(t, http.StatusOK, updated, err)
	assert.Equal(t, "acme-2", updated.JSON200.Tenant.Name)
	assert.False(t, *updated.JSON200.Tenant.Enabled)
	assert.Equal(t, "A description ...", *updated.JSON200.Tenant.Description, "what was not sent stays")

	byName, err := e.admin.ListTenantsWithResponse(ctx, &identityv2.ListTenantsParams{Name: new("acme-2")})
	requireStatus(t, http.StatusOK, byName, err)
	require.NotNil(t, byName.JSON200.Tenant)
	assert.Nil(t, byName.JSON200.Tenants)
	assert.Equal(t, acme.ID, byName.JSON200.Tenant.ID)

	deleted, err := e.admin.DeleteTenantWithResponse(ctx, acme.ID)
	requireStatus(t, http.StatusNoContent, deleted, err)

	got, err = e.admin.GetTenantWithResponse(ctx, acme.ID)
	requireStatus(t, http.StatusNotFound, got, err)
	updated, err = e.admin.UpdateTenantWithResponse(ctx, acme.ID, identityv2.TenantUpdateEnvelope{Tenant: identityv2.TenantUpdate{Name: new("x")}})
	requireStatus(t, http.StatusNotFound, updated, err)
	deleted, err = e.admin.DeleteTenantWithResponse(ctx, acme.ID)
	requireStatus(t, http.StatusNotFound, deleted, err)
	byName, err = e.admin.ListTenantsWithResponse(ctx, &identityv2.ListTenantsParams{Name: new("acme-2")})
	requireStatus(t, http.StatusNotFound, byName, err)
}

func TestListTenantsPagesAndScope(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	a := e.ks.AddTenant("a")
	b := e.ks.AddTenant("b")
	e.ks.AddTenant("c")
	e.ks.AddUser("henry", "henry-pw", b)

	all, err := e.admin.ListTenantsWithResponse(ctx, nil)
	requireStatus(t, http.StatusOK, all, err)
	assert.Equal(t, []string{"admin", "a", "b", "c"}, tenantNames(*all.JSON200.Tenants))

	page, err := e.admin.ListTenantsWithResponse(ctx, &identityv2.ListTenantsParams{Marker: &a, Limit: new(1)})
	requireStatus(t, http.StatusOK, page, err)
	assert.Equal(t, []string{"b"}, tenantNames(*page.JSON200.Tenants))

	bad, err := e.admin.ListTenantsWithResponse(ctx, &identityv2.ListTenantsParams{Marker: new("no-such-tenant")})
	requireStatus(t, http.StatusBadRequest, bad, err)

	// Anyone else sees the tenants they have a role on.
	henry := e.client(t, e.login(t, "henry", "henry-pw", "").Token.ID)
	own, err := henry.ListTenantsWithResponse(ctx, nil)
	requireStatus(t, http.StatusOK, own, err)
	assert.Equal(t, []string{"b"}, tenantNames(*own.JSON200.Tenants))

	denied, err := henry.CreateTenantWithResponse(ctx, identityv2.TenantCreateEnvelope{Tenant: identityv2.TenantCreate{Name: "mine"}})
	requireStatus(t, http.StatusForbidden, denied, err)

	none, err := e.anon.ListTenantsWithResponse(ctx, nil)
	requireStatus(t, http.StatusUnauthorized, none, err)
}

func TestTenantUsersAndTheirRoles(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	tenant := e.ks.AddTenant("team")
	ivy := e.ks.AddUser("ivy", "ivy-pw", tenant)
	e.ks.AddUser("jack", "jack-pw", "")
	ops := e.ks.AddRole("ops")
	e.ks.GrantRole(ivy, tenant, ops)

	users, err := e.admin.ListTenantUsersWithResponse(ctx, tenant)
	requireStatus(t, http.StatusOK, users, err)
	require.Len(t, users.JSON200.Users, 1)
	assert.Equal(t, ivy, users.JSON200.Users[0].ID)
	assert.Equal(t, tenant, *users.JSON200.Users[0].TenantID)

	roles, err := e.admin.ListTenantUserRolesWithResponse(ctx, tenant, ivy)
	requireStatus(t, http.StatusOK, roles, err)
	var names []string
	for _, r := range roles.JSON200.Roles {
		names = append(names, r.Name)
	}
	assert.ElementsMatch(t, []string{"_member_", "ops"}, names)

	missing, err := e.admin.ListTenantUsersWithResponse(ctx, "no-such-tenant")
	requireStatus(t, http.StatusNotFound, missing, err)
}
