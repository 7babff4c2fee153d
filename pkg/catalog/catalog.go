package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// Endpoint is one URL of a service, on one interface in one region.
type Endpoint struct {
	ID          string
	Interface   string // public, internal or admin
	Region      string
	RegionID    string
	URL         string
	ServiceID   string
	ServiceType string
	ServiceName string
}

// Service is a catalog entry with its endpoints.
type Service struct {
	ID        string
	Type      string
	Name      string
	Endpoints []Endpoint
}

// Catalog is a parsed service catalog. It is immutable and safe for
// concurrent use.
type Catalog struct {
	services []Service
	// The lookup index is built by the first lookup, not by New: a token
	// whose catalog is never searched (a program that only authenticates,
	// or validates tokens) does not pay for it.
	indexOnce sync.Once
	ix        catalogIndex
}

// catalogIndex is what makes a lookup by type cheap.
type catalogIndex struct {
	// byFamily indexes services by the family of their type (its official
	// name, aliases folded in): a lookup by type only ranks those, so a
	// lookup stays a few dozen comparisons however large the catalog.
	byFamily map[string][]int
	// byName maps every spelling of a type in the catalog's families (the
	// catalog's own types, the official names and all their aliases) to the
	// family's services, each with its type rank for that spelling: the
	// common lookup is one map access and no type ranking.
	byName map[string]rankedServices
	// types describes each service's type for typeQuery.rank, so that
	// ranking a candidate needs no map access.
	types []typeInfo
}

// typeFamily is the key of byFamily: every name of one service type (the
// official one, its aliases, "_" or "-") maps to the same key.
func typeFamily(t string) string { return normalizeServiceType(CanonicalServiceType(t)) }

// New builds a Catalog from services. Each endpoint's service fields are
// filled from its service, its interface normalized (publicURL → public) and
// its region copied between Region and RegionID when only one is set.
func New(services []Service) *Catalog {
	c := &Catalog{services: make([]Service, len(services))}
	for i, s := range services {
		eps := make([]Endpoint, len(s.Endpoints))
		for j, ep := range s.Endpoints {
			ep.ServiceID, ep.ServiceType, ep.ServiceName = s.ID, s.Type, s.Name
			ep.Interface = NormalizeInterface(ep.Interface)
			if ep.Region == "" {
				ep.Region = ep.RegionID
			}
			if ep.RegionID == "" {
				ep.RegionID = ep.Region
			}
			eps[j] = ep
		}
		s.Endpoints = eps
		c.services[i] = s
	}
	return c
}

// index is the lookup index, built once.
func (c *Catalog) index() *catalogIndex {
	c.indexOnce.Do(func() {
		ix := &c.ix
		ix.byFamily = map[string][]int{}
		ix.types = make([]typeInfo, len(c.services))
		for i, s := range c.services {
			fam := typeFamily(s.Type)
			ix.byFamily[fam] = append(ix.byFamily[fam], i)
			ix.types[i] = newTypeInfo(s.Type)
		}
		ix.byName = make(map[string]rankedServices, 2*len(ix.byFamily))
		for _, s := range c.services {
			idx := ix.byFamily[typeFamily(s.Type)]
			ix.byName[s.Type] = c.ranked(s.Type, idx)
			for _, name := range serviceTypes[typeFamily(s.Type)] {
				if _, done := ix.byName[name]; !done {
					ix.byName[name] = c.ranked(name, idx)
				}
			}
		}
	})
	return &c.ix
}

// rankedServices are the services a lookup by one spelling of a type ranks,
// with the rank of each one's type for that spelling (-1: no match).
type rankedServices struct {
	services []int
	ranks    []int
}

func (c *Catalog) ranked(requested string, services []int) rankedServices {
	r := rankedServices{services: services, ranks: make([]int, len(services))}
	for k, si := range services {
		r.ranks[k] = typeRank(requested, c.services[si].Type)
	}
	return r
}

// Services returns the catalog's services; the slice must not be modified.
func (c *Catalog) Services() []Service {
	if c == nil {
		return nil
	}
	return c.services
}

// Len is the number of services.
func (c *Catalog) Len() int {
	if c == nil {
		return 0
	}
	return len(c.services)
}

type v3Endpoint struct {
	ID        string  `json:"id"`
	Interface string  `json:"interface"`
	Region    *string `json:"region"`
	RegionID  *string `json:"region_id"`
	URL       string  `json:"url"`
}

type v3Service struct {
	ID        string       `json:"id"`
	Type      string       `json:"type"`
	Name      string       `json:"name"`
	Endpoints []v3Endpoint `json:"endpoints"`
}

// ParseV3 reads the "catalog" array of a v3 token.
func ParseV3(data []byte) (*Catalog, error) {
	var raw []v3Service
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: v3 catalog: %w", apierror.ErrInvalidResponse, err)
	}
	services := make([]Service, len(raw))
	for i, s := range raw {
		eps := make([]Endpoint, len(s.Endpoints))
		for j, e := range s.Endpoints {
			eps[j] = Endpoint{ID: e.ID, Interface: e.Interface, Region: deref(e.Region), RegionID: deref(e.RegionID), URL: e.URL}
		}
		services[i] = Service{ID: s.ID, Type: s.Type, Name: s.Name, Endpoints: eps}
	}
	return New(services), nil
}

type v2Endpoint struct {
	ID          string `json:"id"`
	Region      string `json:"region"`
	PublicURL   string `json:"publicURL"`
	InternalURL string `json:"internalURL"`
	AdminURL    string `json:"adminURL"`
}

type v2Service struct {
	Type      string       `json:"type"`
	Name      string       `json:"name"`
	Endpoints []v2Endpoint `json:"endpoints"`
}

// ParseV2 reads the "serviceCatalog" array of a v2.0 token. Each v2 endpoint
// (one region, up to three URLs) becomes one endpoint per interface.
func ParseV2(data []byte) (*Catalog, error) {
	var raw []v2Service
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: v2.0 catalog: %w", apierror.ErrInvalidResponse, err)
	}
	services := make([]Service, len(raw))
	for i, s := range raw {
		var eps []Endpoint
		for _, e := range s.Endpoints {
			for _, u := range []struct{ iface, url string }{
				{"public", e.PublicURL}, {"internal", e.InternalURL}, {"admin", e.AdminURL},
			} {
				if u.url != "" {
					eps = append(eps, Endpoint{ID: e.ID, Interface: u.iface, Region: e.Region, RegionID: e.Region, URL: u.url})
				}
			}
		}
		services[i] = Service{Type: s.Type, Name: s.Name, Endpoints: eps}
	}
	return New(services), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// NormalizeInterface maps v2's publicURL, internalURL and adminURL (and any
// case) onto v3's public, internal and admin.
func NormalizeInterface(iface string) string {
	switch iface {
	case "public", "internal", "admin":
		return iface
	case "publicURL":
		return "public"
	case "internalURL":
		return "internal"
	case "adminURL":
		return "admin"
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(iface, "URL"), "url"))
}

// Interface names, for Filter.Interfaces.
const (
	InterfacePublic   = "public"
	InterfaceInternal = "internal"
	InterfaceAdmin    = "admin"
)

// Filter says which endpoint a lookup wants. Empty fields match anything,
// except Interfaces, which defaults to public.
type Filter struct {
	// ServiceType is an official service type or one of its aliases
	// ("block-storage", "volumev3"); see ServiceTypeMatches.
	ServiceType string
	// ServiceName and ServiceID are skipped for catalog entries that have
	// no name or id (old catalogs had none).
	ServiceName string
	ServiceID   string
	EndpointID  string
	// Interfaces in order of preference: "public", "internal", "admin", or
	// v2's "publicURL", "internalURL", "adminURL".
	Interfaces []string
	// Region matches an endpoint's region or region_id.
	Region string
}

var defaultInterfaces = []string{InterfacePublic}

func (f Filter) interfaces() []string {
	if len(f.Interfaces) == 0 {
		return defaultInterfaces
	}
	return f.Interfaces
}

// match ranks the endpoint at services[si].Endpoints[ei] for f: the rank of
// its service type (the requested type itself first, then the official type
// and aliases in the authority's order) and the position of its interface in
// the preference list. ok is false when it does not match at all.
func (c *Catalog) match(f Filter, si, ei int) (typeR, ifaceR int, ok bool) {
	if typeR, ok = c.serviceRank(f, newTypeQuery(f.ServiceType), si); !ok {
		return 0, 0, false
	}
	var buf [4]string
	ifaceR, ok = endpointRank(f, normalizedInterfaces(f, buf[:0]), &c.services[si].Endpoints[ei])
	return typeR, ifaceR, ok
}

// serviceRank is the rank of a service's type for f (see match), checked
// with f's service name and id; ok is false when the service cannot match.
func (c *Catalog) serviceRank(f Filter, q *typeQuery, si int) (typeR int, ok bool) {
	s := &c.services[si]
	if f.ServiceType != "" {
		if typeR = q.rank(s.Type, c.index().types[si]); typeR < 0 {
			return 0, false
		}
	}
	return typeR, c.nameAndIDMatch(f, si)
}

// nameAndIDMatch reports whether the service at si can be f's by its name
// and id (a service without them can be any).
func (c *Catalog) nameAndIDMatch(f Filter, si int) bool {
	s := &c.services[si]
	return (f.ServiceName == "" || s.Name == "" || s.Name == f.ServiceName) &&
		(f.ServiceID == "" || s.ID == "" || s.ID == f.ServiceID)
}

// normalizedInterfaces appends f's interface preferences, normalized, to
// buf (a caller's stack array keeps this free of allocations).
func normalizedInterfaces(f Filter, buf []string) []string {
	for _, iface := range f.interfaces() {
		buf = append(buf, NormalizeInterface(iface))
	}
	return buf
}

// endpointRank is the position of ep's interface among ifaces; ok is false
// when ep does not match f's endpoint id and region, or has no URL.
func endpointRank(f Filter, ifaces []string, ep *Endpoint) (int, bool) {
	if ep.URL == "" || (f.EndpointID != "" && ep.ID != f.EndpointID) ||
		(f.Region != "" && ep.Region != f.Region && ep.RegionID != f.Region) {
		return 0, false
	}
	for i, iface := range ifaces {
		if ep.Interface == iface {
			return i, true
		}
	}
	return 0, false
}

// Lookup returns the best endpoint for f, choosing as keystoneauth does:
// first the service type (the type asked for when the catalog has it, else
// the first of its official type and aliases that the catalog has), then the
// first interface of the preference list that type offers, then catalog
// order. It allocates nothing unless nothing matches.
func (c *Catalog) Lookup(f Filter) (Endpoint, error) {
	if c.Len() == 0 {
		return Endpoint{}, &NotFoundError{Filter: f, empty: true}
	}
	var buf [4]string
	ifaces := normalizedInterfaces(f, buf[:0])
	q := newTypeQuery(f.ServiceType)
	bestS, bestE, bestT, bestI := -1, -1, 0, 0
	considerRanked := func(si, t int) {
		if t < 0 || (bestS >= 0 && t > bestT) || !c.nameAndIDMatch(f, si) {
			return
		}
		eps := c.services[si].Endpoints
		for ei := range eps {
			i, ok := endpointRank(f, ifaces, &eps[ei])
			if !ok {
				continue
			}
			if bestS < 0 || t < bestT || (t == bestT && i < bestI) {
				bestS, bestE, bestT, bestI = si, ei, t, i
			}
		}
	}
	consider := func(si int) {
		if t, ok := c.serviceRank(f, q, si); ok {
			considerRanked(si, t)
		}
	}
	switch {
	case f.ServiceType != "":
		// Only a service of the same family can match a type (an alias
		// never matches another family), so only those are ranked.
		ix := c.index()
		if r, ok := ix.byName[f.ServiceType]; ok {
			for k, si := range r.services {
				considerRanked(si, r.ranks[k])
			}
			break
		}
		for _, si := range ix.byFamily[typeFamily(f.ServiceType)] {
			consider(si)
		}
	default:
		for si := range c.services {
			consider(si)
		}
	}
	if bestS < 0 {
		return Endpoint{}, &NotFoundError{Filter: f, Offered: c.offered()}
	}
	return c.services[bestS].Endpoints[bestE], nil
}

// URLFor is Lookup's URL.
func (c *Catalog) URLFor(f Filter) (string, error) {
	ep, err := c.Lookup(f)
	return ep.URL, err
}

// Endpoints lists every endpoint that matches f, best first (in the order
// Lookup ranks them).
func (c *Catalog) Endpoints(f Filter) []Endpoint {
	type ranked struct {
		ep   Endpoint
		t, i int
	}
	var all []ranked
	for si := range c.Services() {
		for ei := range c.services[si].Endpoints {
			if t, i, ok := c.match(f, si, ei); ok {
				all = append(all, ranked{c.services[si].Endpoints[ei], t, i})
			}
		}
	}
	slices.SortStableFunc(all, func(a, b ranked) int {
		if a.t != b.t {
			return a.t - b.t
		}
		return a.i - b.i
	})
	out := make([]Endpoint, len(all))
	for k, r := range all {
		out[k] = r.ep
	}
	return out
}

// offered summarizes the catalog for an error message: type/interface/region.
func (c *Catalog) offered() []string {
	var out []string
	for _, s := range c.services {
		for _, ep := range s.Endpoints {
			item := s.Type + "/" + ep.Interface
			if s.Name != "" {
				item = s.Type + "(" + s.Name + ")/" + ep.Interface
			}
			if ep.Region != "" {
				item += "@" + ep.Region
			}
			if !slices.Contains(out, item) {
				out = append(out, item)
			}
		}
	}
	return out
}

// NotFoundError says that no endpoint matched, what was asked and what the
// catalog offered. It matches apierror.ErrEndpointNotFound, or
// apierror.ErrEmptyCatalog when the catalog had nothing at all.
type NotFoundError struct {
	Filter  Filter
	Offered []string
	empty   bool
}

func (e *NotFoundError) Error() string {
	asked := fmt.Sprintf("service type %q", e.Filter.ServiceType)
	if e.Filter.ServiceType == "" {
		asked = "any service"
	}
	if e.Filter.ServiceName != "" {
		asked += fmt.Sprintf(", name %q", e.Filter.ServiceName)
	}
	if e.Filter.ServiceID != "" {
		asked += fmt.Sprintf(", service id %q", e.Filter.ServiceID)
	}
	if e.Filter.EndpointID != "" {
		asked += fmt.Sprintf(", endpoint id %q", e.Filter.EndpointID)
	}
	asked += fmt.Sprintf(", interface %s", strings.Join(e.Filter.interfaces(), "|"))
	if e.Filter.Region != "" {
		asked += fmt.Sprintf(", region %q", e.Filter.Region)
	}
	if e.empty {
		return "catalog: no endpoint for " + asked + ": the catalog is empty (was the token issued with nocatalog, or unscoped?)"
	}
	return "catalog: no endpoint for " + asked + "; the catalog offers " + strings.Join(e.Offered, ", ")
}

// Is matches apierror.ErrEndpointNotFound or apierror.ErrEmptyCatalog.
func (e *NotFoundError) Is(target error) bool {
	if e.empty {
		return apierror.ErrEmptyCatalog.Is(target)
	}
	return apierror.ErrEndpointNotFound.Is(target)
}
