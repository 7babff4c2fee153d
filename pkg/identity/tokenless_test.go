package identity

import (
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// tokenFree lists the operations of a bundled spec that need no token:
// security [], a requirement list with an empty alternative, or one with
// an alternative that is not the token (a signature, client credentials).
func tokenFree(t *testing.T, file string) (free, needing []string) {
	doc, err := openapi3.NewLoader().LoadFromFile(file)
	require.NoError(t, err)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			sec := doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			optional := len(sec) == 0
			for _, req := range sec {
				_, token := req["keystoneToken"]
				optional = optional || !token
			}
			concrete := method + " " + pathParam.ReplaceAllString(path, "x-1")
			if optional {
				free = append(free, concrete)
			} else {
				needing = append(needing, concrete)
			}
		}
	}
	return free, needing
}

func TestWithoutTokenSetsAreTheSpecs(t *testing.T) {
	for _, tc := range []struct {
		file string
		set  operationSet
	}{
		{"../../api/identity-v3.yaml", v3WithoutToken},
		{"../../api/identity-v2.yaml", v2WithoutToken},
	} {
		t.Run(tc.file, func(t *testing.T) {
			free, needing := tokenFree(t, tc.file)
			require.NotEmpty(t, free)
			require.Greater(t, len(needing), 40)
			for _, op := range free {
				method, path, _ := strings.Cut(op, " ")
				assert.True(t, tc.set.match(method, path), "%s needs no token in the spec; the client sends one", op)
			}
			for _, op := range needing {
				method, path, _ := strings.Cut(op, " ")
				assert.False(t, tc.set.match(method, path), "%s needs a token in the spec; the client sends none", op)
			}
			templates := 0
			for _, list := range tc.set {
				templates += len(list)
			}
			assert.Equal(t, len(free), templates, "one template per operation")
		})
	}
}

func TestOperationSetMatch(t *testing.T) {
	set := newOperationSet("GET /", "POST /users/*/password", "GET /OS-SIMPLE-CERT/ca")
	for _, tc := range []struct {
		method, path string
		want         bool
	}{
		{"GET", "/", true},
		{"GET", "", true},
		{"HEAD", "/", false},
		{"POST", "/users/u%2F1/password", true},
		{"POST", "/users/u1/password/", true},
		{"POST", "/users//password", true},
		{"GET", "/users/u1/password", false},
		{"POST", "/users/u1/groups", false},
		{"POST", "/users/u1/password/x", false},
		{"GET", "/OS-SIMPLE-CERT/ca", true},
		{"GET", "/os-simple-cert/ca", false},
		{"GET", "/projects", false},
	} {
		assert.Equal(t, tc.want, set.match(tc.method, tc.path), "%s %s", tc.method, tc.path)
	}
}
