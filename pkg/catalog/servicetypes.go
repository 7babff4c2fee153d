package catalog

import "strings"

// officialServiceTypes is OpenStack's service-types-authority
// (https://opendev.org/openstack/service-types-authority, service-types.yaml
// at commit 0d7ed00 of July 2025, a superset of the 2019 data python's
// os-service-types 1.7 ships): each official service type with its
// historical aliases, in the authority's order of preference.
var officialServiceTypes = []struct {
	Type    string
	Aliases []string
}{
	{"identity", nil},      // keystone
	{"compute", nil},       // nova
	{"image", nil},         // glance
	{"load-balancer", nil}, // octavia
	{"object-store", nil},  // swift
	{"clustering", []string{"resource-cluster", "cluster"}}, // senlin (retired)
	{"data-processing", nil},                                // sahara (retired)
	{"baremetal", []string{"bare-metal"}},                   // ironic
	{"baremetal-introspection", nil},                        // ironic-inspector
	{"key-manager", nil},                                    // barbican
	{"ec2-api", nil},                                        // ec2-api (retired)
	{"resource-optimization", []string{"infra-optim"}},      // watcher
	{"message", []string{"messaging"}},                      // zaqar
	{"application-catalog", nil},                            // murano (retired)
	{"container-infrastructure-management", []string{"container-infrastructure", "container-infra"}}, // magnum
	{"search", nil},                         // searchlight (retired)
	{"dns", nil},                            // designate
	{"workflow", []string{"workflowv2"}},    // mistral
	{"rating", nil},                         // cloudkitty
	{"operator-policy", []string{"policy"}}, // congress (retired)
	{"shared-file-system", []string{"sharev2", "share"}},                         // manila
	{"data-protection-orchestration", nil},                                       // karbor (retired)
	{"orchestration", nil},                                                       // heat
	{"block-storage", []string{"volumev3", "volumev2", "volume", "block-store"}}, // cinder
	{"alarm", []string{"alarming"}},                                              // aodh
	{"meter", []string{"metering", "telemetry"}},                                 // ceilometer (retired)
	{"event", []string{"events"}},                                                // panko (retired)
	{"metric-storage", nil},                                                      // aetos
	{"application-deployment", []string{"application_deployment"}},               // solum (retired)
	{"multi-region-network-automation", []string{"tricircle"}},                   // tricircle (retired)
	{"database", nil},                                                            // trove
	{"application-container", []string{"container"}},                             // zun
	{"log-management", nil},                                                      // venus (retired)
	{"root-cause-analysis", []string{"rca"}},                                     // vitrage
	{"nfv-orchestration", nil},                                                   // tacker
	{"network", nil},                                                             // neutron
	{"backup", nil},                                                              // freezer-api
	{"monitoring-logging", []string{"monitoring-log-api"}},                       // monasca-log-api
	{"monitoring", nil},                                                          // monasca-api
	{"monitoring-events", nil},                                                   // monasca-events-api
	{"placement", nil},                                                           // placement
	{"instance-ha", []string{"ha"}},                                              // masakari
	{"reservation", nil},                                                         // blazar
	{"function-engine", nil},                                                     // qinling (retired)
	{"accelerator", nil},                                                         // cyborg
	{"admin-logic", []string{"registration"}},                                    // adjutant
}

// serviceTypes indexes officialServiceTypes: every official type and every
// alias maps to the official type's list of all its names (official first,
// then the aliases in order).
var serviceTypes = func() map[string][]string {
	m := map[string][]string{}
	for _, s := range officialServiceTypes {
		all := append([]string{s.Type}, s.Aliases...)
		for _, t := range all {
			m[t] = all
		}
	}
	return m
}()

// normalizeServiceType spells a type the way the authority does:
// "application_deployment" and "application-deployment" are one type.
func normalizeServiceType(t string) string {
	if strings.IndexByte(t, '_') < 0 {
		return t
	}
	return strings.ReplaceAll(t, "_", "-")
}

// CanonicalServiceType is the official name of a service type or alias
// ("volumev3" → "block-storage"), or t itself when it is not known.
func CanonicalServiceType(t string) string {
	if all, ok := serviceTypes[normalizeServiceType(t)]; ok {
		return all[0]
	}
	if all, ok := serviceTypes[t]; ok {
		return all[0]
	}
	return t
}

// ServiceTypeAliases lists every name of t's service: the official type
// first, then its aliases in order of preference. An unknown t gives []{t}.
func ServiceTypeAliases(t string) []string {
	if all, ok := serviceTypes[t]; ok {
		return append([]string(nil), all...)
	}
	if all, ok := serviceTypes[normalizeServiceType(t)]; ok {
		return append([]string(nil), all...)
	}
	return []string{t}
}

// ServiceTypeMatches reports whether a catalog entry of type found serves a
// request for type requested, with os-service-types' rules: the same type;
// an official type asked for by one of its aliases; or an alias in the
// catalog asked for by its official type. One alias never matches another
// ("volumev2" does not find "volumev3"): their API versions differ.
func ServiceTypeMatches(requested, found string) bool {
	return typeRank(requested, found) >= 0
}

// typeRank orders the catalog types that match requested: 0 for the type
// itself, then 1 + its position among the official type and aliases. It is
// -1 for no match. It allocates nothing.
func typeRank(requested, found string) int {
	if requested == found {
		return 0
	}
	f := normalizeServiceType(found)
	all, known := serviceTypes[f]
	if !known {
		if requested == f || normalizeServiceType(requested) == f {
			return 0
		}
		return -1
	}
	official := all[0]
	req := requested
	if _, ok := serviceTypes[req]; !ok {
		req = normalizeServiceType(req)
	}
	switch {
	case req == f:
		return 0
	case f == official:
		// An official type in the catalog: asked for by name or by alias.
		for i, a := range all {
			if a == req {
				return i + 1
			}
		}
	case req == official:
		// An alias in the catalog, asked for by the official type.
		for i, a := range all {
			if a == f {
				return i + 1
			}
		}
	}
	return -1
}

// typeInfo is what typeRank looks up about a catalog type: the type as the
// authority spells it, and its official name and aliases (nil when the
// authority does not know it). A Catalog keeps one per service.
type typeInfo struct {
	norm string
	all  []string
}

func newTypeInfo(found string) typeInfo {
	f := normalizeServiceType(found)
	return typeInfo{norm: f, all: serviceTypes[f]}
}

// typeQuery is what typeRank looks up about the requested type, once per
// lookup, and only when a candidate's type is not the requested one.
type typeQuery struct {
	requested string
	// req is requested if the authority knows it, else its normalized
	// form; resolved tells whether it has been worked out.
	req      string
	resolved bool
}

func newTypeQuery(requested string) *typeQuery { return &typeQuery{requested: requested} }

// rank is typeRank(q.requested, found), with ti = newTypeInfo(found): the
// same answer with at most one map access per lookup.
func (q *typeQuery) rank(found string, ti typeInfo) int {
	if q.requested == found {
		return 0
	}
	f := ti.norm
	if ti.all == nil {
		if q.requested == f || normalizeServiceType(q.requested) == f {
			return 0
		}
		return -1
	}
	if !q.resolved {
		q.req, q.resolved = q.requested, true
		if _, ok := serviceTypes[q.req]; !ok {
			q.req = normalizeServiceType(q.req)
		}
	}
	official := ti.all[0]
	switch {
	case q.req == f:
		return 0
	case f == official:
		for i, a := range ti.all {
			if a == q.req {
				return i + 1
			}
		}
	case q.req == official:
		for i, a := range ti.all {
			if a == f {
				return i + 1
			}
		}
	}
	return -1
}
