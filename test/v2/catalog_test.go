package v2_test

import (
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv2"
)

func TestServicesAndEndpointTemplates(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()

	created, err := e.admin.CreateServiceWithResponse(ctx, identityv2.ServiceCreateEnvelope{Service: identityv2.ServiceCreate{
		Type: "compute", Name: new("nova"), Description: nullable.NewNullableWithValue("OpenStack Compute Service"),
	}})
	requireStatus(t, http.StatusOK, created, err)
	nova := created.JSON200.Service
	assert.Equal(t, "compute", nova.Type)

	list, err := e.admin.ListServicesWithResponse(ctx)
	requireStatus(t, http.StatusOK, list, err)
	var types []string
	for _, s := range list.JSON200.Services {
		types = append(types, s.Type)
	}
	assert.Equal(t, []string{"identity", "compute"}, types)

	for _, key := range []string{nova.ID, "nova"} { // by id and by name
		got, err := e.admin.GetServiceWithResponse(ctx, key)
		requireStatus(t, http.StatusOK, got, err)
		assert.Equal(t, nova, got.JSON200.Service)
	}

	ep, err := e.admin.CreateEndpointWithResponse(ctx, identityv2.EndpointCreateEnvelope{Endpoint: identityv2.EndpointCreate{
		ServiceID: nova.ID, Region: nullable.NewNullableWithValue("RegionTwo"),
		Publicurl: "http://nova:8774/v2/$(tenant_id)s", Internalurl: nullable.NewNullableWithValue("http://nova-int:8774/v2/$(tenant_id)s"),
	}})
	requireStatus(t, http.StatusOK, ep, err)
	endpoint := ep.JSON200.Endpoint
	assert.Nil(t, endpoint.Adminurl)
	assert.Equal(t, nova.ID, *endpoint.ServiceID)

	eps, err := e.admin.ListEndpointsWithResponse(ctx)
	requireStatus(t, http.StatusOK, eps, err)
	require.Len(t, eps.JSON200.Endpoints, 2)
	assert.Equal(t, endpoint, eps.JSON200.Endpoints[1])

	// The new endpoint is in the catalog of a scoped token, templated.
	access := e.login(t, e.creds.Username, e.creds.Password, e.creds.TenantName)
	require.Len(t, *access.ServiceCatalog, 2)
	compute := (*access.ServiceCatalog)[1]
	assert.Equal(t, "nova", *compute.Name)
	assert.Equal(t, "http://nova:8774/v2/"+e.creds.TenantID, *compute.Endpoints[0].PublicURL)
	assert.Equal(t, "RegionTwo", *compute.Endpoints[0].Region)

	noService, err := e.admin.CreateEndpointWithResponse(ctx, identityv2.EndpointCreateEnvelope{Endpoint: identityv2.EndpointCreate{
		ServiceID: "no-such-service", Publicurl: "http://x"}})
	requireStatus(t, http.StatusNotFound, noService, err)

	del, err := e.admin.DeleteEndpointWithResponse(ctx, endpoint.ID)
	requireStatus(t, http.StatusNoContent, del, err)
	del, err = e.admin.DeleteEndpointWithResponse(ctx, endpoint.ID)
	requireStatus(t, http.StatusNotFound, del, err)

	// Deleting a service takes its endpoints with it.
	e.ks.AddEndpoint(nova.ID, "RegionOne", "http://nova", "", "")
	delSvc, err := e.admin.DeleteServiceWithResponse(ctx, nova.ID)
	requireStatus(t, http.StatusNoContent, delSvc, err)
	eps, err = e.admin.ListEndpointsWithResponse(ctx)
	require.NoError(t, err)
	assert.Len(t, eps.JSON200.Endpoints, 1)
	got, err := e.admin.GetServiceWithResponse(ctx, nova.ID)
	requireStatus(t, http.StatusNotFound, got, err)
	delSvc, err = e.admin.DeleteServiceWithResponse(ctx, nova.ID)
	requireStatus(t, http.StatusNotFound, delSvc, err)
}
