package identity

import (
	"iter"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/gen/identityv3"
)

// isList is a list as a reader of the spec sees one: a GET named list…, or
// one whose success answer has an array member besides the page's links.
func isList(method string, op *openapi3.Operation) bool {
	if method != "GET" {
		return false
	}
	return strings.HasPrefix(op.OperationID, "list") || len(arrayMembers(op)) > 0
}

func arrayMembers(op *openapi3.Operation) []string {
	var out []string
	for status, r := range op.Responses.Map() {
		if !strings.HasPrefix(status, "2") || r.Value == nil {
			continue
		}
		mt := r.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			continue
		}
		for name, p := range mt.Schema.Value.Properties {
			if name != "links" && !strings.HasSuffix(name, "_links") && p.Value != nil && p.Value.Type.Is("array") {
				out = append(out, name)
			}
		}
	}
	return out
}

// Every list operation of the spec has an iterator on the client (an
// iter.Seq2 method), or is one of the generator's recorded exceptions,
// which must then truly answer no array.
func TestEveryListHasAnIterator(t *testing.T) {
	for _, v := range []struct {
		spec                    string
		client                  reflect.Type
		iterators, notList, raw map[string]string
	}{
		{"../../api/identity-v3.yaml", reflect.TypeFor[*Client](), identityv3.TypedIterators(),
			identityv3.NotListOperations(), identityv3.RawOnlyOperations()},
		{"../../api/identity-v2.yaml", reflect.TypeFor[*V2Client](), identityv2.TypedIterators(),
			identityv2.NotListOperations(), identityv2.RawOnlyOperations()},
	} {
		doc, err := openapi3.NewLoader().LoadFromFile(v.spec)
		require.NoError(t, err)
		lists := 0
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if !isList(method, op) {
					continue
				}
				lists++
				id := op.OperationID
				if reason, ok := v.notList[id]; ok {
					assert.NotEmpty(t, reason, id)
					assert.Empty(t, arrayMembers(op), "%s is excepted as not a list, yet answers an array", id)
					continue
				}
				name, ok := v.iterators[id]
				if !assert.True(t, ok, "%s %s (%s) has no iterator", method, path, id) {
					continue
				}
				m, ok := v.client.MethodByName(name)
				if !assert.True(t, ok, "%s: %s is not a method of %s", id, name, v.client) {
					continue
				}
				require.Equal(t, 1, m.Type.NumOut(), name)
				out := m.Type.Out(0)
				assert.True(t, out.Kind() == reflect.Func && strings.HasPrefix(out.String(), "iter.Seq2["), "%s returns %s", name, out)
			}
		}
		assert.Greater(t, lists, 10, v.spec)
		for id, reason := range v.raw {
			assert.NotEmpty(t, reason, id)
		}
	}
	var _ iter.Seq2[int, error] // the shape the iterators have
}

// Client shows the typed methods and not the raw ones, which stay on Raw.
func TestClientHidesTheRawMethods(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[*Client](), reflect.TypeFor[*V2Client]()} {
		raw, ok := typ.MethodByName("Raw")
		require.True(t, ok, typ.String())
		rawType := raw.Type.Out(0)
		withResponse := 0
		for i := range rawType.NumMethod() {
			if strings.HasSuffix(rawType.Method(i).Name, "WithResponse") {
				withResponse++
			}
		}
		assert.Greater(t, withResponse, 40, "%s has the raw operations", rawType)
		for i := range typ.NumMethod() {
			m := typ.Method(i)
			assert.False(t, strings.HasSuffix(m.Name, "WithResponse"), "%s.%s", typ, m.Name)
			for j := range m.Type.NumOut() {
				assert.NotEqual(t, "*http.Response", m.Type.Out(j).String(), "%s.%s returns the raw answer", typ, m.Name)
			}
		}
	}
}
