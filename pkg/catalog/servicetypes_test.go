package catalog

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServiceTypeRules(t *testing.T) {
	cases := []struct {
		requested, found string
		match            bool
	}{
		{"identity", "identity", true},
		{"block-storage", "volumev3", true}, // alias in the catalog, official asked
		{"volumev3", "block-storage", true}, // official in the catalog, alias asked
		{"volume", "volumev3", false},       // alias never matches another alias
		{"volumev2", "volumev3", false},
		{"block-storage", "block_storage", true},
		{"application-deployment", "application_deployment", true},
		{"shared-file-system", "sharev2", true},
		{"compute", "block-storage", false},
		{"my-service", "my-service", true},
		{"my_service", "my-service", true},
		{"my-service", "other", false},
	}
	for _, c := range cases {
		assert.Equal(t, c.match, ServiceTypeMatches(c.requested, c.found), "%s ← %s", c.requested, c.found)
	}
	assert.Equal(t, "block-storage", CanonicalServiceType("volumev2"))
	assert.Equal(t, "container-infrastructure-management", CanonicalServiceType("container-infra"))
	assert.Equal(t, "clustering", CanonicalServiceType("resource-cluster"))
	assert.Equal(t, "unheard-of", CanonicalServiceType("unheard-of"))
	assert.Equal(t, []string{"block-storage", "volumev3", "volumev2", "volume", "block-store"}, ServiceTypeAliases("volume"))
	assert.Equal(t, []string{"x"}, ServiceTypeAliases("x"))
}

// TestTableCoversOSServiceTypes compares the table with the data python's
// os-service-types ships, where it is installed: every official type and
// every alias there must be here, in the same order.
func TestTableCoversOSServiceTypes(t *testing.T) {
	const path = "/usr/lib/python3/dist-packages/os_service_types/data/service-types.json"
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skip(path + " is not installed")
	}
	require.NoError(t, err)
	var doc struct {
		Services []struct {
			ServiceType string   `json:"service_type"`
			Aliases     []string `json:"aliases"`
		} `json:"services"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	require.NotEmpty(t, doc.Services)
	for _, s := range doc.Services {
		want := append([]string{s.ServiceType}, s.Aliases...)
		assert.Equal(t, want, ServiceTypeAliases(s.ServiceType), s.ServiceType)
		for _, a := range s.Aliases {
			assert.Equal(t, s.ServiceType, CanonicalServiceType(a), a)
		}
	}
}
