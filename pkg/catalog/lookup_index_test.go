package catalog

import (
	"math/rand/v2"
	"testing"
)

// lookupEveryEndpoint is Lookup without the type index: every endpoint of
// the catalog, in order, ranked by match.
func (c *Catalog) lookupEveryEndpoint(f Filter) (Endpoint, bool) {
	bestS, bestE, bestT, bestI := -1, -1, 0, 0
	for si := range c.services {
		for ei := range c.services[si].Endpoints {
			t, i, ok := c.match(f, si, ei)
			if !ok {
				continue
			}
			if bestS < 0 || t < bestT || (t == bestT && i < bestI) {
				bestS, bestE, bestT, bestI = si, ei, t, i
			}
		}
	}
	if bestS < 0 {
		return Endpoint{}, false
	}
	return c.services[bestS].Endpoints[bestE], true
}

// The index must not change which endpoint Lookup picks: random catalogs
// and filters (official types, aliases, underscores, unknown types, v2
// interface names, regions, names, ids), checked against every endpoint.
func TestIndexedLookupAgreesWithAFullScan(t *testing.T) {
	types := []string{"identity", "compute", "volume", "volumev2", "volumev3", "block-storage", "block_storage",
		"block-store", "application_deployment", "application-deployment", "custom", "custom_x", "custom-x", "share",
		"sharev2", "shared-file-system", ""}
	ifaces := []string{"public", "internal", "admin", "publicURL", "internalURL", "adminURL"}
	regions := []string{"", "R1", "R2"}
	names := []string{"", "a", "b"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var services []Service
		for i := range 1 + r.IntN(8) {
			s := Service{ID: names[r.IntN(3)], Type: types[r.IntN(len(types)-1)], Name: names[r.IntN(3)]}
			for j := range r.IntN(5) {
				url := string(rune('a'+i)) + string(rune('0'+j))
				if r.IntN(5) == 0 {
					url = ""
				}
				s.Endpoints = append(s.Endpoints, Endpoint{ID: names[r.IntN(3)], Interface: ifaces[r.IntN(len(ifaces))],
					RegionID: regions[r.IntN(3)], URL: url})
			}
			services = append(services, s)
		}
		c := New(services)
		for range 20 {
			f := Filter{ServiceType: types[r.IntN(len(types))], ServiceName: names[r.IntN(3)], ServiceID: names[r.IntN(3)],
				EndpointID: names[r.IntN(3)], Region: regions[r.IntN(3)]}
			for range r.IntN(3) {
				f.Interfaces = append(f.Interfaces, ifaces[r.IntN(len(ifaces))])
			}
			want, found := c.lookupEveryEndpoint(f)
			got, err := c.Lookup(f)
			if found != (err == nil) || got != want {
				t.Fatalf("Lookup(%+v) on %+v = %+v, %v; a full scan finds %+v (%v)", f, services, got, err, want, found)
			}
		}
	}
}

// typeQuery.rank is typeRank without the map accesses: the same answer for
// every pair of known, aliased, underscored and unknown types.
func TestTypeQueryRankIsTypeRank(t *testing.T) {
	var types []string
	for _, s := range officialServiceTypes {
		types = append(types, s.Type)
		types = append(types, s.Aliases...)
	}
	types = append(types, "application_deployment", "block_storage", "custom", "custom_x", "custom-x", "")
	for _, req := range types {
		q := newTypeQuery(req)
		for _, found := range types {
			if got, want := q.rank(found, newTypeInfo(found)), typeRank(req, found); got != want {
				t.Errorf("rank(%q, %q) = %d, typeRank says %d", req, found, got, want)
			}
		}
	}
}
