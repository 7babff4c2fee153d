package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

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
	byType   map[string][]int // canonical service type -> indexes into services
}

// New builds a Catalog from services. Each endpoint's service fields are
// filled from its service.
func New(services []Service) *Catalog {
	c := &Catalog{services: make([]Service, len(services)), byType: map[string][]int{}}
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
		t := CanonicalServiceType(s.Type)
		c.byType[t] = append(c.byType[t], i)
	}
	return c
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
	s := strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(iface, "URL"), "url"))
	return s
}

// Filter says which endpoint a lookup wants. Empty fields match anything,
// except Interfaces, which defaults to public.
type Filter struct {
	ServiceType string
	ServiceName string
	ServiceID   string
	EndpointID  string
	// Interfaces in order of preference: the first interface with a match wins.
	Interfaces []string
	Region     string
}

var defaultInterfaces = []string{"public"}

func (f Filter) interfaces() []string {
	if len(f.Interfaces) == 0 {
		return defaultInterfaces
	}
	return f.Interfaces
}

// Lookup returns the best endpoint for f: the first interface of the
// preference list that has a match decides; within it, the first endpoint
// in catalog order. It allocates nothing unless nothing matches.
func (c *Catalog) Lookup(f Filter) (Endpoint, error) {
	if c.Len() == 0 {
		return Endpoint{}, &NotFoundError{Filter: f, empty: true}
	}
	for _, iface := range f.interfaces() {
		if ep, ok := c.find(f, NormalizeInterface(iface)); ok {
			return ep, nil
		}
	}
	return Endpoint{}, &NotFoundError{Filter: f, Offered: c.offered()}
}

func (c *Catalog) find(f Filter, iface string) (Endpoint, bool) {
	if f.ServiceType != "" {
		for _, i := range c.byType[CanonicalServiceType(f.ServiceType)] {
			if ep, ok := c.findIn(&c.services[i], f, iface); ok {
				return ep, true
			}
		}
		return Endpoint{}, false
	}
	for i := range c.services {
		if ep, ok := c.findIn(&c.services[i], f, iface); ok {
			return ep, true
		}
	}
	return Endpoint{}, false
}

func (c *Catalog) findIn(s *Service, f Filter, iface string) (Endpoint, bool) {
	if (f.ServiceName != "" && s.Name != f.ServiceName) || (f.ServiceID != "" && s.ID != f.ServiceID) {
		return Endpoint{}, false
	}
	for i := range s.Endpoints {
		ep := &s.Endpoints[i]
		if ep.Interface != iface {
			continue
		}
		if f.EndpointID != "" && ep.ID != f.EndpointID {
			continue
		}
		if f.Region != "" && ep.Region != f.Region && ep.RegionID != f.Region {
			continue
		}
		return *ep, true
	}
	return Endpoint{}, false
}

// Endpoints lists every endpoint that matches f on any of its interfaces,
// in preference order.
func (c *Catalog) Endpoints(f Filter) []Endpoint {
	var out []Endpoint
	for _, iface := range f.interfaces() {
		iface = NormalizeInterface(iface)
		for i := range c.Services() {
			s := &c.services[i]
			if f.ServiceType != "" && CanonicalServiceType(s.Type) != CanonicalServiceType(f.ServiceType) {
				continue
			}
			if (f.ServiceName != "" && s.Name != f.ServiceName) || (f.ServiceID != "" && s.ID != f.ServiceID) {
				continue
			}
			for _, ep := range s.Endpoints {
				if ep.Interface == iface && (f.EndpointID == "" || ep.ID == f.EndpointID) &&
					(f.Region == "" || ep.Region == f.Region || ep.RegionID == f.Region) {
					out = append(out, ep)
				}
			}
		}
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
