package catalogresources_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/catalog"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func TestServiceCRUDAndFilters(t *testing.T) {
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	// A type of its own, so that no other test's catalog lookup can pick it.
	svcType := e2eutil.Name(t, "type")
	name := e2eutil.Name(t, "svc")
	body := identityv3.ServiceCreate{Type: svcType, Name: &name, Description: nullable.NewNullableWithValue("first"), Enabled: new(true)}
	body.Set("owner", "e2e") // an extra attribute
	svc := e2eutil.Service(t, c, body)
	assert.Len(t, svc.ID, 32)
	assert.Equal(t, svcType, svc.Type)
	assert.Equal(t, name, *svc.Name)
	assert.Equal(t, "first", *svc.Description)
	assert.True(t, *svc.Enabled)

	// A second service of the same type, created without a name.
	bare := e2eutil.Service(t, c, identityv3.ServiceCreate{Type: svcType})
	assert.Equal(t, "", *bare.Name, "Keystone answers an empty name for a nameless service")
	assert.True(t, *bare.Enabled, "enabled defaults to true")

	got, err := c.Raw().GetServiceWithResponse(ctx, svc.ID)
	require.NoError(t, err)
	assert.Equal(t, svc, got.JSON200.Service)
	assert.Contains(t, string(got.Body), `"owner": "e2e"`, "the extra attribute is returned")

	byType, err := c.Raw().ListServicesWithResponse(ctx, &identityv3.ListServicesParams{Type: &svcType})
	require.NoError(t, err)
	ids := make([]string, 0, 2)
	for _, s := range byType.JSON200.Services {
		ids = append(ids, s.ID)
	}
	assert.ElementsMatch(t, []string{svc.ID, bare.ID}, ids)

	byName, err := c.Raw().ListServicesWithResponse(ctx, &identityv3.ListServicesParams{Name: &name})
	require.NoError(t, err)
	require.Len(t, byName.JSON200.Services, 1)
	assert.Equal(t, svc.ID, byName.JSON200.Services[0].ID)

	upper := strings.ToUpper(name[:len(name)-4])
	byPrefix, err := c.Raw().ListServicesWithResponse(ctx, &identityv3.ListServicesParams{NameIstartswith: &upper})
	require.NoError(t, err)
	require.Len(t, byPrefix.JSON200.Services, 1, "name__istartswith ignores case")
	assert.Equal(t, svc.ID, byPrefix.JSON200.Services[0].ID)

	// PATCH: rename, disable, and clear the description with null.
	renamed := name + "-renamed"
	upd, err := c.Raw().UpdateServiceWithResponse(ctx, svc.ID, identityv3.UpdateServiceJSONRequestBody{
		Service: identityv3.ServiceUpdate{Name: &renamed, Enabled: new(false), Description: nullable.NewNullNullable[string]()},
	})
	require.NoError(t, err)
	assert.Equal(t, renamed, *upd.JSON200.Service.Name)
	assert.False(t, *upd.JSON200.Service.Enabled)
	assert.Nil(t, upd.JSON200.Service.Description, "null cleared the description")
	assert.Equal(t, svcType, upd.JSON200.Service.Type, "what the PATCH left out is unchanged")

	// An empty PATCH is refused by Keystone's schema (minProperties 1).
	_, err = c.Raw().UpdateServiceWithBodyWithResponse(ctx, svc.ID, "application/json", strings.NewReader(`{"service": {}}`))
	assert.ErrorIs(t, err, apierror.ErrBadRequest)

	del, err := c.Raw().DeleteServiceWithResponse(ctx, bare.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, del.StatusCode())
	_, err = c.Raw().GetServiceWithResponse(ctx, bare.ID)
	assert.ErrorIs(t, err, apierror.ErrNotFound)
}

func TestEndpointCRUDFiltersAndCatalog(t *testing.T) {
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	regionID := e2eutil.Name(t, "region")
	e2eutil.DeleteLater(t, c.Raw().DeleteRegionWithResponse, regionID)
	_, err := c.Raw().CreateRegionWithIDWithResponse(ctx, regionID, identityv3.CreateRegionWithIDJSONRequestBody{})
	require.NoError(t, err)
	// The deprecated "region" attribute creates a missing region on the fly.
	autoRegion := e2eutil.Name(t, "auto")
	e2eutil.DeleteLater(t, c.Raw().DeleteRegionWithResponse, autoRegion)

	svcType := e2eutil.Name(t, "type")
	svcName := e2eutil.Name(t, "svc")
	svc := e2eutil.Service(t, c, identityv3.ServiceCreate{Type: svcType, Name: &svcName})

	public := e2eutil.Endpoint(t, c, identityv3.EndpointCreate{
		Interface: identityv3.EndpointInterfacePublic, ServiceID: svc.ID,
		URL: "http://public.example.org:8080/v1", RegionID: &regionID,
	})
	assert.Equal(t, identityv3.EndpointInterfacePublic, public.Interface)
	assert.Equal(t, regionID, *public.RegionID)
	assert.Equal(t, regionID, *public.Region, "region mirrors region_id")
	assert.True(t, *public.Enabled, "enabled defaults to true")

	internal := e2eutil.Endpoint(t, c, identityv3.EndpointCreate{
		Interface: identityv3.EndpointInterfaceInternal, ServiceID: svc.ID,
		URL: "http://internal.example.org/v1", Region: &autoRegion,
	})
	assert.Equal(t, autoRegion, *internal.RegionID)
	reg, err := c.Raw().GetRegionWithResponse(ctx, autoRegion)
	require.NoError(t, err, "Keystone created the region named by the deprecated attribute")
	assert.Equal(t, autoRegion, reg.JSON200.Region.ID)

	admin := e2eutil.Endpoint(t, c, identityv3.EndpointCreate{
		Interface: identityv3.EndpointInterfaceAdmin, ServiceID: svc.ID,
		URL: "http://admin.example.org/v1",
	})
	assert.Nil(t, admin.RegionID, "an endpoint without a region has region_id null")
	assert.Nil(t, admin.Region)

	// A region_id that does not exist is a 400 (unlike the deprecated region).
	missing := e2eutil.Name(t, "missing")
	_, err = c.Raw().CreateEndpointWithResponse(ctx, identityv3.CreateEndpointJSONRequestBody{Endpoint: identityv3.EndpointCreate{
		Interface: identityv3.EndpointInterfacePublic, ServiceID: svc.ID, URL: "http://x.example.org/", RegionID: &missing,
	}})
	assert.ErrorIs(t, err, apierror.ErrBadRequest)

	list := func(p identityv3.ListEndpointsParams) []string {
		t.Helper()
		resp, err := c.Raw().ListEndpointsWithResponse(ctx, &p)
		require.NoError(t, err)
		return sorted(e2eutil.IDs(resp.JSON200.Endpoints)...)
	}
	assert.Equal(t, sorted(public.ID, internal.ID, admin.ID), list(identityv3.ListEndpointsParams{ServiceID: &svc.ID}))
	iface := identityv3.EndpointInterfaceInternal
	assert.Equal(t, []string{internal.ID}, list(identityv3.ListEndpointsParams{ServiceID: &svc.ID, Interface: &iface}))
	assert.Equal(t, []string{public.ID}, list(identityv3.ListEndpointsParams{RegionID: &regionID}))

	got, err := c.Raw().GetEndpointWithResponse(ctx, public.ID)
	require.NoError(t, err)
	assert.Equal(t, public, got.JSON200.Endpoint)

	// PATCH the URL, and disable the admin endpoint.
	upd, err := c.Raw().UpdateEndpointWithResponse(ctx, public.ID, identityv3.UpdateEndpointJSONRequestBody{
		Endpoint: identityv3.EndpointUpdate{URL: new("http://public.example.org:8443/v2")},
	})
	require.NoError(t, err)
	assert.Equal(t, "http://public.example.org:8443/v2", upd.JSON200.Endpoint.URL)
	assert.Equal(t, regionID, *upd.JSON200.Endpoint.RegionID)
	upd, err = c.Raw().UpdateEndpointWithResponse(ctx, admin.ID, identityv3.UpdateEndpointJSONRequestBody{
		Endpoint: identityv3.EndpointUpdate{Enabled: new(false)},
	})
	require.NoError(t, err)
	assert.False(t, *upd.JSON200.Endpoint.Enabled)

	// A fresh admin token carries the new service with its enabled endpoints.
	sess := e2eutil.Session(t, e2eutil.AdminPlugin())
	access, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	require.NotNil(t, access.Body)
	var entry *identityv3.CatalogService
	for i := range access.Body.Catalog {
		if access.Body.Catalog[i].ID != nil && *access.Body.Catalog[i].ID == svc.ID {
			entry = &access.Body.Catalog[i]
		}
	}
	require.NotNil(t, entry, "the new service is in the token's catalog")
	assert.Equal(t, svcType, *entry.Type)
	assert.Equal(t, svcName, *entry.Name)
	urls := map[string]string{}
	for _, ep := range entry.Endpoints {
		urls[*ep.Interface] = ep.URL
		if *ep.ID == public.ID {
			assert.Equal(t, regionID, *ep.RegionID)
			assert.Equal(t, regionID, *ep.Region)
		}
	}
	assert.Equal(t, map[string]string{
		"public":   "http://public.example.org:8443/v2",
		"internal": "http://internal.example.org/v1",
	}, urls, "the disabled admin endpoint is left out")
	if access.Catalog != nil {
		ep, err := access.Catalog.Lookup(catalog.Filter{ServiceType: svcType, Region: regionID})
		require.NoError(t, err)
		assert.Equal(t, public.ID, ep.ID)
	}

	// A region with endpoints cannot be deleted (403).
	_, err = c.Raw().DeleteRegionWithResponse(ctx, regionID)
	assert.ErrorIs(t, err, apierror.ErrForbidden)

	del, err := c.Raw().DeleteEndpointWithResponse(ctx, public.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, del.StatusCode())
	_, err = c.Raw().GetEndpointWithResponse(ctx, public.ID)
	assert.ErrorIs(t, err, apierror.ErrNotFound)

	// Deleting the service deletes its remaining endpoints.
	_, err = c.Raw().DeleteServiceWithResponse(ctx, svc.ID)
	require.NoError(t, err)
	_, err = c.Raw().GetEndpointWithResponse(ctx, internal.ID)
	assert.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = c.Raw().GetEndpointWithResponse(ctx, admin.ID)
	assert.ErrorIs(t, err, apierror.ErrNotFound)

	// Now the regions can go.
	for _, id := range []string{regionID, autoRegion} {
		del, err := c.Raw().DeleteRegionWithResponse(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, http.StatusNoContent, del.StatusCode())
	}
}
