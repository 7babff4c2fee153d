package spec_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/api"
	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/gen/identityv3"
)

// nullableField is a nullable property of a request schema and the Go struct
// that holds it.
type nullableField struct {
	where  string // operation and JSON path, for the failure message
	parent reflect.Type
	name   string // the JSON member
}

// TestRequestNullsSurviveJSON walks every JSON request body of the bundled
// documents beside the generated client's body type, and checks that each
// nullable property keeps an explicit null through encoding/json (decode,
// then encode) and stays absent when it was absent: a PATCH that clears a
// value must send the null it was given, and one that does not must not.
func TestRequestNullsSurviveJSON(t *testing.T) {
	for _, tc := range []struct {
		doc    string
		client reflect.Type
	}{
		{"api/identity-v3.yaml", reflect.TypeFor[identityv3.ClientWithResponsesInterface]()},
		{"api/identity-v2.yaml", reflect.TypeFor[identityv2.ClientWithResponsesInterface]()},
	} {
		t.Run(filepath.Base(tc.doc), func(t *testing.T) {
			fields := requestNullables(t, tc.doc, tc.client)
			// Keystone's documents have nullable request members; finding
			// none means the walk is broken, not that all is well.
			require.NotEmpty(t, fields)
			for _, f := range fields {
				t.Run(f.where, func(t *testing.T) {
					got := roundTrip(t, f.parent, `{"`+f.name+`": null}`)
					assert.Equal(t, "null", string(got[f.name]), "%s.%s loses an explicit null", f.parent, f.name)
					got = roundTrip(t, f.parent, `{}`)
					assert.NotContains(t, got, f.name, "%s sends %q when it was never set", f.parent, f.name)
				})
			}
		})
	}
}

// roundTrip decodes in into a new value of typ and encodes it again; the
// answer is the encoded object's members.
func roundTrip(t *testing.T, typ reflect.Type, in string) map[string]json.RawMessage {
	t.Helper()
	v := reflect.New(typ)
	require.NoError(t, json.Unmarshal([]byte(in), v.Interface()))
	out, err := json.Marshal(v.Interface())
	require.NoError(t, err)
	var got map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(out, &got))
	return got
}

// requestNullables lists the nullable properties of every JSON request body
// of the document, each with the generated Go struct that holds it.
func requestNullables(t *testing.T, doc string, client reflect.Type) []nullableField {
	t.Helper()
	data, err := api.Read(strings.TrimPrefix(doc, "api/"))
	require.NoError(t, err)
	spec, err := openapi3.NewLoader().LoadFromData(data)
	require.NoError(t, err)
	require.NoError(t, spec.Validate(context.Background()))

	var out []nullableField
	seen := map[string]bool{}
	for _, p := range spec.Paths.InMatchingOrder() {
		for method, op := range spec.Paths.Value(p).Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			media := op.RequestBody.Value.Content.Get("application/json")
			if media == nil || media.Schema == nil {
				continue
			}
			name := exported(op.OperationID) + "WithResponse"
			m, ok := client.MethodByName(name)
			require.True(t, ok, "%s %s (%s): no %s in the generated client", method, p, op.OperationID, name)
			// (ctx, body, reqEditors...) or (ctx, path params..., body, reqEditors...)
			body := m.Type.In(m.Type.NumIn() - 2)
			walkNullables(t, op.OperationID, media.Schema.Value, body, seen, &out)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].where < out[j].where })
	return out
}

// walkNullables follows a schema and the Go type generated from it side by
// side, member by member.
func walkNullables(t *testing.T, where string, s *openapi3.Schema, typ reflect.Type, seen map[string]bool, out *[]nullableField) {
	t.Helper()
	if s == nil {
		return
	}
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch typ.Kind() {
	case reflect.Slice:
		if s.Items != nil {
			walkNullables(t, where+"[]", s.Items.Value, typ.Elem(), seen, out)
		}
		return
	case reflect.Struct:
	default:
		return
	}
	key := typ.String()
	if seen[key] {
		return
	}
	seen[key] = true
	for name, prop := range properties(s) {
		f, ok := fieldByJSONName(typ, name)
		require.True(t, ok, "%s: %s has no field for %q", where, typ, name)
		if prop.Nullable {
			*out = append(*out, nullableField{where: where + "." + name, parent: typ, name: name})
			continue
		}
		walkNullables(t, where+"."+name, prop, f.Type, seen, out)
	}
}

// properties merges a schema's own properties with those of its allOf parts.
func properties(s *openapi3.Schema) map[string]*openapi3.Schema {
	out := map[string]*openapi3.Schema{}
	for _, part := range s.AllOf {
		for k, v := range properties(part.Value) {
			out[k] = v
		}
	}
	for k, v := range s.Properties {
		out[k] = v.Value
	}
	return out
}

func fieldByJSONName(typ reflect.Type, name string) (reflect.StructField, bool) {
	for i := range typ.NumField() {
		f := typ.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// exported is the Go name oapi-codegen gives an operationId.
func exported(id string) string {
	r := []rune(id)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
