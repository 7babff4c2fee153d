package catalog

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

const v3Catalog = `[
 {"id":"s1","type":"identity","name":"keystone","endpoints":[
   {"id":"e1","interface":"public","region":"RegionOne","region_id":"RegionOne","url":"http://pub/v3"},
   {"id":"e2","interface":"internal","region":"RegionOne","region_id":"RegionOne","url":"http://int/v3"},
   {"id":"e3","interface":"admin","region":"RegionOne","region_id":"RegionOne","url":"http://adm/v3"},
   {"id":"e4","interface":"public","region":"RegionTwo","region_id":"RegionTwo","url":"http://pub2/v3"}]},
 {"id":"s2","type":"volumev3","name":"cinderv3","endpoints":[
   {"id":"e5","interface":"public","region":null,"region_id":null,"url":"http://vol/v3/p"}]},
 {"id":"s3","type":"compute","name":"nova","endpoints":[
   {"id":"e6","interface":"internal","region_id":"RegionOne","url":"http://nova-int"}]}
]`

const v2Catalog = `[
 {"type":"identity","name":"keystone","endpoints":[
   {"id":"x1","region":"RegionOne","publicURL":"http://pub/v2.0","internalURL":"http://int/v2.0","adminURL":"http://adm/v2.0"}]},
 {"type":"compute","name":"nova","endpoints":[{"region":"RegionOne","publicURL":"http://nova"}]}
]`

func mustV3(t testing.TB) *Catalog {
	c, err := ParseV3([]byte(v3Catalog))
	require.NoError(t, err)
	return c
}

func TestLookupByTypeInterfaceRegion(t *testing.T) {
	c := mustV3(t)
	cases := []struct {
		f    Filter
		want string
	}{
		{Filter{ServiceType: "identity"}, "http://pub/v3"},
		{Filter{ServiceType: "identity", Interfaces: []string{"internal"}}, "http://int/v3"},
		{Filter{ServiceType: "identity", Interfaces: []string{"adminURL"}}, "http://adm/v3"},
		{Filter{ServiceType: "identity", Region: "RegionTwo"}, "http://pub2/v3"},
		{Filter{ServiceType: "identity", EndpointID: "e4"}, "http://pub2/v3"},
		{Filter{ServiceName: "keystone", Interfaces: []string{"internal"}}, "http://int/v3"},
		{Filter{ServiceID: "s1", Interfaces: []string{"admin"}}, "http://adm/v3"},
		// preference order: public first, but compute only has internal
		{Filter{ServiceType: "compute", Interfaces: []string{"public", "internal"}}, "http://nova-int"},
		// an alias in the catalog, asked for by its official type
		{Filter{ServiceType: "block-storage"}, "http://vol/v3/p"},
		{Filter{ServiceType: "block_storage"}, "http://vol/v3/p"},
	}
	for _, tc := range cases {
		ep, err := c.Lookup(tc.f)
		require.NoError(t, err, "%+v", tc.f)
		assert.Equal(t, tc.want, ep.URL, "%+v", tc.f)
	}
	ep, err := c.Lookup(Filter{ServiceType: "identity"})
	require.NoError(t, err)
	assert.Equal(t, Endpoint{ID: "e1", Interface: "public", Region: "RegionOne", RegionID: "RegionOne",
		URL: "http://pub/v3", ServiceID: "s1", ServiceType: "identity", ServiceName: "keystone"}, ep)
}

func TestLookupMissNamesAskedAndOffered(t *testing.T) {
	c := mustV3(t)
	_, err := c.Lookup(Filter{ServiceType: "compute", Interfaces: []string{"public"}, Region: "RegionOne"})
	require.Error(t, err)
	assert.True(t, errors.Is(err, apierror.ErrEndpointNotFound))
	assert.False(t, errors.Is(err, apierror.ErrEmptyCatalog))
	var nf *NotFoundError
	require.True(t, errors.As(err, &nf))
	assert.Contains(t, err.Error(), `service type "compute"`)
	assert.Contains(t, err.Error(), `region "RegionOne"`)
	assert.Contains(t, nf.Offered, "compute(nova)/internal@RegionOne")

	_, err = New(nil).Lookup(Filter{ServiceType: "identity"})
	assert.True(t, errors.Is(err, apierror.ErrEmptyCatalog))
	assert.True(t, errors.Is(err, apierror.ErrCatalog))
}

func TestV2Catalog(t *testing.T) {
	c, err := ParseV2([]byte(v2Catalog))
	require.NoError(t, err)
	for iface, want := range map[string]string{"publicURL": "http://pub/v2.0", "internalURL": "http://int/v2.0", "admin": "http://adm/v2.0"} {
		ep, err := c.Lookup(Filter{ServiceType: "identity", Interfaces: []string{iface}})
		require.NoError(t, err)
		assert.Equal(t, want, ep.URL)
		assert.Equal(t, "RegionOne", ep.Region)
	}
	assert.Len(t, c.Endpoints(Filter{Interfaces: []string{"public", "internal", "admin"}}), 4)
}

func TestBadCatalogIsTypedError(t *testing.T) {
	_, err := ParseV3([]byte(`{"not":"a list"}`))
	assert.True(t, errors.Is(err, apierror.ErrInvalidResponse))
	_, err = ParseV2([]byte(`[{"endpoints":"nope"}]`))
	assert.True(t, errors.Is(err, apierror.ErrInvalidResponse))
}

func TestLookupDoesNotAllocate(t *testing.T) {
	c := mustV3(t)
	f := Filter{ServiceType: "identity", Interfaces: []string{"internal"}, Region: "RegionOne"}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := c.Lookup(f); err != nil {
			panic(err)
		}
	})
	assert.Zero(t, allocs)
}

func BenchmarkLookup1000Endpoints(b *testing.B) {
	services := make([]Service, 250)
	for i := range services {
		s := Service{ID: fmt.Sprint("s", i), Type: fmt.Sprint("type-", i), Name: fmt.Sprint("name-", i)}
		for j, iface := range []string{"public", "internal", "admin", "public"} {
			s.Endpoints = append(s.Endpoints, Endpoint{ID: fmt.Sprint("e", i, "-", j), Interface: iface,
				Region: fmt.Sprint("Region", j%2), URL: fmt.Sprint("http://svc", i, "/", j)})
		}
		services[i] = s
	}
	c := New(services)
	f := Filter{ServiceType: "type-249", Interfaces: []string{"admin"}, Region: "Region0"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Lookup(f); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleCatalog_Lookup() {
	c, err := ParseV3([]byte(`[{"id":"s1","type":"identity","name":"keystone","endpoints":[
		{"id":"e1","interface":"public","region_id":"RegionOne","url":"http://keystone.example/v3"}]}]`))
	if err != nil {
		panic(err)
	}
	ep, err := c.Lookup(Filter{ServiceType: "identity", Interfaces: []string{"internal", "public"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(ep.URL, ep.Region)
	// Output: http://keystone.example/v3 RegionOne
}
