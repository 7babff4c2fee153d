// Package fedauth_test runs the federation auth plugins of pkg/auth/federation
// against the real Keystone: the header-carried ("mapped") login and
// Keystone to Keystone.
package fedauth_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// The test Keystone reads the federated assertion from request headers:
// [federation] assertion_prefix = HTTP_X_KS_FED_ and remote_id_attribute =
// HTTP_X_KS_FED_IDP (see /work/shared/keystone/README.md). In a real
// deployment the web server in front of Keystone sets them.
const (
	headerRemoteID = "X-Ks-Fed-Idp"
	headerUser     = "X-Ks-Fed-User"
)

func ptr[T any](v T) *T { return &v }

// cleanup is e2eutil.Cleanup, retried when the connection breaks (safe for
// deletes).
func cleanup(t *testing.T, fn func(ctx context.Context) error) {
	e2eutil.Cleanup(t, e2eutil.Retrying(fn))
}

func createDomain(t *testing.T, admin *identity.Client) string {
	t.Helper()
	resp, err := admin.Raw().CreateDomainWithResponse(e2eutil.Ctx(t), identityv3.CreateDomainJSONRequestBody{
		Domain: identityv3.DomainCreate{Name: e2eutil.Name(t, "fedauth")},
	})
	require.NoError(t, err)
	id := resp.JSON201.Domain.ID
	e2eutil.DeleteDomainLater(t, admin, id)
	return id
}

func createGroup(t *testing.T, admin *identity.Client) string {
	t.Helper()
	resp, err := admin.Raw().CreateGroupWithResponse(e2eutil.Ctx(t), identityv3.CreateGroupJSONRequestBody{
		Group: identityv3.GroupCreate{Name: e2eutil.Name(t, "fedgrp")},
	})
	require.NoError(t, err)
	id := resp.JSON201.Group.ID
	e2eutil.DeleteLater(t, admin.Raw().DeleteGroupWithResponse, id)
	return id
}

// createUser makes a local user of the default domain with the member role
// on project.
func createUser(t *testing.T, admin *identity.Client, project, password string) identityv3.User {
	t.Helper()
	ctx := e2eutil.Ctx(t)
	resp, err := admin.Raw().CreateUserWithResponse(ctx, identityv3.CreateUserJSONRequestBody{
		User: identityv3.UserCreate{Name: e2eutil.Name(t, "k2kuser"), Password: nullable.NewNullableWithValue(password)},
	})
	require.NoError(t, err)
	u := resp.JSON201.User
	e2eutil.DeleteLater(t, admin.Raw().DeleteUserWithResponse, u.ID)
	_, err = admin.Raw().GrantProjectUserRoleWithResponse(ctx, project, u.ID, e2eutil.RoleID(t, admin, "member"))
	require.NoError(t, err)
	return u
}

// createIdP registers an identity provider. Remote ids are unique across
// providers, and the K2K test's (Keystone's own entity id) is one fixed
// value, so a run that meets it held by another one in progress waits.
func createIdP(t *testing.T, admin *identity.Client, id, domainID, remoteID string) {
	t.Helper()
	ctx := e2eutil.Ctx(t)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := admin.Raw().CreateIdentityProviderWithResponse(ctx, id, identityv3.CreateIdentityProviderJSONRequestBody{
			IdentityProvider: identityv3.IdentityProviderCreate{Enabled: ptr(true), DomainID: nullable.NewNullableWithValue(domainID), RemoteIDs: nullable.NewNullableWithValue([]string{remoteID})},
		})
		if errors.Is(err, apierror.ErrConflict) && time.Now().Before(deadline) {
			t.Logf("remote id %s is held by another identity provider; waiting for it to go", remoteID)
			time.Sleep(3 * time.Second)
			continue
		}
		require.NoError(t, err, "remote id %s (held by a leftover identity provider?)", remoteID)
		require.Equal(t, http.StatusCreated, resp.StatusCode())
		break
	}
	cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteIdentityProviderWithResponse(ctx, id)
		return err
	})
}

// createMappedProtocol maps the attribute (a request environment name,
// "HTTP_X_KS_FED_USER") to the user name and puts every user in group,
// under protocol of the identity provider.
func createMappedProtocol(t *testing.T, admin *identity.Client, idp, protocol, attribute, group string) {
	t.Helper()
	ctx := e2eutil.Ctx(t)
	mapping := e2eutil.Name(t, "map")
	_, err := admin.Raw().CreateMappingWithResponse(ctx, mapping, identityv3.CreateMappingJSONRequestBody{
		Mapping: identityv3.MappingDefinition{Rules: []identityv3.MappingRule{{
			Local: []identityv3.MappingLocal{
				{User: &identityv3.MappingUser{Name: ptr("{0}")}},
				{Group: &identityv3.MappingGroup{ID: &group}},
			},
			Remote: []identityv3.MappingRemote{{Type: attribute}},
		}}},
	})
	require.NoError(t, err)
	cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteMappingWithResponse(ctx, mapping)
		return err
	})
	_, err = admin.Raw().CreateIdentityProviderProtocolWithResponse(ctx, idp, protocol,
		identityv3.CreateIdentityProviderProtocolJSONRequestBody{Protocol: identityv3.FederationProtocolCreate{MappingID: mapping}})
	require.NoError(t, err)
	// Deleting the provider deletes its protocols.
}

func createSP(t *testing.T, admin *identity.Client, id, spURL, authURL string) {
	t.Helper()
	_, err := admin.Raw().CreateServiceProviderWithResponse(e2eutil.Ctx(t), id, identityv3.CreateServiceProviderJSONRequestBody{
		ServiceProvider: identityv3.ServiceProviderCreate{AuthURL: authURL, SpURL: spURL, Enabled: ptr(true)},
	})
	require.NoError(t, err)
	cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteServiceProviderWithResponse(ctx, id)
		return err
	})
}

// deleteShadowUser removes the user a federated login created, when the
// test ends (the identity provider's domain would take it too, but only
// after the provider is gone).
func deleteShadowUser(t *testing.T, admin *identity.Client, userID string) {
	e2eutil.DeleteLater(t, admin.Raw().DeleteUserWithResponse, userID)
}

// federatedDomain is a provider with its own domain, a group with the member
// role on a project, and a protocol whose mapping puts every user it
// names in the group.
type federatedDomain struct {
	domainID, groupID, idp string
	project                identityv3.Project
}

func setUpFederation(t *testing.T, admin *identity.Client, remoteID, protocol, userAttribute string) federatedDomain {
	t.Helper()
	f := federatedDomain{
		domainID: createDomain(t, admin), // removed last: cleanups run in reverse
		groupID:  createGroup(t, admin),
		project:  e2eutil.Project(t, admin, e2eutil.Prefix("fedproj")),
		idp:      e2eutil.Name(t, "idp"),
	}
	_, err := admin.Raw().GrantProjectGroupRoleWithResponse(e2eutil.Ctx(t), f.project.ID, f.groupID, e2eutil.RoleID(t, admin, "member"))
	require.NoError(t, err)
	createIdP(t, admin, f.idp, f.domainID, remoteID)
	createMappedProtocol(t, admin, f.idp, protocol, userAttribute, f.groupID)
	return f
}
