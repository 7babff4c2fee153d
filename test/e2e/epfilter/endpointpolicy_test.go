package epfilter_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func jsonBody(s string) io.Reader { return strings.NewReader(s) }

func TestEndpointPolicyAssociations(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	region := e2eutil.Region(t, admin, identityv3.RegionCreate{}).ID
	svc := e2eutil.Service(t, admin, identityv3.ServiceCreate{})
	ep := createEndpoint(t, admin, svc.ID, region, identityv3.EndpointInterfacePublic)
	onService := e2eutil.Policy(t, admin, identityv3.PolicyCreate{Blob: `{"scope": "service"}`})
	onRegion := e2eutil.Policy(t, admin, identityv3.PolicyCreate{Blob: `{"scope": "region"}`})
	onEndpoint := e2eutil.Policy(t, admin, identityv3.PolicyCreate{Blob: `{"scope": "endpoint"}`})

	effective := func() string {
		t.Helper()
		resp, err := admin.Raw().GetPolicyForEndpointWithResponse(ctx, ep.ID)
		require.NoError(t, err)
		return resp.JSON200.Policy.ID
	}
	noContent := func(resp interface{ StatusCode() int }, err error) {
		t.Helper()
		require.NoError(t, err)
		assert.Equal(t, http.StatusNoContent, resp.StatusCode())
	}

	_, err := admin.Raw().GetPolicyForEndpointWithResponse(ctx, ep.ID)
	assert.ErrorIs(t, err, apierror.ErrNotFound, "no policy applies yet")

	// Service: the least specific association.
	_, err = admin.Raw().CheckPolicyAssociationForServiceWithResponse(ctx, onService.ID, svc.ID)
	assert.ErrorIs(t, err, apierror.ErrNotFound)
	noContent(admin.Raw().CreatePolicyAssociationForServiceWithResponse(ctx, onService.ID, svc.ID))
	noContent(admin.Raw().CheckPolicyAssociationForServiceWithResponse(ctx, onService.ID, svc.ID))
	assert.Equal(t, onService.ID, effective())

	// Service in the endpoint's region wins over the service.
	noContent(admin.Raw().CreatePolicyAssociationForRegionAndServiceWithResponse(ctx, onRegion.ID, svc.ID, region))
	noContent(admin.Raw().CheckPolicyAssociationForRegionAndServiceWithResponse(ctx, onRegion.ID, svc.ID, region))
	assert.Equal(t, onRegion.ID, effective())

	// The endpoint's own association wins over both.
	noContent(admin.Raw().CreatePolicyAssociationForEndpointWithResponse(ctx, onEndpoint.ID, ep.ID))
	noContent(admin.Raw().CheckPolicyAssociationForEndpointWithResponse(ctx, onEndpoint.ID, ep.ID))
	got, err := admin.Raw().GetPolicyForEndpointWithResponse(ctx, ep.ID)
	require.NoError(t, err)
	assert.Equal(t, onEndpoint.ID, got.JSON200.Policy.ID)
	assert.Equal(t, `{"scope": "endpoint"}`, got.JSON200.Policy.Blob)

	for _, p := range []identityv3.Policy{onService, onRegion, onEndpoint} {
		eps, err := admin.Raw().ListEndpointsForPolicyWithResponse(ctx, p.ID)
		require.NoError(t, err)
		assert.Equal(t, []string{ep.ID}, e2eutil.IDs(eps.JSON200.Endpoints), "policy %s reaches the endpoint", p.Blob)
	}

	// Removing the associations one by one falls back to the less specific.
	noContent(admin.Raw().DeletePolicyAssociationForEndpointWithResponse(ctx, onEndpoint.ID, ep.ID))
	_, err = admin.Raw().CheckPolicyAssociationForEndpointWithResponse(ctx, onEndpoint.ID, ep.ID)
	assert.ErrorIs(t, err, apierror.ErrNotFound)
	eps, err := admin.Raw().ListEndpointsForPolicyWithResponse(ctx, onEndpoint.ID)
	require.NoError(t, err)
	assert.Empty(t, eps.JSON200.Endpoints)
	assert.Equal(t, onRegion.ID, effective())

	noContent(admin.Raw().DeletePolicyAssociationForRegionAndServiceWithResponse(ctx, onRegion.ID, svc.ID, region))
	_, err = admin.Raw().CheckPolicyAssociationForRegionAndServiceWithResponse(ctx, onRegion.ID, svc.ID, region)
	assert.ErrorIs(t, err, apierror.ErrNotFound)
	assert.Equal(t, onService.ID, effective())

	noContent(admin.Raw().DeletePolicyAssociationForServiceWithResponse(ctx, onService.ID, svc.ID))
	_, err = admin.Raw().CheckPolicyAssociationForServiceWithResponse(ctx, onService.ID, svc.ID)
	assert.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = admin.Raw().GetPolicyForEndpointWithResponse(ctx, ep.ID)
	assert.ErrorIs(t, err, apierror.ErrNotFound)

	_, err = admin.Raw().CreatePolicyAssociationForEndpointWithResponse(ctx, onEndpoint.ID, "0123456789abcdef0123456789abcdef")
	assert.ErrorIs(t, err, apierror.ErrNotFound, "an unknown endpoint")
}

// The API reference documents GET and HEAD /policies/{id}/OS-ENDPOINT-POLICY/policy;
// Keystone has no such route. The spec says so, and the answer validates.
func TestEndpointPolicyUnroutedPath(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	p := e2eutil.Policy(t, admin, identityv3.PolicyCreate{Blob: `{}`})
	_, err := admin.Raw().GetPolicyOSEndpointPolicyWithResponse(ctx, p.ID)
	assert.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = admin.Raw().CheckPolicyOSEndpointPolicyWithResponse(ctx, p.ID)
	assert.ErrorIs(t, err, apierror.ErrNotFound)
}
