package epfilter_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func ignoreNotFound(err error) error {
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	return err
}

func ptr[T any](v T) *T { return &v }

func createProject(t *testing.T, c *identity.Client) identityv3.Project {
	t.Helper()
	resp, err := c.CreateProjectWithResponse(e2eutil.Ctx(t), identityv3.CreateProjectJSONRequestBody{
		Project: identityv3.ProjectCreate{Name: e2eutil.Name(t, "epf-p")},
	})
	require.NoError(t, err)
	p := resp.JSON201.Project
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteProjectWithResponse(ctx, p.ID)
		return ignoreNotFound(err)
	})
	return p
}

// createService creates a service of a type no one else uses.
func createService(t *testing.T, c *identity.Client) identityv3.Service {
	t.Helper()
	name := e2eutil.Name(t, "epf-svc")
	resp, err := c.CreateServiceWithResponse(e2eutil.Ctx(t), identityv3.CreateServiceJSONRequestBody{
		Service: identityv3.ServiceCreate{Type: name, Name: &name},
	})
	require.NoError(t, err)
	s := resp.JSON201.Service
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteServiceWithResponse(ctx, s.ID)
		return ignoreNotFound(err)
	})
	return s
}

func createRegion(t *testing.T, c *identity.Client) string {
	t.Helper()
	id := e2eutil.Name(t, "epf-region")
	resp, err := c.CreateRegionWithResponse(e2eutil.Ctx(t), identityv3.CreateRegionJSONRequestBody{
		Region: identityv3.RegionCreate{ID: &id},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteRegionWithResponse(ctx, id)
		return ignoreNotFound(err)
	})
	return id
}

func createEndpoint(t *testing.T, c *identity.Client, serviceID, regionID string, iface identityv3.EndpointInterface) identityv3.Endpoint {
	t.Helper()
	resp, err := c.CreateEndpointWithResponse(e2eutil.Ctx(t), identityv3.CreateEndpointJSONRequestBody{
		Endpoint: identityv3.EndpointCreate{ServiceID: serviceID, RegionID: &regionID, Interface: iface,
			URL: "http://" + e2eutil.Name(t, string(iface)) + ".example.test/"},
	})
	require.NoError(t, err)
	e := resp.JSON201.Endpoint
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteEndpointWithResponse(ctx, e.ID)
		return ignoreNotFound(err)
	})
	return e
}

func createPolicy(t *testing.T, c *identity.Client, blob string) identityv3.Policy {
	t.Helper()
	resp, err := c.CreatePolicyWithResponse(e2eutil.Ctx(t), identityv3.CreatePolicyJSONRequestBody{
		Policy: identityv3.PolicyCreate{Blob: blob, Type: "application/json"},
	})
	require.NoError(t, err)
	p := resp.JSON201.Policy
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeletePolicyWithResponse(ctx, p.ID)
		return ignoreNotFound(err)
	})
	return p
}

type user struct{ ID, Password string }

func createMember(t *testing.T, c *identity.Client, projectID string) user {
	t.Helper()
	u := user{Password: "pw-" + e2eutil.Name(t, "x")}
	resp, err := c.CreateUserWithResponse(e2eutil.Ctx(t), identityv3.CreateUserJSONRequestBody{
		User: identityv3.UserCreate{Name: e2eutil.Name(t, "epf-user"), Password: &u.Password},
	})
	require.NoError(t, err)
	u.ID = resp.JSON201.User.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteUserWithResponse(ctx, u.ID)
		return ignoreNotFound(err)
	})
	name := "member"
	roles, err := c.ListRolesWithResponse(e2eutil.Ctx(t), &identityv3.ListRolesParams{Name: &name})
	require.NoError(t, err)
	require.Len(t, roles.JSON200.Roles, 1)
	_, err = c.GrantProjectUserRoleWithResponse(e2eutil.Ctx(t), projectID, u.ID, roles.JSON200.Roles[0].ID)
	require.NoError(t, err)
	return u
}

func endpointIDs(eps []identityv3.Endpoint) []string {
	ids := make([]string, 0, len(eps))
	for _, e := range eps {
		ids = append(ids, e.ID)
	}
	return ids
}

func projectIDs(ps []identityv3.Project) []string {
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}
