package identity

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResourceKindsAreTheSpecs holds the find table to the bundled spec:
// each collection and member is a GET operation whose answer carries the
// named member, and the list takes the filters the kind relies on.
func TestResourceKindsAreTheSpecs(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../../api/identity-v3.yaml")
	require.NoError(t, err)
	for _, kind := range resourceKinds {
		list := doc.Paths.Find(kind.collection)
		require.NotNil(t, list, kind.collection)
		require.NotNil(t, list.Get, "GET %s", kind.collection)
		var one *openapi3.PathItem
		for path, item := range doc.Paths.Map() {
			if strings.HasPrefix(path, kind.collection+"/{") && strings.Count(path, "/") == strings.Count(kind.collection, "/")+1 {
				one = item
			}
		}
		require.NotNil(t, one, "%s/{id}", kind.collection)
		require.NotNil(t, one.Get, "GET %s/{id}", kind.collection)
		assert.Contains(t, answerMembers(one.Get), kind.one, kind.collection)
		assert.Contains(t, answerMembers(list.Get), kind.many, kind.collection)
		params := map[string]bool{}
		for _, p := range list.Get.Parameters {
			params[p.Value.Name] = p.Value.In == "query"
		}
		assert.Equal(t, kind.byName, params["name"], "%s ?name=", kind.collection)
		assert.Equal(t, kind.inDomain, params["domain_id"], "%s ?domain_id=", kind.collection)
	}
}

// answerMembers are the top-level members of an operation's 200 answer.
func answerMembers(op *openapi3.Operation) []string {
	resp := op.Responses.Status(200)
	if resp == nil || resp.Value == nil {
		return nil
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	var out []string
	for name := range mt.Schema.Value.Properties {
		out = append(out, name)
	}
	return out
}
