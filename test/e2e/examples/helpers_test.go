package examples_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// passwordOf is the plugin of an account, scoped to its project.
func passwordOf(a account) *auth.Password {
	return &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: a.userID, Password: a.password,
		Scope: auth.Scope{ProjectID: a.projectID}}
}

// federation is an identity provider whose users (named by the
// X-Ks-Fed-User header, the test Keystone's stand-in for an assertion)
// land in a group with the member role on a project.
type federation struct {
	idp, remoteID          string
	projectID, projectName string
}

func setUpFederation(t *testing.T, admin *identity.Client) federation {
	t.Helper()
	ctx := e2eutil.Ctx(t)
	f := federation{idp: e2eutil.Name(t, "exidp"), projectName: e2eutil.Name(t, "exfedproj")}
	f.remoteID = "https://idp.test/" + f.idp

	// The shadow users live in a domain of the provider's own; deleting
	// the domain (after the provider, as cleanups run in reverse) deletes
	// them.
	dom, err := admin.Raw().CreateDomainWithResponse(ctx, identityv3.CreateDomainJSONRequestBody{
		Domain: identityv3.DomainCreate{Name: e2eutil.Name(t, "exfeddom")}})
	require.NoError(t, err)
	domainID := dom.JSON201.Domain.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		if _, err := admin.Raw().UpdateDomainWithResponse(ctx, domainID, identityv3.UpdateDomainJSONRequestBody{
			Domain: identityv3.DomainUpdate{Enabled: new(false)}}); ignoreNotFound(err) != nil {
			return err
		}
		_, err := admin.Raw().DeleteDomainWithResponse(ctx, domainID)
		return ignoreNotFound(err)
	})

	group, err := admin.Raw().CreateGroupWithResponse(ctx, identityv3.CreateGroupJSONRequestBody{
		Group: identityv3.GroupCreate{Name: e2eutil.Name(t, "exfedgroup")}})
	require.NoError(t, err)
	groupID := group.JSON201.Group.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteGroupWithResponse(ctx, groupID)
		return ignoreNotFound(err)
	})
	proj, err := admin.Raw().CreateProjectWithResponse(ctx, identityv3.CreateProjectJSONRequestBody{
		Project: identityv3.ProjectCreate{Name: f.projectName}})
	require.NoError(t, err)
	f.projectID = proj.JSON201.Project.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteProjectWithResponse(ctx, f.projectID)
		return ignoreNotFound(err)
	})
	grant, err := admin.Raw().GrantProjectGroupRoleWithResponse(ctx, f.projectID, groupID, e2eutil.RoleID(t, admin, "member"))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, grant.StatusCode())

	idp, err := admin.Raw().CreateIdentityProviderWithResponse(ctx, f.idp, identityv3.CreateIdentityProviderJSONRequestBody{
		IdentityProvider: identityv3.IdentityProviderCreate{Enabled: new(true), DomainID: nullable.NewNullableWithValue(domainID), RemoteIDs: nullable.NewNullableWithValue([]string{f.remoteID})}})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, idp.StatusCode())
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteIdentityProviderWithResponse(ctx, f.idp)
		return ignoreNotFound(err)
	})
	mapping := e2eutil.Name(t, "exmap")
	m, err := admin.Raw().CreateMappingWithResponse(ctx, mapping, identityv3.CreateMappingJSONRequestBody{
		Mapping: identityv3.MappingDefinition{Rules: []identityv3.MappingRule{{
			Local: []identityv3.MappingLocal{
				{User: &identityv3.MappingUser{Name: new("{0}")}},
				{Group: &identityv3.MappingGroup{ID: &groupID}},
			},
			Remote: []identityv3.MappingRemote{{Type: "HTTP_X_KS_FED_USER"}},
		}}}})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, m.StatusCode())
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteMappingWithResponse(ctx, mapping)
		return ignoreNotFound(err)
	})
	p, err := admin.Raw().CreateIdentityProviderProtocolWithResponse(ctx, f.idp, "mapped",
		identityv3.CreateIdentityProviderProtocolJSONRequestBody{Protocol: identityv3.FederationProtocolCreate{MappingID: mapping}})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, p.StatusCode())
	return f
}

// grantNewRole makes a role of the test's own and grants it to a on its
// project, and returns its name.
//
// The application credentials of these tests delegate only such a role:
// the test Keystone keeps its data in SQLite without foreign keys, so
// deleting an application credential leaves its role rows behind, and the
// next credential, which reuses the freed internal id, fails with a 409
// when it delegates one of the same roles.
func grantNewRole(t *testing.T, admin *identity.Client, a account) string {
	t.Helper()
	ctx := e2eutil.Ctx(t)
	name := e2eutil.Name(t, "exrole")
	role, err := admin.Raw().CreateRoleWithResponse(ctx, identityv3.CreateRoleJSONRequestBody{Role: identityv3.RoleCreate{Name: name}})
	require.NoError(t, err)
	id := role.JSON201.Role.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteRoleWithResponse(ctx, id)
		return ignoreNotFound(err)
	})
	grant, err := admin.Raw().GrantProjectUserRoleWithResponse(ctx, a.projectID, a.userID, id)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, grant.StatusCode())
	return name
}

// staleRoleRows reports whether an example failed because its application
// credential inherited the role rows a deleted one left behind in the test
// Keystone's SQLite database (a role that no longer exists).
func staleRoleRows(stderr string) bool {
	return strings.Contains(stderr, "Could not find role") || strings.Contains(stderr, "Duplicate entry found with name")
}

// occupyAppCredID creates an application credential for a (with a role of
// its own), so that the internal id Keystone gives next is a new one. It
// goes with the user at the end of the test.
func occupyAppCredID(t *testing.T, a account) {
	t.Helper()
	ctx := e2eutil.Ctx(t)
	role := grantNewRole(t, e2eutil.Admin(t), a)
	owner := e2eutil.Client(t, e2eutil.Session(t, passwordOf(a)))
	_, err := owner.Raw().CreateApplicationCredentialWithResponse(ctx, a.userID, identityv3.CreateApplicationCredentialJSONRequestBody{
		ApplicationCredential: identityv3.ApplicationCredentialCreate{Name: e2eutil.Name(t, "placeholder"),
			Roles: []identityv3.ApplicationCredentialRoleSelector{{Name: &role}}}})
	require.NoError(t, err)
}
