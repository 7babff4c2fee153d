package identity_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

func v2AdminSession(ks *keystonetest.V2Server) *auth.Session {
	admin := ks.Admin()
	return auth.New(&auth.V2Password{AuthURL: ks.URL(), Username: admin.Username, Password: admin.Password, TenantName: admin.TenantName},
		auth.WithHTTPClient(ks.HTTPClient()))
}

func tenantNames(t *testing.T, resp *identityv2.ListTenantsResponse) []string {
	t.Helper()
	require.NotNil(t, resp.JSON200, "status %d: %s", resp.StatusCode(), resp.Body)
	require.NotNil(t, resp.JSON200.Tenants)
	var names []string
	for _, tn := range *resp.JSON200.Tenants {
		names = append(names, tn.Name)
	}
	return names
}

func TestNewV2ListsTenantsThroughTheSession(t *testing.T) {
	ks := keystonetest.NewV2(t)
	ks.AddTenant("demo")
	sess := v2AdminSession(ks)
	ctx := t.Context()

	client, err := identity.NewV2(sess)
	require.NoError(t, err)
	assert.Same(t, sess, client.Session())
	assert.Zero(t, ks.TokenRequests(), "creating a client makes no request")

	resp, err := client.Raw().ListTenantsWithResponse(ctx, nil)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"admin", "demo"}, tenantNames(t, resp))
	assert.Equal(t, 1, ks.TokenRequests())
	assert.Equal(t, 1, ks.Calls("listTenants"))
	u, err := client.Endpoint(ctx)
	require.NoError(t, err)
	assert.Equal(t, ks.URL(), u, "the identity endpoint of the v2.0 catalog")

	// The token is reused, and renewed once when Keystone rejects it.
	ks.RevokeAllTokens()
	resp, err = client.Raw().ListTenantsWithResponse(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, tenantNames(t, resp), 2)
	assert.Equal(t, 2, ks.TokenRequests())

	// Errors are typed.
	_, err = client.Raw().GetTenantWithResponse(ctx, "no-such-tenant")
	var apiErr *identity.Error
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.True(t, errors.Is(err, identity.ErrNotFound))
	assert.Equal(t, ks.URL()+"/tenants/no-such-tenant", apiErr.URL)
}

func TestNewV2EndpointSelection(t *testing.T) {
	ks := keystonetest.NewV2(t)
	ctx := t.Context()
	sess := v2AdminSession(ks)

	for name, opts := range map[string][]identity.Option{
		"v2 interface name": {identity.WithInterface("adminURL")},
		"v3 interface name": {identity.WithInterface("internal"), identity.WithRegion(keystonetest.DefaultRegion)},
		"service name":      {identity.WithServiceName("keystone")},
		"override":          {identity.WithEndpoint(ks.URL() + "/")},
	} {
		client, err := identity.NewV2(sess, opts...)
		require.NoError(t, err, name)
		u, err := client.Endpoint(ctx)
		require.NoError(t, err, name)
		assert.Equal(t, ks.URL(), u, name)
		resp, err := client.Raw().ListTenantsWithResponse(ctx, nil)
		require.NoError(t, err, name)
		assert.Contains(t, tenantNames(t, resp), "admin", name)
	}

	client, err := identity.NewV2(sess, identity.WithRegion("Atlantis"))
	require.NoError(t, err)
	_, err = client.Raw().ListTenantsWithResponse(ctx, nil)
	assert.True(t, errors.Is(err, apierror.ErrEndpointNotFound), "%v", err)

	_, err = identity.NewV2(nil)
	assert.True(t, errors.Is(err, apierror.ErrMissingAuthPlugin), "%v", err)
}

// An unscoped v2.0 token has no catalog: the client then uses the API that
// issued the token.
func TestNewV2UnscopedTokenUsesTheAuthURL(t *testing.T) {
	ks := keystonetest.NewV2(t)
	admin := ks.Admin()
	sess := auth.New(&auth.V2Password{AuthURL: ks.RootURL(), UserID: admin.UserID, Password: admin.Password},
		auth.WithHTTPClient(ks.HTTPClient()))
	client, err := identity.NewV2(sess)
	require.NoError(t, err)
	resp, err := client.Raw().ListTenantsWithResponse(t.Context(), nil)
	require.NoError(t, err)
	// Not an admin token (no tenant): the user's own tenants.
	assert.Equal(t, []string{"admin"}, tenantNames(t, resp))
}

func TestNewDiscoversV2OnAV2OnlyServer(t *testing.T) {
	ks := keystonetest.NewV2(t)
	ctx := t.Context()
	sess := v2AdminSession(ks)

	for name, opts := range map[string][]identity.Option{
		"catalog":                 nil,
		"unversioned override":    {identity.WithEndpoint(ks.RootURL())},
		"versioned override":      {identity.WithEndpoint(ks.URL())},
		"v2.0 asked for":          {identity.WithVersion("2.0", "2.0")},
		"any version up to v3.14": {identity.WithVersion("", "3.14")},
	} {
		d, err := identity.New(ctx, sess, opts...)
		require.NoError(t, err, name)
		assert.Equal(t, "v2.0", d.Version(), name)
		assert.Nil(t, d.V3, name)
		require.NotNil(t, d.V2, name)
		u, err := d.V2.Endpoint(ctx)
		require.NoError(t, err, name)
		assert.Equal(t, ks.URL(), u, name)
		resp, err := d.V2.Raw().ListTenantsWithResponse(ctx, nil)
		require.NoError(t, err, name)
		assert.Contains(t, tenantNames(t, resp), "admin", name)
	}
	assert.Equal(t, 1, ks.TokenRequests(), "every client shares the session's token")

	_, err := identity.New(ctx, sess, identity.WithVersion("3", ""))
	assert.True(t, errors.Is(err, apierror.ErrVersionNotAvailable), "%v", err)
	_, err = identity.New(ctx, nil)
	assert.True(t, errors.Is(err, apierror.ErrMissingAuthPlugin), "%v", err)
}
