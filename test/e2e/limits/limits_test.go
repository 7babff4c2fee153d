package limits_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// systemAdmin is the bootstrap admin with a system-scoped token: the only
// scope for which Keystone lists every limit.
func systemAdmin(t *testing.T) *identity.Client {
	t.Helper()
	p := *e2eutil.AdminPlugin()
	p.Scope = auth.Scope{System: true}
	return e2eutil.Client(t, e2eutil.Session(t, &p))
}

// fixture is what a limit needs: a service, a region, a project and a domain
// of the test's own.
type fixture struct {
	service, region, project, domain string
}

func newFixture(t *testing.T, c *identity.Client) fixture {
	t.Helper()
	return fixture{
		region:  e2eutil.Region(t, c, identityv3.RegionCreate{}).ID,
		service: e2eutil.Service(t, c, identityv3.ServiceCreate{}).ID,
		domain:  e2eutil.Domain(t, c, e2eutil.Prefix("domain")).ID,
		project: e2eutil.Project(t, c, e2eutil.Prefix("project")).ID,
	}
}

func TestLimitModel(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	resp, err := c.Raw().GetLimitModelWithResponse(e2eutil.Ctx(t))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode())
	// The test server runs with the default [unified_limit] enforcement_model.
	assert.Equal(t, "flat", resp.JSON200.Model.Name)
	assert.NotEmpty(t, *resp.JSON200.Model.Description)
}

func TestRegisteredLimitsAndLimits(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	f := newFixture(t, c)

	// Two registered limits in one request: one per region, one for all.
	created, err := c.Raw().CreateRegisteredLimitsWithResponse(ctx, identityv3.CreateRegisteredLimitsJSONRequestBody{
		RegisteredLimits: []identityv3.RegisteredLimitCreate{
			{ServiceID: f.service, RegionID: nullable.NewNullableWithValue(f.region), ResourceName: "snapshots", DefaultLimit: 10, Description: nullable.NewNullableWithValue("snapshots per project")},
			{ServiceID: f.service, ResourceName: "volumes", DefaultLimit: 5},
		},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, created.StatusCode())
	require.Len(t, created.JSON201.RegisteredLimits, 2)
	snaps, vols := created.JSON201.RegisteredLimits[0], created.JSON201.RegisteredLimits[1]
	for _, rl := range created.JSON201.RegisteredLimits {
		e2eutil.DeleteLater(t, c.Raw().DeleteRegisteredLimitWithResponse, rl.ID)
	}
	assert.Nil(t, created.JSON201.Links, "the answer to a create has no links")
	assert.Equal(t, "snapshots", snaps.ResourceName)
	assert.Equal(t, f.region, *snaps.RegionID)
	assert.Equal(t, 10, snaps.DefaultLimit)
	assert.Equal(t, "snapshots per project", *snaps.Description)
	assert.Nil(t, vols.RegionID)
	assert.Nil(t, vols.Description)

	// The same service, region and resource again is a conflict.
	_, err = c.Raw().CreateRegisteredLimitsWithResponse(ctx, identityv3.CreateRegisteredLimitsJSONRequestBody{
		RegisteredLimits: []identityv3.RegisteredLimitCreate{{ServiceID: f.service, ResourceName: "volumes", DefaultLimit: 1}},
	})
	assert.ErrorIs(t, err, apierror.ErrConflict)

	got, err := c.Raw().GetRegisteredLimitWithResponse(ctx, snaps.ID)
	require.NoError(t, err)
	assert.Equal(t, snaps.ID, got.JSON200.RegisteredLimit.ID)
	assert.Equal(t, 10, got.JSON200.RegisteredLimit.DefaultLimit)

	listRL := func(p identityv3.ListRegisteredLimitsParams) []string {
		t.Helper()
		resp, err := c.Raw().ListRegisteredLimitsWithResponse(ctx, &p)
		require.NoError(t, err)
		var ids []string
		for _, rl := range resp.JSON200.RegisteredLimits {
			ids = append(ids, rl.ID)
		}
		return ids
	}
	assert.ElementsMatch(t, []string{snaps.ID, vols.ID}, listRL(identityv3.ListRegisteredLimitsParams{ServiceID: &f.service}))
	assert.Equal(t, []string{snaps.ID}, listRL(identityv3.ListRegisteredLimitsParams{RegionID: &f.region}))
	assert.Equal(t, []string{vols.ID}, listRL(identityv3.ListRegisteredLimitsParams{ServiceID: &f.service, ResourceName: new("volumes")}))

	// PATCH while nothing refers to it: new default, description cleared,
	// region removed with null.
	upd, err := c.Raw().UpdateRegisteredLimitWithResponse(ctx, snaps.ID, identityv3.UpdateRegisteredLimitJSONRequestBody{
		RegisteredLimit: identityv3.RegisteredLimitUpdate{DefaultLimit: new(20), Description: nullable.NewNullNullable[string]()},
	})
	require.NoError(t, err)
	assert.Equal(t, 20, upd.JSON200.RegisteredLimit.DefaultLimit)
	assert.Nil(t, upd.JSON200.RegisteredLimit.Description)
	assert.Equal(t, f.region, *upd.JSON200.RegisteredLimit.RegionID, "region_id was not in the PATCH")

	// A project limit for the regional resource and a domain limit for the
	// other, in one request.
	limits, err := c.Raw().CreateLimitsWithResponse(ctx, identityv3.CreateLimitsJSONRequestBody{
		Limits: []identityv3.LimitCreate{
			{ProjectID: &f.project, ServiceID: f.service, RegionID: &f.region, ResourceName: "snapshots", ResourceLimit: 15},
			{DomainID: &f.domain, ServiceID: f.service, ResourceName: "volumes", ResourceLimit: -1, Description: nullable.NewNullableWithValue("unlimited")},
		},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, limits.StatusCode())
	require.Len(t, limits.JSON201.Limits, 2)
	projLimit, domLimit := limits.JSON201.Limits[0], limits.JSON201.Limits[1]
	for _, l := range limits.JSON201.Limits {
		e2eutil.DeleteLater(t, c.Raw().DeleteLimitWithResponse, l.ID)
	}
	assert.Equal(t, f.project, *projLimit.ProjectID)
	assert.Nil(t, projLimit.DomainID)
	assert.Equal(t, 15, projLimit.ResourceLimit)
	assert.Equal(t, f.domain, *domLimit.DomainID)
	assert.Nil(t, domLimit.ProjectID)
	assert.Nil(t, domLimit.RegionID)
	assert.Equal(t, -1, domLimit.ResourceLimit)
	assert.Equal(t, "unlimited", *domLimit.Description)

	// A limit for a resource nobody registered is refused.
	_, err = c.Raw().CreateLimitsWithResponse(ctx, identityv3.CreateLimitsJSONRequestBody{
		Limits: []identityv3.LimitCreate{{ProjectID: &f.project, ServiceID: f.service, ResourceName: "unregistered", ResourceLimit: 1}},
	})
	assert.ErrorIs(t, err, apierror.ErrForbidden)

	// A registered limit that limits refer to can be neither changed nor
	// deleted.
	_, err = c.Raw().UpdateRegisteredLimitWithResponse(ctx, snaps.ID, identityv3.UpdateRegisteredLimitJSONRequestBody{
		RegisteredLimit: identityv3.RegisteredLimitUpdate{DefaultLimit: new(30)},
	})
	assert.ErrorIs(t, err, apierror.ErrForbidden)
	_, err = c.Raw().DeleteRegisteredLimitWithResponse(ctx, snaps.ID)
	assert.ErrorIs(t, err, apierror.ErrForbidden)

	// Which limits a list shows depends on the token: a system-scoped token
	// sees all; before Keystone 30 a project-scoped one sees only its own
	// project's limits, even with the admin role, which since Keystone 30
	// (like the service role) sees all.
	projectScoped, err := c.Raw().ListLimitsWithResponse(ctx, &identityv3.ListLimitsParams{ProjectID: &f.project})
	require.NoError(t, err)
	if e2eutil.ReleaseAtLeast(t, e2eutil.Latest) {
		assert.Equal(t, []string{projLimit.ID}, e2eutil.IDs(projectScoped.JSON200.Limits), "the admin role sees every project's limits")
	} else {
		assert.Empty(t, projectScoped.JSON200.Limits, "Keystone filters a project-scoped list to the token's project")
	}

	sys := systemAdmin(t)
	listL := func(p identityv3.ListLimitsParams) []string {
		t.Helper()
		resp, err := sys.Raw().ListLimitsWithResponse(ctx, &p)
		require.NoError(t, err)
		var ids []string
		for _, l := range resp.JSON200.Limits {
			ids = append(ids, l.ID)
		}
		return ids
	}
	assert.ElementsMatch(t, []string{projLimit.ID, domLimit.ID}, listL(identityv3.ListLimitsParams{ServiceID: &f.service}))
	assert.Equal(t, []string{projLimit.ID}, listL(identityv3.ListLimitsParams{ProjectID: &f.project}))
	assert.Equal(t, []string{domLimit.ID}, listL(identityv3.ListLimitsParams{DomainID: &f.domain}))
	assert.Equal(t, []string{projLimit.ID}, listL(identityv3.ListLimitsParams{ServiceID: &f.service, RegionID: &f.region}))
	assert.Equal(t, []string{domLimit.ID}, listL(identityv3.ListLimitsParams{ServiceID: &f.service, ResourceName: new("volumes")}))

	gotL, err := c.Raw().GetLimitWithResponse(ctx, projLimit.ID)
	require.NoError(t, err)
	assert.Equal(t, projLimit.ID, gotL.JSON200.Limit.ID)
	assert.Equal(t, "snapshots", gotL.JSON200.Limit.ResourceName)

	updL, err := c.Raw().UpdateLimitWithResponse(ctx, projLimit.ID, identityv3.UpdateLimitJSONRequestBody{
		Limit: identityv3.LimitUpdate{ResourceLimit: new(25), Description: nullable.NewNullableWithValue("raised")},
	})
	require.NoError(t, err)
	assert.Equal(t, 25, updL.JSON200.Limit.ResourceLimit)
	assert.Equal(t, "raised", *updL.JSON200.Limit.Description)

	// Keystone (Zed) skips values Python deems false: 0 and a null
	// description leave the limit as it was.
	updL, err = c.Raw().UpdateLimitWithResponse(ctx, projLimit.ID, identityv3.UpdateLimitJSONRequestBody{
		Limit: identityv3.LimitUpdate{ResourceLimit: new(0)},
	})
	require.NoError(t, err)
	assert.Equal(t, 25, updL.JSON200.Limit.ResourceLimit, "a resource_limit of 0 is ignored")
	updL, err = c.Raw().UpdateLimitWithBodyWithResponse(ctx, projLimit.ID, "application/json",
		strings.NewReader(`{"limit": {"description": null}}`))
	require.NoError(t, err)
	assert.Equal(t, "raised", *updL.JSON200.Limit.Description, "a null description is ignored")

	// Delete the limits, then the registered limits are free to go.
	for _, id := range []string{projLimit.ID, domLimit.ID} {
		del, err := c.Raw().DeleteLimitWithResponse(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, http.StatusNoContent, del.StatusCode())
		_, err = c.Raw().GetLimitWithResponse(ctx, id)
		assert.ErrorIs(t, err, apierror.ErrNotFound)
	}
	for _, id := range []string{snaps.ID, vols.ID} {
		del, err := c.Raw().DeleteRegisteredLimitWithResponse(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, http.StatusNoContent, del.StatusCode())
		_, err = c.Raw().GetRegisteredLimitWithResponse(ctx, id)
		assert.ErrorIs(t, err, apierror.ErrNotFound)
	}
}
