package catalog

// serviceTypeAliases maps the historical names of a service type onto its
// official name, as OpenStack's service-types-authority publishes them, so
// that a lookup for "block-storage" finds a catalog entry typed "volumev3"
// and the reverse.
var serviceTypeAliases = map[string]string{
	"volumev3":                 "block-storage",
	"volumev2":                 "block-storage",
	"volume":                   "block-storage",
	"block-store":              "block-storage",
	"container-infra":          "container-infrastructure-management",
	"container-infrastructure": "container-infrastructure-management",
	"sharev2":                  "shared-file-system",
	"share":                    "shared-file-system",
	"workflowv2":               "workflow",
	"cluster":                  "clustering",
	"messaging":                "message",
	"data-processing":          "data-processing",
	"application_catalog":      "application-catalog",
	"rating":                   "rating",
	"metric":                   "metric",
	"key-manager":              "key-manager",
	"orchestration":            "orchestration",
	"cloudformation":           "cloudformation",
	"load-balancer":            "load-balancer",
	"placement":                "placement",
	"resource-cluster":         "resource-cluster",
	"reservation":              "reservation",
	"function-engine":          "function-engine",
	"instance-ha":              "instance-ha",
	"accelerator":              "accelerator",
	"identity":                 "identity",
	"compute":                  "compute",
	"image":                    "image",
	"network":                  "network",
	"object-store":             "object-store",
	"dns":                      "dns",
	"baremetal":                "baremetal",
	"baremetal-introspection":  "baremetal-introspection",
}

// CanonicalServiceType is the official name of a service type, or t itself
// when it has no known alias.
func CanonicalServiceType(t string) string {
	if c, ok := serviceTypeAliases[t]; ok {
		return c
	}
	return t
}
