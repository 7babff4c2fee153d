package epfilter_test

import (
	"testing"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// createEndpoint creates an endpoint of the service in the region.
func createEndpoint(t *testing.T, c *identity.Client, serviceID, regionID string, iface identityv3.EndpointInterface) identityv3.Endpoint {
	t.Helper()
	return e2eutil.Endpoint(t, c, identityv3.EndpointCreate{ServiceID: serviceID, RegionID: &regionID, Interface: iface})
}
