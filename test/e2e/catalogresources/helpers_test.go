package catalogresources_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// The tests of this package do not call t.Parallel: Keystone on sqlite
// fails (with an empty reply) a transaction that reads and then writes, such
// as creating a region under a parent or deleting a region, whenever another
// write commits in between, and these tests write to the same tables.

// ignoreNotFound lets a cleanup succeed when the test already deleted the
// resource itself.
func ignoreNotFound(err error) error {
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	return err
}

// deleteRegionLater deletes the region when the test ends.
func deleteRegionLater(t *testing.T, c *identity.Client, id string) {
	t.Helper()
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteRegionWithResponse(ctx, id)
		return ignoreNotFound(err)
	})
}

// createService creates a service of a type no other test uses (so that
// catalog lookups elsewhere are not disturbed) and deletes it when the test
// ends.
func createService(t *testing.T, c *identity.Client, body identityv3.ServiceCreate) identityv3.Service {
	t.Helper()
	resp, err := c.CreateServiceWithResponse(e2eutil.Ctx(t), identityv3.CreateServiceJSONRequestBody{Service: body})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	svc := resp.JSON201.Service
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteServiceWithResponse(ctx, svc.ID)
		return ignoreNotFound(err)
	})
	return svc
}

// createEndpoint creates an endpoint and deletes it when the test ends.
func createEndpoint(t *testing.T, c *identity.Client, body identityv3.EndpointCreate) identityv3.Endpoint {
	t.Helper()
	resp, err := c.CreateEndpointWithResponse(e2eutil.Ctx(t), identityv3.CreateEndpointJSONRequestBody{Endpoint: body})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	ep := resp.JSON201.Endpoint
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteEndpointWithResponse(ctx, ep.ID)
		return ignoreNotFound(err)
	})
	return ep
}

func regionIDs(regions []identityv3.Region) []string {
	ids := make([]string, 0, len(regions))
	for _, r := range regions {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}

func endpointIDs(eps []identityv3.Endpoint) []string {
	ids := make([]string, 0, len(eps))
	for _, e := range eps {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}
