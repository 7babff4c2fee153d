package federation_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// The test Keystone reads the federation assertion from request headers:
// [federation] assertion_prefix = HTTP_X_KS_FED_ and remote_id_attribute =
// HTTP_X_KS_FED_IDP (see hack/keystone-up.sh). A real deployment gets these
// from the web server in front of Keystone.
const (
	headerRemoteID = "X-Ks-Fed-Idp"
	headerUser     = "X-Ks-Fed-User"
	// userAttribute is how the mapping names the X-Ks-Fed-User header.
	userAttribute = "HTTP_X_KS_FED_USER"
)

func ignoreNotFound(err error) error {
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	return err
}

func ptr[T any](v T) *T { return &v }

// anonymous is a generated client without a session: no X-Auth-Token, the
// absolute Keystone URL, and answers outside 2xx come back as responses
// (not errors) so a test can look at them. Every answer is still validated
// against the spec.
func anonymous(t *testing.T) *identityv3.ClientWithResponses {
	t.Helper()
	c, err := identityv3.NewClientWithResponses(e2eutil.AuthURL(), identityv3.WithHTTPClient(e2eutil.HTTPClient(t)))
	require.NoError(t, err)
	return c
}

// assertion adds the headers the test Keystone takes as a federated
// assertion: the identity provider's remote id and the user name.
func assertion(remoteID, user string) identityv3.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set(headerRemoteID, remoteID)
		req.Header.Set(headerUser, user)
		return nil
	}
}

// withToken sends a token as X-Auth-Token on an anonymous client's request.
func withToken(token string) identityv3.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Auth-Token", token)
		return nil
	}
}

// mappedLogin is an auth.Plugin for the test Keystone's header-driven
// federated login: it asks POST .../protocols/{protocol}/auth for an
// unscoped federated token.
type mappedLogin struct {
	idp, protocol, remoteID, user string
}

func (m *mappedLogin) Authenticate(ctx context.Context, client auth.Doer) (*auth.AccessInfo, error) {
	c, err := identityv3.NewClientWithResponses(e2eutil.AuthURL(), identityv3.WithHTTPClient(client))
	if err != nil {
		return nil, err
	}
	resp, err := c.IssueFederatedTokenWithResponse(ctx, m.idp, m.protocol, assertion(m.remoteID, m.user))
	if err != nil {
		return nil, err
	}
	token := resp.HTTPResponse.Header.Get("X-Subject-Token")
	if resp.JSON201 == nil || token == "" {
		return nil, fmt.Errorf("federated login: %d without a token", resp.StatusCode())
	}
	body := resp.JSON201.Token
	return &auth.AccessInfo{
		Token:     token,
		ExpiresAt: body.ExpiresAt.Time,
		IssuedAt:  body.IssuedAt.Time,
		AuthURL:   e2eutil.AuthURL(),
		Catalog:   catalog.New(nil), // an unscoped token has no catalog
		Body:      &body,
	}, nil
}

// createDomain creates an enabled domain and removes it (disable, then
// delete: Keystone refuses to delete an enabled domain) when the test ends.
func createDomain(t *testing.T, c *identity.Client) string {
	t.Helper()
	resp, err := c.CreateDomainWithResponse(e2eutil.Ctx(t), identityv3.CreateDomainJSONRequestBody{
		Domain: identityv3.DomainCreate{Name: e2eutil.Name(t, "fed")},
	})
	require.NoError(t, err)
	id := resp.JSON201.Domain.ID
	cleanup(t, func(ctx context.Context) error { return removeDomain(ctx, c, id) })
	return id
}

func removeDomain(ctx context.Context, c *identity.Client, id string) error {
	if _, err := c.UpdateDomainWithResponse(ctx, id, identityv3.UpdateDomainJSONRequestBody{
		Domain: identityv3.DomainUpdate{Enabled: ptr(false)},
	}); err != nil {
		return ignoreNotFound(err)
	}
	_, err := c.DeleteDomainWithResponse(ctx, id)
	return ignoreNotFound(err)
}

func createGroup(t *testing.T, c *identity.Client) string {
	t.Helper()
	resp, err := c.CreateGroupWithResponse(e2eutil.Ctx(t), identityv3.CreateGroupJSONRequestBody{
		Group: identityv3.GroupCreate{Name: e2eutil.Name(t, "fedgrp")},
	})
	require.NoError(t, err)
	id := resp.JSON201.Group.ID
	cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteGroupWithResponse(ctx, id)
		return ignoreNotFound(err)
	})
	return id
}

func createProject(t *testing.T, c *identity.Client) identityv3.Project {
	t.Helper()
	resp, err := c.CreateProjectWithResponse(e2eutil.Ctx(t), identityv3.CreateProjectJSONRequestBody{
		Project: identityv3.ProjectCreate{Name: e2eutil.Name(t, "fedproj")},
	})
	require.NoError(t, err)
	p := resp.JSON201.Project
	cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteProjectWithResponse(ctx, p.ID)
		return ignoreNotFound(err)
	})
	return p
}

func roleID(t *testing.T, c *identity.Client, name string) string {
	t.Helper()
	resp, err := c.ListRolesWithResponse(e2eutil.Ctx(t), &identityv3.ListRolesParams{Name: &name})
	require.NoError(t, err)
	require.Len(t, resp.JSON200.Roles, 1, "role %q", name)
	return resp.JSON200.Roles[0].ID
}

func createIdP(t *testing.T, c *identity.Client, id string, body identityv3.IdentityProviderCreate) identityv3.IdentityProvider {
	t.Helper()
	resp, err := c.CreateIdentityProviderWithResponse(e2eutil.Ctx(t), id,
		identityv3.CreateIdentityProviderJSONRequestBody{IdentityProvider: body})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteIdentityProviderWithResponse(ctx, id)
		return ignoreNotFound(err)
	})
	return resp.JSON201.IdentityProvider
}

func createMapping(t *testing.T, c *identity.Client, id string, rules []identityv3.MappingRule) identityv3.Mapping {
	t.Helper()
	resp, err := c.CreateMappingWithResponse(e2eutil.Ctx(t), id, identityv3.CreateMappingJSONRequestBody{
		Mapping: identityv3.MappingDefinition{Rules: rules},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteMappingWithResponse(ctx, id)
		return ignoreNotFound(err)
	})
	return resp.JSON201.Mapping
}

func createProtocol(t *testing.T, c *identity.Client, idp, protocol string, body identityv3.FederationProtocolCreate) identityv3.FederationProtocol {
	t.Helper()
	resp, err := c.CreateIdentityProviderProtocolWithResponse(e2eutil.Ctx(t), idp, protocol,
		identityv3.CreateIdentityProviderProtocolJSONRequestBody{Protocol: body})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteIdentityProviderProtocolWithResponse(ctx, idp, protocol)
		return ignoreNotFound(err)
	})
	return resp.JSON201.Protocol
}

func createSP(t *testing.T, c *identity.Client, id string, body identityv3.ServiceProviderCreate) identityv3.ServiceProvider {
	t.Helper()
	resp, err := c.CreateServiceProviderWithResponse(e2eutil.Ctx(t), id,
		identityv3.CreateServiceProviderJSONRequestBody{ServiceProvider: body})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode())
	cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteServiceProviderWithResponse(ctx, id)
		return ignoreNotFound(err)
	})
	return resp.JSON201.ServiceProvider
}

// federation is a working federated setup: an identity provider (with its
// own domain) whose "mapped" protocol maps the X-Ks-Fed-User header to a
// user name and puts every user in one group, which has the member role on
// one project.
type federation struct {
	domainID, groupID, idp, remoteID, mapping string
	project                                   identityv3.Project
}

const protocolMapped = "mapped"

func setUpFederation(t *testing.T, admin *identity.Client) federation {
	t.Helper()
	f := federation{
		domainID: createDomain(t, admin), // removed last: cleanups run in reverse
		groupID:  createGroup(t, admin),
		project:  createProject(t, admin),
		idp:      e2eutil.Name(t, "idp"),
		mapping:  e2eutil.Name(t, "map"),
	}
	f.remoteID = "https://idp.test/" + f.idp
	_, err := admin.GrantProjectGroupRoleWithResponse(e2eutil.Ctx(t), f.project.ID, f.groupID, roleID(t, admin, "member"))
	require.NoError(t, err)
	createIdP(t, admin, f.idp, identityv3.IdentityProviderCreate{
		Enabled: ptr(true), DomainID: &f.domainID, RemoteIds: []string{f.remoteID},
	})
	createMapping(t, admin, f.mapping, []identityv3.MappingRule{{
		Local: []identityv3.MappingLocal{
			{User: &identityv3.MappingUser{Name: ptr("{0}")}},
			{Group: &identityv3.MappingGroup{ID: &f.groupID}},
		},
		Remote: []identityv3.MappingRemote{{Type: userAttribute}},
	}})
	createProtocol(t, admin, f.idp, protocolMapped, identityv3.FederationProtocolCreate{MappingID: f.mapping})
	return f
}

// deleteShadowUser removes the user a federated login created, when the
// test ends.
func deleteShadowUser(t *testing.T, admin *identity.Client, userID string) {
	cleanup(t, func(ctx context.Context) error {
		_, err := admin.DeleteUserWithResponse(ctx, userID)
		return ignoreNotFound(err)
	})
}

// dashboard is the WebSSO origin the test Keystone trusts
// ([federation] trusted_dashboard).
func dashboard() string {
	return strings.TrimSuffix(strings.TrimSuffix(e2eutil.AuthURL(), "/"), "/v3") + "/dashboard/auth/websso/"
}

// cleanup is e2eutil.Cleanup, retried when the connection breaks: under
// load the test Keystone's sqlite answers "database is locked" with an empty
// reply, and a delete is safe to repeat (a not-found counts as done).
func cleanup(t *testing.T, fn func(ctx context.Context) error) {
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		var err error
		for attempt := 0; attempt < 4; attempt++ {
			if err = fn(ctx); err == nil || !errors.Is(err, apierror.ErrConnection) {
				return err
			}
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(attempt+1) * time.Second):
			}
		}
		return err
	})
}
