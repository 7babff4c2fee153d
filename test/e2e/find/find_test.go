package find_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// requireNotFound checks the answer of a search that matched nothing.
func requireNotFound(t *testing.T, err error, resource string) {
	t.Helper()
	require.ErrorIs(t, err, identity.ErrNotFound)
	require.NotErrorIs(t, err, apierror.ErrNoUniqueMatch)
	var fe *identity.FindError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, resource, fe.Resource)
}

// requireAmbiguous checks the answer of a search that matched the items
// with these ids.
func requireAmbiguous(t *testing.T, err error, ids ...string) {
	t.Helper()
	require.ErrorIs(t, err, apierror.ErrNoUniqueMatch)
	require.NotErrorIs(t, err, identity.ErrNotFound)
	var fe *identity.FindError
	require.ErrorAs(t, err, &fe)
	got := make([]string, len(fe.Matches))
	for i, m := range fe.Matches {
		got[i] = m.ID
	}
	assert.ElementsMatch(t, ids, got)
}

func TestFindDomainScoped(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	d1 := e2eutil.Domain(t, c)
	d2 := e2eutil.Domain(t, c)

	type finder func(nameOrID string, opts ...identity.FindOption) (string, error)
	for _, tc := range []struct {
		resource string
		// everyDomain: a list without domain_id covers every domain. The
		// test Keystone runs with domain-specific identity drivers, so a
		// list of users or groups covers only the token's domain.
		everyDomain bool
		create      func(name, domainID string) string
		find        finder
	}{
		{"project", true, func(name, domainID string) string {
			return e2eutil.Project(t, c, e2eutil.Named(name), e2eutil.InDomain(domainID)).ID
		}, func(nameOrID string, opts ...identity.FindOption) (string, error) {
			p, err := c.FindProject(ctx, nameOrID, opts...)
			return p.ID, err
		}},
		{"user", false, func(name, domainID string) string {
			return e2eutil.User(t, c, e2eutil.Named(name), e2eutil.InDomain(domainID)).ID
		}, func(nameOrID string, opts ...identity.FindOption) (string, error) {
			u, err := c.FindUser(ctx, nameOrID, opts...)
			return u.ID, err
		}},
		{"group", false, func(name, domainID string) string {
			return e2eutil.Group(t, c, e2eutil.Named(name), e2eutil.InDomain(domainID)).ID
		}, func(nameOrID string, opts ...identity.FindOption) (string, error) {
			g, err := c.FindGroup(ctx, nameOrID, opts...)
			return g.ID, err
		}},
	} {
		t.Run(tc.resource, func(t *testing.T) {
			name := e2eutil.Name(t, "find")
			id1 := tc.create(name, d1.ID)
			id2 := tc.create(name, d2.ID)
			otherName := e2eutil.Name(t, "other")
			other := tc.create(otherName, d2.ID)

			got, err := tc.find(id1)
			require.NoError(t, err, "by id")
			assert.Equal(t, id1, got)

			got, err = tc.find(name, identity.InDomain(d2.Name))
			require.NoError(t, err, "by name in a domain given by name")
			assert.Equal(t, id2, got)
			got, err = tc.find(name, identity.InDomain(d1.ID))
			require.NoError(t, err, "by name in a domain given by id")
			assert.Equal(t, id1, got)

			_, err = tc.find(name)
			if tc.everyDomain {
				requireAmbiguous(t, err, id1, id2)
			} else {
				requireNotFound(t, err, tc.resource)
			}

			_, err = tc.find(e2eutil.Name(t, "nobody"))
			requireNotFound(t, err, tc.resource)
			_, err = tc.find(name, identity.InDomain("default"))
			requireNotFound(t, err, tc.resource)
			_, err = tc.find(name, identity.InDomain(e2eutil.Name(t, "no-domain")))
			requireNotFound(t, err, "domain")

			if tc.everyDomain {
				got, err = tc.find(otherName)
				require.NoError(t, err, "a name of its own needs no domain")
				assert.Equal(t, other, got)
			}
			inDefault := tc.create(name, "default")
			got, err = tc.find(name, identity.InDomain("Default"))
			require.NoError(t, err)
			assert.Equal(t, inDefault, got)
		})
	}
}

func TestFindRoleGlobalOrOfADomain(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	d1 := e2eutil.Domain(t, c)
	d2 := e2eutil.Domain(t, c)
	name := e2eutil.Name(t, "role")
	global := e2eutil.Role(t, c, e2eutil.Named(name))
	inD1 := e2eutil.Role(t, c, e2eutil.Named(name), e2eutil.InDomain(d1.ID))

	r, err := c.FindRole(ctx, inD1.ID)
	require.NoError(t, err)
	assert.Equal(t, inD1.ID, r.ID)
	r, err = c.FindRole(ctx, name)
	require.NoError(t, err, "without a domain only global roles are listed")
	assert.Equal(t, global.ID, r.ID)
	r, err = c.FindRole(ctx, name, identity.InDomain(d1.Name))
	require.NoError(t, err)
	assert.Equal(t, inD1.ID, r.ID)
	_, err = c.FindRole(ctx, name, identity.InDomain(d2.ID))
	requireNotFound(t, err, "role")
}

func TestFindDomainAndService(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	d := e2eutil.Domain(t, c)
	got, err := c.FindDomain(ctx, d.Name)
	require.NoError(t, err)
	assert.Equal(t, d.ID, got.ID)
	got, err = c.FindDomain(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, d.Name, got.Name)
	_, err = c.FindDomain(ctx, e2eutil.Name(t, "no-domain"))
	requireNotFound(t, err, "domain")
	_, err = c.FindProject(ctx, "x", identity.InDomain(""))
	requireNotFound(t, err, "project")

	name := e2eutil.Name(t, "svc")
	s1 := e2eutil.Service(t, c, identityv3.ServiceCreate{Name: &name})
	svc, err := c.FindService(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, s1.ID, svc.ID)
	svc, err = c.FindService(ctx, s1.ID)
	require.NoError(t, err)
	assert.Equal(t, s1.ID, svc.ID)
	s2 := e2eutil.Service(t, c, identityv3.ServiceCreate{Name: &name})
	_, err = c.FindService(ctx, name)
	requireAmbiguous(t, err, s1.ID, s2.ID)
}

func TestFindEndpointGroupAndApplicationCredential(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	name := e2eutil.Name(t, "epg")
	resp, err := c.Raw().CreateEndpointGroupWithResponse(ctx, identityv3.CreateEndpointGroupJSONRequestBody{
		EndpointGroup: identityv3.EndpointGroupCreate{Name: name, Filters: identityv3.EndpointGroupFilters{Interface: new("public")}},
	})
	epg := e2eutil.Created(t, resp, err).JSON201.EndpointGroup
	e2eutil.DeleteLater(t, c.Raw().DeleteEndpointGroupWithResponse, epg.ID)
	got, err := c.FindEndpointGroup(ctx, name)
	require.NoError(t, err)
	assert.Equal(t, epg.ID, got.ID)
	_, err = c.FindEndpointGroup(ctx, e2eutil.Name(t, "none"))
	requireNotFound(t, err, "endpoint group")

	project := e2eutil.Project(t, c)
	user := e2eutil.Member(t, c, project.ID)
	userClient := e2eutil.Client(t, e2eutil.UserSession(t, user, auth.Scope{ProjectID: project.ID}))
	acName := e2eutil.Name(t, "ac")
	ac := e2eutil.ApplicationCredential(t, userClient, user.ID, identityv3.ApplicationCredentialCreate{Name: acName})
	found, err := userClient.FindApplicationCredential(ctx, "", acName)
	require.NoError(t, err, "the token's user")
	assert.Equal(t, ac.ID, found.ID)
	found, err = c.FindApplicationCredential(ctx, user.ID, ac.ID)
	require.NoError(t, err)
	assert.Equal(t, acName, found.Name)
	_, err = userClient.FindApplicationCredential(ctx, "", e2eutil.Name(t, "none"))
	requireNotFound(t, err, "application credential")
}

// The resources that have ids but no names: found by id, not found by
// anything else.
func TestFindByIDOnly(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	region := e2eutil.Region(t, c, identityv3.RegionCreate{})
	svc := e2eutil.Service(t, c, identityv3.ServiceCreate{})
	endpoint := e2eutil.Endpoint(t, c, identityv3.EndpointCreate{ServiceID: svc.ID})
	policy := e2eutil.Policy(t, c, identityv3.PolicyCreate{Blob: "{}"})

	idpID := e2eutil.Name(t, "idp")
	idpResp, err := c.Raw().CreateIdentityProviderWithResponse(ctx, idpID, identityv3.CreateIdentityProviderJSONRequestBody{})
	e2eutil.Created(t, idpResp, err)
	e2eutil.DeleteLater(t, c.Raw().DeleteIdentityProviderWithResponse, idpID)

	mappingID := e2eutil.Name(t, "map")
	mapResp, err := c.Raw().CreateMappingWithResponse(ctx, mappingID, identityv3.CreateMappingJSONRequestBody{
		Mapping: identityv3.MappingDefinition{Rules: []identityv3.MappingRule{{
			Local:  []identityv3.MappingLocal{{User: &identityv3.MappingUser{Name: new("{0}")}}},
			Remote: []identityv3.MappingRemote{{Type: "REMOTE_USER"}},
		}}},
	})
	e2eutil.Created(t, mapResp, err)
	e2eutil.DeleteLater(t, c.Raw().DeleteMappingWithResponse, mappingID)

	spID := e2eutil.Name(t, "sp")
	spResp, err := c.Raw().CreateServiceProviderWithResponse(ctx, spID, identityv3.CreateServiceProviderJSONRequestBody{
		ServiceProvider: identityv3.ServiceProviderCreate{AuthURL: "https://sp.example.test/v3/auth", SpURL: "https://sp.example.test/Shibboleth.sso/SAML2/ECP"},
	})
	e2eutil.Created(t, spResp, err)
	e2eutil.DeleteLater(t, c.Raw().DeleteServiceProviderWithResponse, spID)

	consResp, err := c.Raw().CreateOAuth1ConsumerWithResponse(ctx, identityv3.CreateOAuth1ConsumerJSONRequestBody{})
	consumer := e2eutil.Created(t, consResp, err).JSON201.Consumer
	e2eutil.DeleteLater(t, c.Raw().DeleteOAuth1ConsumerWithResponse, consumer.ID)

	user := e2eutil.User(t, c)
	credResp, err := c.Raw().CreateCredentialWithResponse(ctx, identityv3.CreateCredentialJSONRequestBody{
		Credential: identityv3.CredentialCreate{Type: "cert", Blob: "not a secret", UserID: user.ID},
	})
	credential := e2eutil.Created(t, credResp, err).JSON201.Credential
	e2eutil.DeleteLater(t, c.Raw().DeleteCredentialWithResponse, credential.ID)

	missing := e2eutil.Name(t, "missing")
	for _, tc := range []struct {
		resource, id string
		find         func(id string) (string, error)
	}{
		{"region", region.ID, func(id string) (string, error) { r, err := c.FindRegion(ctx, id); return r.ID, err }},
		{"endpoint", endpoint.ID, func(id string) (string, error) { r, err := c.FindEndpoint(ctx, id); return r.ID, err }},
		{"policy", policy.ID, func(id string) (string, error) { r, err := c.FindPolicy(ctx, id); return r.ID, err }},
		{"identity provider", idpID, func(id string) (string, error) { r, err := c.FindIdentityProvider(ctx, id); return r.ID, err }},
		{"mapping", mappingID, func(id string) (string, error) { r, err := c.FindMapping(ctx, id); return r.ID, err }},
		{"service provider", spID, func(id string) (string, error) { r, err := c.FindServiceProvider(ctx, id); return r.ID, err }},
		{"consumer", consumer.ID, func(id string) (string, error) { r, err := c.FindConsumer(ctx, id); return r.ID, err }},
		{"credential", credential.ID, func(id string) (string, error) { r, err := c.FindCredential(ctx, id); return r.ID, err }},
		{"trust", "", func(id string) (string, error) { r, err := c.FindTrust(ctx, id); return r.ID, err }},
	} {
		if tc.id != "" {
			got, err := tc.find(tc.id)
			require.NoError(t, err, tc.resource)
			assert.Equal(t, tc.id, got, tc.resource)
		}
		_, err := tc.find(missing)
		requireNotFound(t, err, tc.resource)
	}
}
