package federation_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/keystone-go/keystone/gen/identityv3"
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

// assertion adds the headers the test Keystone takes as a federated
// assertion: the identity provider's remote id and the user name.
func assertion(remoteID, user string) identityv3.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set(headerRemoteID, remoteID)
		req.Header.Set(headerUser, user)
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

func createIdP(t *testing.T, c *identity.Client, id string, body identityv3.IdentityProviderCreate) identityv3.IdentityProvider {
	t.Helper()
	resp, err := c.Raw().CreateIdentityProviderWithResponse(e2eutil.Ctx(t), id,
		identityv3.CreateIdentityProviderJSONRequestBody{IdentityProvider: body})
	created := e2eutil.Created(t, resp, err).JSON201.IdentityProvider
	e2eutil.DeleteLater(t, c.Raw().DeleteIdentityProviderWithResponse, id)
	return created
}

func createMapping(t *testing.T, c *identity.Client, id string, rules []identityv3.MappingRule) identityv3.Mapping {
	t.Helper()
	resp, err := c.Raw().CreateMappingWithResponse(e2eutil.Ctx(t), id, identityv3.CreateMappingJSONRequestBody{
		Mapping: identityv3.MappingDefinition{Rules: rules},
	})
	created := e2eutil.Created(t, resp, err).JSON201.Mapping
	e2eutil.DeleteLater(t, c.Raw().DeleteMappingWithResponse, id)
	return created
}

func createProtocol(t *testing.T, c *identity.Client, idp, protocol string, body identityv3.FederationProtocolCreate) identityv3.FederationProtocol {
	t.Helper()
	resp, err := c.Raw().CreateIdentityProviderProtocolWithResponse(e2eutil.Ctx(t), idp, protocol,
		identityv3.CreateIdentityProviderProtocolJSONRequestBody{Protocol: body})
	created := e2eutil.Created(t, resp, err).JSON201.Protocol
	e2eutil.Cleanup(t, e2eutil.Retrying(func(ctx context.Context) error {
		_, err := c.Raw().DeleteIdentityProviderProtocolWithResponse(ctx, idp, protocol)
		return err
	}))
	return created
}

func createSP(t *testing.T, c *identity.Client, id string, body identityv3.ServiceProviderCreate) identityv3.ServiceProvider {
	t.Helper()
	resp, err := c.Raw().CreateServiceProviderWithResponse(e2eutil.Ctx(t), id,
		identityv3.CreateServiceProviderJSONRequestBody{ServiceProvider: body})
	created := e2eutil.Created(t, resp, err).JSON201.ServiceProvider
	e2eutil.DeleteLater(t, c.Raw().DeleteServiceProviderWithResponse, id)
	return created
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
		domainID: e2eutil.Domain(t, admin, e2eutil.Prefix("fed")).ID, // removed last: cleanups run in reverse
		groupID:  e2eutil.Group(t, admin, e2eutil.Prefix("fedgrp")).ID,
		project:  e2eutil.Project(t, admin, e2eutil.Prefix("fedproj")),
		idp:      e2eutil.Name(t, "idp"),
		mapping:  e2eutil.Name(t, "map"),
	}
	f.remoteID = "https://idp.test/" + f.idp
	e2eutil.GrantProjectGroupRole(t, admin, f.project.ID, f.groupID, e2eutil.RoleID(t, admin, "member"))
	createIdP(t, admin, f.idp, identityv3.IdentityProviderCreate{
		Enabled: new(true), DomainID: nullable.NewNullableWithValue(f.domainID), RemoteIDs: nullable.NewNullableWithValue([]string{f.remoteID}),
	})
	createMapping(t, admin, f.mapping, []identityv3.MappingRule{{
		Local: []identityv3.MappingLocal{
			{User: &identityv3.MappingUser{Name: new("{0}")}},
			{Group: &identityv3.MappingGroup{ID: &f.groupID}},
		},
		Remote: []identityv3.MappingRemote{{Type: userAttribute}},
	}})
	createProtocol(t, admin, f.idp, protocolMapped, identityv3.FederationProtocolCreate{MappingID: f.mapping})
	return f
}

// dashboard is the WebSSO origin the test Keystone trusts
// ([federation] trusted_dashboard).
func dashboard() string {
	return strings.TrimSuffix(strings.TrimSuffix(e2eutil.AuthURL(), "/"), "/v3") + "/dashboard/auth/websso/"
}
