package v2_test

import (
	"net/http"
	"testing"

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
		Name: "acme", Description: ptr("A description ..."),
	}})
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, created, created.Body) // Keystone's v2.0 answers 200, not 201
	acme := created.JSON200.Tenant
	assert.Equal(t, "acme", acme.Name)
	assert.True(t, *acme.Enabled, "enabled by default")
	require.NotEmpty(t, acme.Id)

	dup, err := e.admin.CreateTenantWithResponse(ctx, identityv2.TenantCreateEnvelope{Tenant: identityv2.TenantCreate{Name: "acme"}})
	require.NoError(t, err)
	requireStatus(t, http.StatusConflict, dup, dup.Body)
	require.NotNil(t, dup.JSON409)

	got, err := e.admin.GetTenantWithResponse(ctx, acme.Id)
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, got, got.Body)
	assert.Equal(t, acme, got.JSON200.Tenant)

	updated, err := e.admin.UpdateTenantWithResponse(ctx, acme.Id, identityv2.TenantUpdateEnvelope{Tenant: identityv2.TenantUpdate{
		Name: ptr("acme-2"), Enabled: ptr(false),
	}})
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, updated, updated.Body)
	assert.Equal(t, "acme-2", updated.JSON200.Tenant.Name)
	assert.False(t, *updated.JSON200.Tenant.Enabled)
	assert.Equal(t, "A description ...", *updated.JSON200.Tenant.Description, "what was not sent stays")

	byName, err := e.admin.ListTenantsWithResponse(ctx, &identityv2.ListTenantsParams{Name: ptr("acme-2")})
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, byName, byName.Body)
	require.NotNil(t, byName.JSON200.Tenant)
	assert.Nil(t, byName.JSON200.Tenants)
	assert.Equal(t, acme.Id, byName.JSON200.Tenant.Id)

	deleted, err := e.admin.DeleteTenantWithResponse(ctx, acme.Id)
	require.NoError(t, err)
	requireStatus(t, http.StatusNoContent, deleted, deleted.Body)

	got, err = e.admin.GetTenantWithResponse(ctx, acme.Id)
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, got, got.Body)
	updated, err = e.admin.UpdateTenantWithResponse(ctx, acme.Id, identityv2.TenantUpdateEnvelope{Tenant: identityv2.TenantUpdate{Name: ptr("x")}})
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, updated, updated.Body)
	deleted, err = e.admin.DeleteTenantWithResponse(ctx, acme.Id)
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, deleted, deleted.Body)
	byName, err = e.admin.ListTenantsWithResponse(ctx, &identityv2.ListTenantsParams{Name: ptr("acme-2")})
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, byName, byName.Body)
}

func TestListTenantsPagesAndScope(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	a := e.ks.AddTenant("a")
	b := e.ks.AddTenant("b")
	e.ks.AddTenant("c")
	e.ks.AddUser("henry", "henry-pw", b)

	all, err := e.admin.ListTenantsWithResponse(ctx, nil)
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, all, all.Body)
	assert.Equal(t, []string{"admin", "a", "b", "c"}, tenantNames(*all.JSON200.Tenants))

	page, err := e.admin.ListTenantsWithResponse(ctx, &identityv2.ListTenantsParams{Marker: &a, Limit: ptr(1)})
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, page, page.Body)
	assert.Equal(t, []string{"b"}, tenantNames(*page.JSON200.Tenants))

	bad, err := e.admin.ListTenantsWithResponse(ctx, &identityv2.ListTenantsParams{Marker: ptr("no-such-tenant")})
	require.NoError(t, err)
	requireStatus(t, http.StatusBadRequest, bad, bad.Body)

	// Anyone else sees the tenants they have a role on.
	henry := e.client(t, e.login(t, "henry", "henry-pw", "").Token.Id)
	own, err := henry.ListTenantsWithResponse(ctx, nil)
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, own, own.Body)
	assert.Equal(t, []string{"b"}, tenantNames(*own.JSON200.Tenants))

	denied, err := henry.CreateTenantWithResponse(ctx, identityv2.TenantCreateEnvelope{Tenant: identityv2.TenantCreate{Name: "mine"}})
	require.NoError(t, err)
	requireStatus(t, http.StatusForbidden, denied, denied.Body)

	none, err := e.anon.ListTenantsWithResponse(ctx, nil)
	require.NoError(t, err)
	requireStatus(t, http.StatusUnauthorized, none, none.Body)
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
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, users, users.Body)
	require.Len(t, users.JSON200.Users, 1)
	assert.Equal(t, ivy, users.JSON200.Users[0].Id)
	assert.Equal(t, tenant, *users.JSON200.Users[0].TenantId)

	roles, err := e.admin.ListTenantUserRolesWithResponse(ctx, tenant, ivy)
	require.NoError(t, err)
	requireStatus(t, http.StatusOK, roles, roles.Body)
	var names []string
	for _, r := range roles.JSON200.Roles {
		names = append(names, r.Name)
	}
	assert.ElementsMatch(t, []string{"_member_", "ops"}, names)

	missing, err := e.admin.ListTenantUsersWithResponse(ctx, "no-such-tenant")
	require.NoError(t, err)
	requireStatus(t, http.StatusNotFound, missing, missing.Body)
}
