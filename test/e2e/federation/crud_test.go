package federation_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func TestIdentityProviderCRUD(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	domainID := e2eutil.Domain(t, admin, e2eutil.Prefix("fed")).ID
	id := e2eutil.Name(t, "idp")
	remote := "https://idp.test/" + id

	created := createIdP(t, admin, id, identityv3.IdentityProviderCreate{
		Enabled:          new(true),
		Description:      nullable.NewNullableWithValue("an identity provider"),
		DomainID:         nullable.NewNullableWithValue(domainID),
		RemoteIDs:        nullable.NewNullableWithValue([]string{remote, remote + "/alt"}),
		AuthorizationTTL: nullable.NewNullableWithValue(30),
	})
	assert.Equal(t, id, created.ID)
	assert.Equal(t, domainID, created.DomainID)
	assert.True(t, created.Enabled)
	assert.ElementsMatch(t, []string{remote, remote + "/alt"}, created.RemoteIDs)
	assert.Equal(t, new(30), created.AuthorizationTTL)
	protocols := "/OS-FEDERATION/identity_providers/" + id + "/protocols"
	if e2eutil.ReleaseAtLeast(t, e2eutil.Epoxy) {
		assert.Nil(t, created.Links.Protocols, "since Epoxy only lists link the protocols")
	} else {
		require.NotNil(t, created.Links.Protocols)
		assert.Contains(t, *created.Links.Protocols, protocols)
	}

	got, err := admin.Raw().GetIdentityProviderWithResponse(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, created, got.JSON200.IdentityProvider)

	// Filters: exact id, an inexact id filter, enabled.
	list, err := admin.Raw().ListIdentityProvidersWithResponse(ctx, &identityv3.ListIdentityProvidersParams{ID: &id})
	require.NoError(t, err)
	require.Len(t, list.JSON200.IdentityProviders, 1)
	assert.Equal(t, id, list.JSON200.IdentityProviders[0].ID)
	require.NotNil(t, list.JSON200.IdentityProviders[0].Links.Protocols, "lists link the protocols on every release")
	assert.Contains(t, *list.JSON200.IdentityProviders[0].Links.Protocols, protocols)
	prefix := id[:len(id)-4]
	list, err = admin.Raw().ListIdentityProvidersWithResponse(ctx, &identityv3.ListIdentityProvidersParams{IDStartswith: &prefix})
	require.NoError(t, err)
	assert.Contains(t, e2eutil.IDs(list.JSON200.IdentityProviders), id)
	list, err = admin.Raw().ListIdentityProvidersWithResponse(ctx, &identityv3.ListIdentityProvidersParams{IDStartswith: &prefix, Enabled: new(false)})
	require.NoError(t, err)
	assert.NotContains(t, e2eutil.IDs(list.JSON200.IdentityProviders), id, "an enabled provider is not listed with enabled=false")

	// A remote id belongs to one provider only.
	_, err = admin.Raw().CreateIdentityProviderWithResponse(ctx, id+"-dup", identityv3.CreateIdentityProviderJSONRequestBody{
		IdentityProvider: identityv3.IdentityProviderCreate{DomainID: nullable.NewNullableWithValue(domainID), RemoteIDs: nullable.NewNullableWithValue([]string{remote})},
	})
	assert.True(t, errors.Is(err, apierror.ErrConflict), "duplicate remote id: %v", err)

	// PATCH: null clears description and authorization_ttl, null clears remote_ids.
	upd, err := admin.Raw().UpdateIdentityProviderWithResponse(ctx, id, identityv3.UpdateIdentityProviderJSONRequestBody{
		IdentityProvider: identityv3.IdentityProviderUpdate{
			Enabled:          new(false),
			Description:      nullable.NewNullNullable[string](),
			AuthorizationTTL: nullable.NewNullNullable[int](),
			RemoteIDs:        nullable.NewNullableWithValue([]string{remote + "/new"}),
		},
	})
	require.NoError(t, err)
	p := upd.JSON200.IdentityProvider
	assert.False(t, p.Enabled)
	assert.Nil(t, p.Description)
	assert.Nil(t, p.AuthorizationTTL)
	assert.Equal(t, []string{remote + "/new"}, p.RemoteIDs)
	assert.Equal(t, domainID, p.DomainID, "PATCH leaves the domain alone")

	upd, err = admin.Raw().UpdateIdentityProviderWithResponse(ctx, id, identityv3.UpdateIdentityProviderJSONRequestBody{
		IdentityProvider: identityv3.IdentityProviderUpdate{RemoteIDs: nullable.NewNullNullable[[]string]()},
	})
	require.NoError(t, err)
	assert.Empty(t, upd.JSON200.IdentityProvider.RemoteIDs)

	// Keystone rejects attributes it does not know (and domain_id on PATCH).
	_, err = admin.Raw().UpdateIdentityProviderWithBodyWithResponse(ctx, id, "application/json",
		strings.NewReader(`{"identity_provider":{"domain_id":"default"}}`))
	assert.True(t, errors.Is(err, apierror.ErrBadRequest), "%v", err)

	del, err := admin.Raw().DeleteIdentityProviderWithResponse(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, del.StatusCode())
	_, err = admin.Raw().GetIdentityProviderWithResponse(ctx, id)
	assert.True(t, errors.Is(err, apierror.ErrNotFound), "%v", err)
}

// Without a domain_id Keystone creates a domain for the provider's users,
// and leaves it behind when the provider is deleted.
func TestIdentityProviderAutoDomain(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	id := e2eutil.Name(t, "idp")
	resp, err := admin.Raw().CreateIdentityProviderWithResponse(ctx, id, identityv3.CreateIdentityProviderJSONRequestBody{
		IdentityProvider: identityv3.IdentityProviderCreate{},
	})
	require.NoError(t, err)
	idp := resp.JSON201.IdentityProvider
	require.NotEmpty(t, idp.DomainID)
	e2eutil.DeleteDomainLater(t, admin, idp.DomainID)
	e2eutil.DeleteLater(t, admin.Raw().DeleteIdentityProviderWithResponse, id)
	assert.False(t, idp.Enabled, "enabled defaults to false")
	assert.Empty(t, idp.RemoteIDs)
	assert.Nil(t, idp.Description)

	dom, err := admin.Raw().GetDomainWithResponse(ctx, idp.DomainID)
	require.NoError(t, err)
	require.NotNil(t, dom.JSON200.Domain.Description)
	assert.Contains(t, *dom.JSON200.Domain.Description, id)
}

func TestMappingCRUD(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	id := e2eutil.Name(t, "map")
	ephemeral := identityv3.MappingUserTypeEphemeral
	local := identityv3.MappingUserTypeLocal
	// Every shape of rule Keystone's mapping schema allows.
	rules := []identityv3.MappingRule{
		{
			Local: []identityv3.MappingLocal{
				{User: &identityv3.MappingUser{Name: new("{0}"), Email: new("{1}"), Type: &ephemeral,
					Domain: &identityv3.MappingDomain{Name: new("Default")}}},
				{Group: &identityv3.MappingGroup{ID: new("0cd5e9")}},
				{Group: &identityv3.MappingGroup{Name: new("staff"), Domain: &identityv3.MappingDomain{ID: new("default")}}},
				{Groups: new("{2}"), Domain: &identityv3.MappingDomain{ID: new("default")}},
				{Projects: []identityv3.MappingProject{{Name: "{0}-sandbox", Roles: []identityv3.MappingRole{{Name: "member"}}}}},
			},
			Remote: []identityv3.MappingRemote{
				{Type: "REMOTE_USER"},
				{Type: "HTTP_OIDC_EMAIL"},
				{Type: "HTTP_OIDC_GROUPS", Whitelist: []string{"staff", "ops"}},
				{Type: "HTTP_OIDC_ORG", AnyOneOf: []string{"^acme.*$"}, Regex: new(true)},
			},
		},
		{
			Local: []identityv3.MappingLocal{
				{User: &identityv3.MappingUser{ID: new("{0}"), Type: &local, Domain: &identityv3.MappingDomain{ID: new("default")}}},
				{GroupIDs: new("{1}")},
			},
			Remote: []identityv3.MappingRemote{
				{Type: "REMOTE_USER_ID"},
				{Type: "HTTP_OIDC_GROUP_IDS", Blacklist: []string{"admins"}},
				{Type: "HTTP_OIDC_TYPE", NotAnyOf: []string{"Contractor", "Guest"}},
			},
		},
	}
	m := createMapping(t, admin, id, rules)
	assert.Equal(t, id, m.ID)
	assert.Equal(t, rules, m.Rules, "Keystone stores the rules as given")
	require.NotNil(t, m.Links.Self)
	assert.Contains(t, *m.Links.Self, "/OS-FEDERATION/mappings/"+id)

	got, err := admin.Raw().GetMappingWithResponse(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, rules, got.JSON200.Mapping.Rules)

	list, err := admin.Raw().ListMappingsWithResponse(ctx)
	require.NoError(t, err)
	var found bool
	for _, x := range list.JSON200.Mappings {
		found = found || x.ID == id
	}
	assert.True(t, found, "the new mapping is listed")

	// PATCH replaces every rule.
	one := rules[1:]
	upd, err := admin.Raw().UpdateMappingWithResponse(ctx, id, identityv3.UpdateMappingJSONRequestBody{
		Mapping: identityv3.MappingDefinition{Rules: one},
	})
	require.NoError(t, err)
	assert.Equal(t, one, upd.JSON200.Mapping.Rules)

	// Two condition lists on one remote entry break Keystone's schema.
	_, err = admin.Raw().UpdateMappingWithResponse(ctx, id, identityv3.UpdateMappingJSONRequestBody{
		Mapping: identityv3.MappingDefinition{Rules: []identityv3.MappingRule{{
			Local:  []identityv3.MappingLocal{{User: &identityv3.MappingUser{Name: new("{0}")}}},
			Remote: []identityv3.MappingRemote{{Type: "A", Whitelist: []string{"x"}, Blacklist: []string{"y"}}},
		}}},
	})
	assert.True(t, errors.Is(err, apierror.ErrBadRequest), "%v", err)

	_, err = admin.Raw().DeleteMappingWithResponse(ctx, id)
	require.NoError(t, err)
	_, err = admin.Raw().GetMappingWithResponse(ctx, id)
	assert.True(t, errors.Is(err, apierror.ErrNotFound), "%v", err)
}

func TestProtocolCRUD(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	domainID := e2eutil.Domain(t, admin, e2eutil.Prefix("fed")).ID
	idp := e2eutil.Name(t, "idp")
	createIdP(t, admin, idp, identityv3.IdentityProviderCreate{DomainID: nullable.NewNullableWithValue(domainID)})
	rule := []identityv3.MappingRule{{
		Local:  []identityv3.MappingLocal{{User: &identityv3.MappingUser{Name: new("{0}")}}},
		Remote: []identityv3.MappingRemote{{Type: "REMOTE_USER"}},
	}}
	m1 := createMapping(t, admin, e2eutil.Name(t, "map1"), rule)
	m2 := createMapping(t, admin, e2eutil.Name(t, "map2"), rule)

	p := createProtocol(t, admin, idp, "saml2", identityv3.FederationProtocolCreate{
		MappingID: m1.ID, RemoteIDAttribute: new("Shib-Identity-Provider"),
	})
	assert.Equal(t, "saml2", p.ID)
	assert.Equal(t, m1.ID, p.MappingID)
	createProtocol(t, admin, idp, "openid", identityv3.FederationProtocolCreate{MappingID: m2.ID})

	got, err := admin.Raw().GetIdentityProviderProtocolWithResponse(ctx, idp, "saml2")
	require.NoError(t, err)
	assert.Equal(t, m1.ID, got.JSON200.Protocol.MappingID)

	// Lists carry idp_id and remote_id_attribute, single answers do not.
	list, err := admin.Raw().ListIdentityProviderProtocolsWithResponse(ctx, idp)
	require.NoError(t, err)
	byID := map[string]identityv3.FederationProtocol{}
	for _, x := range list.JSON200.Protocols {
		byID[x.ID] = x
	}
	require.Len(t, byID, 2)
	assert.Equal(t, new(idp), byID["saml2"].IdpID)
	assert.Equal(t, new("Shib-Identity-Provider"), byID["saml2"].RemoteIDAttribute)
	assert.Nil(t, byID["openid"].RemoteIDAttribute)
	assert.Equal(t, m2.ID, byID["openid"].MappingID)

	upd, err := admin.Raw().UpdateIdentityProviderProtocolWithResponse(ctx, idp, "saml2", identityv3.UpdateIdentityProviderProtocolJSONRequestBody{
		Protocol: identityv3.FederationProtocolUpdate{MappingID: m2.ID},
	})
	require.NoError(t, err)
	assert.Equal(t, m2.ID, upd.JSON200.Protocol.MappingID)

	// A protocol needs an existing identity provider.
	_, err = admin.Raw().CreateIdentityProviderProtocolWithResponse(ctx, idp+"-missing", "saml2",
		identityv3.CreateIdentityProviderProtocolJSONRequestBody{Protocol: identityv3.FederationProtocolCreate{MappingID: m1.ID}})
	assert.True(t, errors.Is(err, apierror.ErrNotFound), "%v", err)

	_, err = admin.Raw().DeleteIdentityProviderProtocolWithResponse(ctx, idp, "saml2")
	require.NoError(t, err)
	_, err = admin.Raw().GetIdentityProviderProtocolWithResponse(ctx, idp, "saml2")
	assert.True(t, errors.Is(err, apierror.ErrNotFound), "%v", err)
}

func TestServiceProviderCRUD(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	id := e2eutil.Name(t, "sp")
	authURL := "https://sp.example/v3/OS-FEDERATION/identity_providers/keystone/protocols/saml2/auth"
	spURL := "https://sp.example/Shibboleth.sso/SAML2/ECP"

	// Disabled, so that it does not show up in every token issued meanwhile.
	sp := createSP(t, admin, id, identityv3.ServiceProviderCreate{
		AuthURL: authURL, SpURL: spURL, Description: nullable.NewNullableWithValue("remote cloud"),
	})
	assert.Equal(t, id, sp.ID)
	assert.Equal(t, authURL, sp.AuthURL)
	assert.Equal(t, spURL, sp.SpURL)
	assert.False(t, sp.Enabled, "enabled defaults to false")
	assert.Equal(t, "ss:mem:", sp.RelayStatePrefix, "the [saml] relay_state_prefix default")
	assert.Equal(t, new("remote cloud"), sp.Description)

	got, err := admin.Raw().GetServiceProviderWithResponse(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, sp, got.JSON200.ServiceProvider)

	list, err := admin.Raw().ListServiceProvidersWithResponse(ctx, &identityv3.ListServiceProvidersParams{ID: &id, Enabled: new(false)})
	require.NoError(t, err)
	require.Len(t, list.JSON200.ServiceProviders, 1)
	suffix := id[len(id)-8:]
	list, err = admin.Raw().ListServiceProvidersWithResponse(ctx, &identityv3.ListServiceProvidersParams{IDEndswith: &suffix})
	if e2eutil.ReleaseIs(t, e2eutil.Epoxy) {
		require.ErrorIs(t, err, apierror.ErrBadRequest, "Epoxy's query schema has no inexact forms")
	} else {
		require.NoError(t, err)
		require.Len(t, list.JSON200.ServiceProviders, 1)
		assert.Equal(t, id, list.JSON200.ServiceProviders[0].ID)
	}

	upd, err := admin.Raw().UpdateServiceProviderWithResponse(ctx, id, identityv3.UpdateServiceProviderJSONRequestBody{
		ServiceProvider: identityv3.ServiceProviderUpdate{
			Description:      nullable.NewNullNullable[string](),
			RelayStatePrefix: new("ss:temp:"),
			SpURL:            new(spURL + "2"),
		},
	})
	require.NoError(t, err)
	s := upd.JSON200.ServiceProvider
	assert.Nil(t, s.Description)
	assert.Equal(t, "ss:temp:", s.RelayStatePrefix)
	assert.Equal(t, spURL+"2", s.SpURL)
	assert.Equal(t, authURL, s.AuthURL)

	// auth_url and sp_url are required, and must look like URLs.
	_, err = admin.Raw().CreateServiceProviderWithResponse(ctx, id+"-bad", identityv3.CreateServiceProviderJSONRequestBody{
		ServiceProvider: identityv3.ServiceProviderCreate{AuthURL: "not a url", SpURL: spURL},
	})
	assert.True(t, errors.Is(err, apierror.ErrBadRequest), "%v", err)

	_, err = admin.Raw().DeleteServiceProviderWithResponse(ctx, id)
	require.NoError(t, err)
	_, err = admin.Raw().GetServiceProviderWithResponse(ctx, id)
	assert.True(t, errors.Is(err, apierror.ErrNotFound), "%v", err)
}

// Keystone 27 and later version the mapping language: a mapping records its
// schema_version (1.0 unless given), and 2.0 lets a project name its domain.
// Zed has no versions: it drops schema_version and refuses the domain.
func TestMappingSchemaVersion(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	user := identityv3.MappingLocal{User: &identityv3.MappingUser{Name: new("{0}")}}
	remote := []identityv3.MappingRemote{{Type: "REMOTE_USER"}}
	versioned := e2eutil.ReleaseAtLeast(t, e2eutil.Epoxy)

	plain := createMapping(t, admin, e2eutil.Name(t, "map-v1"), []identityv3.MappingRule{{Local: []identityv3.MappingLocal{user}, Remote: remote}})
	if versioned {
		require.NotNil(t, plain.SchemaVersion)
		assert.Equal(t, "1.0", *plain.SchemaVersion, "the default version")
	} else {
		assert.Nil(t, plain.SchemaVersion)
	}

	withDomain := []identityv3.MappingRule{{
		Local: []identityv3.MappingLocal{user, {Projects: []identityv3.MappingProject{{
			Name: "{0}-sandbox", Domain: &identityv3.MappingDomain{ID: new("default")},
			Roles: []identityv3.MappingRole{{Name: "member"}},
		}}}},
		Remote: remote,
	}}
	// A 1.0 mapping knows no project domain on any release.
	_, err := admin.Raw().UpdateMappingWithResponse(ctx, plain.ID, identityv3.UpdateMappingJSONRequestBody{
		Mapping: identityv3.MappingDefinition{Rules: withDomain},
	})
	assert.ErrorIs(t, err, apierror.ErrBadRequest)

	v2 := identityv3.MappingSchemaVersion20
	id := e2eutil.Name(t, "map-v2")
	resp, err := admin.Raw().CreateMappingWithResponse(ctx, id, identityv3.CreateMappingJSONRequestBody{
		Mapping: identityv3.MappingDefinition{Rules: withDomain, SchemaVersion: &v2},
	})
	if !versioned {
		assert.ErrorIs(t, err, apierror.ErrBadRequest, "Zed knows no project domain")
		// schema_version alone is taken and forgotten.
		upd, err := admin.Raw().UpdateMappingWithResponse(ctx, plain.ID, identityv3.UpdateMappingJSONRequestBody{
			Mapping: identityv3.MappingDefinition{Rules: plain.Rules, SchemaVersion: &v2},
		})
		require.NoError(t, err)
		assert.Nil(t, upd.JSON200.Mapping.SchemaVersion)
		return
	}
	m := e2eutil.Created(t, resp, err).JSON201.Mapping
	e2eutil.DeleteLater(t, admin.Raw().DeleteMappingWithResponse, id)
	require.NotNil(t, m.SchemaVersion)
	assert.Equal(t, "2.0", *m.SchemaVersion)
	assert.Equal(t, withDomain, m.Rules, "the project keeps its domain")
	got, err := admin.Raw().GetMappingWithResponse(ctx, id)
	require.NoError(t, err)
	require.NotNil(t, got.JSON200.Mapping.SchemaVersion)
	assert.Equal(t, "2.0", *got.JSON200.Mapping.SchemaVersion)
}
