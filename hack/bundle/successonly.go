package main

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// neverSucceeds is the answer left to an operation that Keystone answers
// with an error only (a PKI list that is gone, an association that cannot
// exist): OpenAPI needs one answer, and a default without content gives
// the generated client nothing to decode.
const neverSucceeds = "Keystone answers this operation with an error only " +
	"(see the full document under api/ for which)."

// successOnly strips doc down to what a client can receive: the Session
// turns every answer outside 2xx into an *apierror.Error before the
// generated code sees it, so a JSON400 field or a header struct for a 401
// could never be set. Each operation keeps its 2xx answers, and the
// response and header components no answer refers to any more are dropped.
func successOnly(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			kept := openapi3.NewResponses()
			kept.Delete("default")
			for status, r := range op.Responses.Map() {
				if strings.HasPrefix(status, "2") {
					kept.Set(status, r)
				}
			}
			if kept.Len() == 0 {
				desc := neverSucceeds
				kept.Set("default", &openapi3.ResponseRef{Value: &openapi3.Response{Description: &desc}})
			}
			op.Responses = kept
		}
	}
	c := doc.Components
	if c == nil {
		return
	}
	for {
		used := referenced(doc)
		removed := false
		for _, name := range slices.Sorted(maps.Keys(c.Responses)) {
			if !used["#/components/responses/"+name] {
				delete(c.Responses, name)
				removed = true
			}
		}
		for _, name := range slices.Sorted(maps.Keys(c.Headers)) {
			if !used["#/components/headers/"+name] {
				delete(c.Headers, name)
				removed = true
			}
		}
		if !removed {
			return
		}
	}
}

// referenced is every $ref of the document's paths and components, as
// written ("#/components/responses/NotFound").
func referenced(doc *openapi3.T) map[string]bool {
	refs := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				refs[ref] = true
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, part := range []any{doc.Paths, doc.Components} {
		raw, err := json.Marshal(part)
		if err != nil {
			continue
		}
		var generic any
		if json.Unmarshal(raw, &generic) == nil {
			walk(generic)
		}
	}
	return refs
}
