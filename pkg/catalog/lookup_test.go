package catalog

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

func svc(id, typ, name string, eps ...Endpoint) Service {
	return Service{ID: id, Type: typ, Name: name, Endpoints: eps}
}

func ep(id, iface, region, url string) Endpoint {
	return Endpoint{ID: id, Interface: iface, RegionID: region, URL: url}
}

func TestTypePreferenceFollowsTheAuthority(t *testing.T) {
	c := New([]Service{
		svc("s1", "volumev2", "cinderv2", ep("e1", "public", "R1", "http://v2")),
		svc("s2", "volumev3", "cinderv3", ep("e2", "public", "R1", "http://v3")),
		svc("s3", "block-storage", "cinder", ep("e3", "internal", "R1", "http://bs-internal")),
	})
	look := func(f Filter) string {
		e, err := c.Lookup(f)
		require.NoError(t, err, "%+v", f)
		return e.URL
	}
	// The exact type wins, even on a less preferred interface: keystoneauth
	// picks the type first, the interface within it second.
	assert.Equal(t, "http://bs-internal", look(Filter{ServiceType: "block-storage", Interfaces: []string{"public", "internal"}}))
	// Without the exact type on any wanted interface, the first alias in
	// the authority's order.
	assert.Equal(t, "http://v3", look(Filter{ServiceType: "block-storage"}))
	assert.Equal(t, "http://v2", look(Filter{ServiceType: "volumev2"}))
	// An alias asked for finds itself, or the official type, never another alias.
	assert.Equal(t, "http://v3", look(Filter{ServiceType: "volumev3"}))
	assert.Equal(t, "http://bs-internal", look(Filter{ServiceType: "volume", Interfaces: []string{"internal"}}))
	_, err := c.Lookup(Filter{ServiceType: "volume"})
	assert.True(t, errors.Is(err, apierror.ErrEndpointNotFound))

	all := c.Endpoints(Filter{ServiceType: "block-storage", Interfaces: []string{"public", "internal"}})
	require.Len(t, all, 3)
	assert.Equal(t, []string{"http://bs-internal", "http://v3", "http://v2"}, []string{all[0].URL, all[1].URL, all[2].URL})
}

func TestNamelessAndIDlessServicesPassThoseFilters(t *testing.T) {
	// Old catalogs had neither service names nor ids: keystoneauth skips
	// those filters for such entries rather than finding nothing.
	c := New([]Service{svc("", "identity", "", ep("", "publicURL", "R1", "http://id"))})
	e, err := c.Lookup(Filter{ServiceType: "identity", ServiceName: "keystone", ServiceID: "abc"})
	require.NoError(t, err)
	assert.Equal(t, "http://id", e.URL)
	assert.Equal(t, "public", e.Interface)
	assert.Equal(t, "R1", e.Region)

	named := New([]Service{svc("s1", "identity", "keystone", ep("e1", "public", "R1", "http://id"))})
	_, err = named.Lookup(Filter{ServiceType: "identity", ServiceName: "other"})
	assert.True(t, errors.Is(err, apierror.ErrEndpointNotFound))
	_, err = named.Lookup(Filter{ServiceType: "identity", ServiceID: "s2"})
	assert.True(t, errors.Is(err, apierror.ErrEndpointNotFound))
}

func TestEndpointsWithoutURLAreSkipped(t *testing.T) {
	c := New([]Service{svc("s1", "identity", "keystone",
		ep("e1", "public", "R1", ""), ep("e2", "public", "R1", "http://id"))})
	e, err := c.Lookup(Filter{ServiceType: "identity"})
	require.NoError(t, err)
	assert.Equal(t, "e2", e.ID)
}

func TestRegionMatchesRegionOrRegionID(t *testing.T) {
	c := New([]Service{svc("s1", "identity", "keystone",
		Endpoint{ID: "e1", Interface: "public", Region: "Region One", RegionID: "r1", URL: "http://one"},
		Endpoint{ID: "e2", Interface: "public", Region: "Region Two", RegionID: "r2", URL: "http://two"})})
	for region, want := range map[string]string{"r2": "http://two", "Region Two": "http://two", "r1": "http://one"} {
		u, err := c.URLFor(Filter{ServiceType: "identity", Region: region})
		require.NoError(t, err)
		assert.Equal(t, want, u, region)
	}
}

func TestEmptyCatalogIsAnEndpointNotFound(t *testing.T) {
	_, err := New(nil).Lookup(Filter{ServiceType: "identity", Interfaces: []string{"internal", "public"}, Region: "R1"})
	assert.True(t, errors.Is(err, apierror.ErrEmptyCatalog))
	assert.True(t, errors.Is(err, apierror.ErrEndpointNotFound), "keystoneauth: EmptyCatalog(EndpointNotFound)")
	assert.Contains(t, err.Error(), `service type "identity"`)
	assert.Contains(t, err.Error(), "interface internal|public")
	assert.Contains(t, err.Error(), `region "R1"`)
	var nilCatalog *Catalog
	_, err = nilCatalog.Lookup(Filter{ServiceType: "identity"})
	assert.True(t, errors.Is(err, apierror.ErrEmptyCatalog))
}
