package catalogresources_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// Keystone 30 refuses a region list with a query parameter other than
// parent_region_id; Zed and Epoxy ignore it.
func TestRegionListUnknownQuery(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	withName := func(_ context.Context, req *http.Request) error {
		q := req.URL.Query()
		q.Set("name", "RegionOne")
		req.URL.RawQuery = q.Encode()
		return nil
	}
	resp, err := admin.Raw().ListRegionsWithResponse(ctx, nil, withName)
	if e2eutil.ReleaseIs(t, e2eutil.Latest) {
		require.ErrorIs(t, err, apierror.ErrBadRequest)
		return
	}
	regions := e2eutil.OK(t, resp, err).JSON200.Regions
	ids := e2eutil.IDs(regions)
	assert.Contains(t, ids, "RegionOne")
	all, err := admin.Raw().ListRegionsWithResponse(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, ids, len(all.JSON200.Regions), "the unknown filter is ignored, not applied")
}
