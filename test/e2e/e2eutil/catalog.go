package e2eutil

import (
	"testing"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/identity"
)

// The fixtures of resources whose create body carries what the test is
// about take that body; what it leaves empty is made up.

// Service creates a service, deleted when the test ends (with its
// endpoints). An empty Type becomes a unique one, so that no other test's
// catalog lookup can pick the service.
func Service(t testing.TB, c *identity.Client, body identityv3.ServiceCreate) identityv3.Service {
	t.Helper()
	if body.Type == "" {
		body.Type = Name(t, "type")
	}
	resp, err := c.Raw().CreateServiceWithResponse(Ctx(t), identityv3.CreateServiceJSONRequestBody{Service: body})
	svc := Created(t, resp, err).JSON201.Service
	DeleteLater(t, c.Raw().DeleteServiceWithResponse, svc.ID)
	return svc
}

// Endpoint creates an endpoint of body.ServiceID, deleted when the test
// ends. An empty Interface is public, an empty URL a unique one.
func Endpoint(t testing.TB, c *identity.Client, body identityv3.EndpointCreate) identityv3.Endpoint {
	t.Helper()
	if body.Interface == "" {
		body.Interface = identityv3.EndpointInterfacePublic
	}
	if body.URL == "" {
		body.URL = "http://" + Name(t, string(body.Interface)) + ".example.test/"
	}
	resp, err := c.Raw().CreateEndpointWithResponse(Ctx(t), identityv3.CreateEndpointJSONRequestBody{Endpoint: body})
	ep := Created(t, resp, err).JSON201.Endpoint
	DeleteLater(t, c.Raw().DeleteEndpointWithResponse, ep.ID)
	return ep
}

// Region creates a region, with a unique id unless body has one, deleted
// when the test ends.
func Region(t testing.TB, c *identity.Client, body identityv3.RegionCreate) identityv3.Region {
	t.Helper()
	if body.ID == nil {
		body.ID = new(Name(t, "region"))
	}
	resp, err := c.Raw().CreateRegionWithResponse(Ctx(t), identityv3.CreateRegionJSONRequestBody{Region: body})
	region := Created(t, resp, err).JSON201.Region
	DeleteLater(t, c.Raw().DeleteRegionWithResponse, region.ID)
	return region
}

// Policy creates a policy (of type application/json unless body says
// otherwise), deleted when the test ends.
func Policy(t testing.TB, c *identity.Client, body identityv3.PolicyCreate) identityv3.Policy {
	t.Helper()
	if body.Type == "" {
		body.Type = "application/json"
	}
	resp, err := c.Raw().CreatePolicyWithResponse(Ctx(t), identityv3.CreatePolicyJSONRequestBody{Policy: body})
	policy := Created(t, resp, err).JSON201.Policy
	DeleteLater(t, c.Raw().DeletePolicyWithResponse, policy.ID)
	return policy
}
