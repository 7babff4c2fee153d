package main

import (
	"errors"
	"fmt"
	"go/ast"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// rawOnly are the operations without a typed method, each with the reason:
// they stay on the raw client (Raw()). The generator fails on an operation
// it cannot give a typed form that is not listed here, and on an entry that
// names no operation.
var rawOnly = map[string]string{
	// v3
	"listRevokedTokensPKI":            "Keystone answers 410 Gone: PKI tokens were removed in Ocata",
	"getPolicyOSEndpointPolicy":       "Keystone routes it but always answers 404 (no such association exists)",
	"checkPolicyOSEndpointPolicy":     "Keystone routes it but always answers 404 (no such association exists)",
	"getIdentityProviderWebSSOToken":  "a browser flow: the answer is an HTML form that posts the token onwards",
	"postIdentityProviderWebSSOToken": "a browser flow: the answer is an HTML form that posts the token onwards",
	"getWebSSOToken":                  "a browser flow: the answer is an HTML form that posts the token onwards",
	"postWebSSOToken":                 "a browser flow: the answer is an HTML form that posts the token onwards",
	"issueOAuth2Token": "the body is a form whose client credentials may also go in an Authorization " +
		"header; pkg/auth's OAuth2 plugin is the typed form",
}

// notLists are the operations named list… (or answering an array) that
// have no iterator, each with the reason. A test holds every other list
// operation to having one.
var notLists = map[string]string{
	// v3
	"listImpliedRoles":        "one object (role_inference: the prior role and what it implies), not a list",
	"listRevokedTokensPKI":    "Keystone answers 410 Gone",
	"listSigningCertificates": "PEM text, not JSON",
	// v2.0
	"listRevokedTokens": "one signed CMS document (signed), not a list",
	"listExtensions":    "one object (extensions.values), answered whole",
}

// kind is the form of an operation's success answer.
type kind int

const (
	kindNone  kind = iota // no body: the method returns only an error
	kindCheck             // a HEAD check: bool
	kindJSON              // a JSON body: the unwrapped value
	kindList              // a JSON list: a slice of every page, and an iterator
	kindText              // a body that is not JSON (XML, PEM, HTML): []byte
	kindForm              // a form-encoded body: url.Values
)

// operation is one typed method to generate.
type operation struct {
	id, method, path string
	summary          string
	goName           string // oapi-codegen's name of the operation
	call             string // the raw method the typed one calls
	params           []param
	body             *bodyParam
	kind             kind
	statuses         []int
	result           result
	headers          []string        // Go fields of the success answers' headers
	pointerHeaders   map[string]bool // status and field of those that are pointers
	list             *listShape
	iterName         string
}

type param struct{ name, typ string }

// bodyParam is the request body: the inner value of its envelope when the
// body is an object with one required member ({"project": {...}}).
type bodyParam struct {
	name, typ string
	envelope  string // the envelope type; "" when the body is passed as it is
	member    string // its Go field
}

// result is what a JSON answer is unwrapped to.
type result struct {
	typ    string // the Go result type
	member string // the Go field of the envelope; "" for the whole body
	addr   bool   // the member is a value whose address is returned
}

// listShape is how a list answer gives its page.
type listShape struct {
	items      string // Go field of the items
	elem       string // item type
	itemsPtr   bool   // the items field is *[]T
	links      string // Go field of links (v3: object with next)
	linksPtr   bool
	nextPtr    bool
	truncated  string
	truncPtr   bool
	linksArray string // Go field of <collection>_links (v2.0: [{href, rel}])
	arrayPtr   bool
	relPtr     bool
}

// describe returns the typed operations of doc, and its operations that
// stay raw with the reason.
func describe(doc *openapi3.T, g *generated) (ops []operation, raw, notList map[string]string, err error) {
	raw, notList = map[string]string{}, map[string]string{}
	var errs []error
	// One table serves both API versions, so an entry may name an operation
	// of the other document: the test holds every entry to api/.
	for _, so := range sortedOperations(doc) {
		id := so.op.OperationID
		if reason, ok := notLists[id]; ok {
			notList[id] = reason
		}
		if reason, skip := rawOnly[id]; skip {
			raw[id] = reason
			continue
		}
		op, err := describeOne(so, g)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s (%s %s): %w; give it a typed form or list it in rawOnly with the reason", id, so.method, so.path, err))
			continue
		}
		if op.kind != kindList && looksLikeList(so) {
			if _, ok := notLists[id]; !ok {
				errs = append(errs, fmt.Errorf("%s: named or shaped as a list but has no iterator; list it in notLists with the reason", id))
			}
		}
		ops = append(ops, op)
	}
	names := map[string]string{}
	for _, op := range ops {
		for _, n := range []string{op.goName, op.iterName} {
			if n == "" {
				continue
			}
			if other, dup := names[n]; dup {
				errs = append(errs, fmt.Errorf("%s and %s both want the method name %s", other, op.id, n))
			}
			names[n] = op.id
		}
	}
	return ops, raw, notList, errors.Join(errs...)
}

// looksLikeList is the test's idea of a list, kept here so the generator
// and the test agree: a GET named list… or whose success body has an array
// member.
func looksLikeList(so specOp) bool {
	if so.method != http.MethodGet {
		return false
	}
	if strings.HasPrefix(so.op.OperationID, "list") {
		return true
	}
	for status, r := range so.op.Responses.Map() {
		if !strings.HasPrefix(status, "2") || r.Value == nil {
			continue
		}
		mt := r.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			continue
		}
		for name, p := range mt.Schema.Value.Properties {
			if !isPageMeta(name) && p.Value != nil && p.Value.Type.Is("array") {
				return true
			}
		}
	}
	return false
}

func describeOne(so specOp, g *generated) (operation, error) {
	op := operation{id: so.op.OperationID, method: so.method, path: so.path, summary: so.op.Summary,
		pointerHeaders: map[string]bool{}}
	base, ok := g.byOpID[normalize(op.id)]
	if !ok {
		return op, errors.New("no generated method")
	}
	op.goName = base
	respType, ok := g.types[base+"Response"].(*ast.StructType)
	if !ok {
		return op, fmt.Errorf("no %sResponse struct", base)
	}

	// Which raw method: the JSON body one, else the form one; a body only
	// an io.Reader can carry has no typed form.
	var ft *ast.FuncType
	for _, m := range []string{base + "WithResponse", base + "WithFormdataBodyWithResponse"} {
		if t, ok := g.methods[m]; ok {
			op.call, ft = m, t
			break
		}
	}
	if ft == nil {
		return op, errors.New("the request body is not JSON or a form")
	}
	for _, f := range ft.Params.List {
		typ := exprString(g.fset, f.Type)
		for _, n := range f.Names {
			switch {
			case n.Name == "ctx" || n.Name == "reqEditors":
			case n.Name == "body":
				op.body = g.bodyParam(f.Type)
			default:
				op.params = append(op.params, param{name: n.Name, typ: typ})
			}
		}
	}
	if op.body != nil {
		for _, p := range op.params {
			if p.name == op.body.name {
				op.body.name = "body"
			}
		}
	}

	// The success answers.
	kinds := map[kind]bool{}
	var jsonType string
	var jsonExpr ast.Expr
	for _, status := range slices.Sorted(maps.Keys(so.op.Responses.Map())) {
		code, err := strconv.Atoi(status)
		if err != nil || code/100 != 2 {
			return op, fmt.Errorf("answer %q is not a 2xx status", status)
		}
		op.statuses = append(op.statuses, code)
		r := so.op.Responses.Value(status).Value
		k := kindNone
		switch {
		case r.Content.Get("application/json") != nil:
			f, ok := g.field(respType, "JSON"+status)
			if !ok {
				return op, fmt.Errorf("no JSON%s field", status)
			}
			if jsonType != "" && jsonType != f.typeText {
				return op, fmt.Errorf("its 2xx answers have different types (%s, %s)", jsonType, f.typeText)
			}
			jsonType, jsonExpr = f.typeText, f.typ
			k = kindJSON
		case r.Content.Get("application/x-www-form-urlencoded") != nil:
			k = kindForm
		case len(r.Content) > 0:
			k = kindText
		}
		kinds[k] = true
		if hf, ok := g.field(respType, "Headers"+status); ok {
			hs := g.structOf(hf.typ)
			var hdrs []string
			for _, f := range g.fields(hs) {
				hdrs = append(hdrs, f.name)
				if _, ptr := isPointer(f.typ); ptr {
					op.pointerHeaders[fmt.Sprint(code, f.name)] = true
				}
			}
			if op.headers != nil && !slices.Equal(op.headers, hdrs) {
				return op, errors.New("its 2xx answers have different headers")
			}
			op.headers = hdrs
		}
	}
	if len(kinds) != 1 {
		return op, errors.New("its 2xx answers differ in form")
	}
	for k := range kinds {
		op.kind = k
	}
	if op.kind == kindNone && so.method == http.MethodHead {
		op.kind = kindCheck
	}
	if op.kind == kindJSON {
		if err := g.unwrap(&op, so.method, jsonType, jsonExpr); err != nil {
			return op, err
		}
	}
	return op, nil
}

// bodyParam describes the body parameter of type e.
func (g *generated) bodyParam(e ast.Expr) *bodyParam {
	typ := exprString(g.fset, e)
	whole := &bodyParam{name: "body", typ: typ}
	st := g.structOf(e)
	if st == nil {
		return whole
	}
	fs := g.fields(st)
	if len(fs) != 1 || fs[0].json == "" || fs[0].json == "-" {
		return whole
	}
	if _, ptr := isPointer(fs[0].typ); ptr || strings.Contains(exprString(g.fset, st), "omitempty") {
		return whole // an optional member is no envelope
	}
	return &bodyParam{name: lowerFirst(fs[0].name), typ: fs[0].typeText, envelope: typ, member: fs[0].name}
}

// unwrap finds the value a JSON answer carries: the one member of its
// envelope besides the page's links, or the items of a list.
func (g *generated) unwrap(op *operation, method, jsonType string, jsonExpr ast.Expr) error {
	st := g.structOf(jsonExpr)
	op.result = result{typ: jsonType}
	if st == nil {
		return nil
	}
	var content []field
	var meta = map[string]field{}
	for _, f := range g.fields(st) {
		if isPageMeta(f.json) {
			meta[f.json] = f
		} else {
			content = append(content, f)
		}
	}
	// A list: a GET whose answer has one array of items.
	var arrays []field
	for _, f := range content {
		t, _ := isPointer(f.typ)
		if _, ok := isSlice(t); ok {
			arrays = append(arrays, f)
		}
	}
	if method == http.MethodGet && len(arrays) == 1 && (len(content) == 1 || strings.HasPrefix(op.id, "list")) {
		items := arrays[0]
		t, ptr := isPointer(items.typ)
		elem, _ := isSlice(t)
		shape := &listShape{items: items.name, elem: exprString(g.fset, elem), itemsPtr: ptr}
		for name, f := range meta {
			switch {
			case name == "links":
				lt, lptr := isPointer(f.typ)
				next, ok := g.field(g.structOf(lt), "Next")
				if !ok {
					continue // only self: one page
				}
				_, nptr := isPointer(next.typ)
				shape.links, shape.linksPtr, shape.nextPtr = f.name, lptr, nptr
			case name == "truncated":
				_, tptr := isPointer(f.typ)
				shape.truncated, shape.truncPtr = f.name, tptr
			default: // <collection>_links
				at, aptr := isPointer(f.typ)
				elem, ok := isSlice(at)
				if !ok {
					return fmt.Errorf("%s is not an array", name)
				}
				rel, ok := g.field(g.structOf(elem), "Rel")
				if !ok {
					return fmt.Errorf("%s without rel", name)
				}
				if _, ok := g.field(g.structOf(elem), "Href"); !ok {
					return fmt.Errorf("%s without href", name)
				}
				_, rptr := isPointer(rel.typ)
				shape.linksArray, shape.arrayPtr, shape.relPtr = f.name, aptr, rptr
			}
		}
		op.kind, op.list = kindList, shape
		op.result = result{typ: "[]" + shape.elem}
		op.iterName = iteratorName(op.goName)
		return nil
	}
	if len(content) != 1 {
		return nil // several members: the whole answer
	}
	m := content[0]
	if _, ptr := isPointer(m.typ); ptr {
		op.result = result{typ: m.typeText, member: m.name}
		return nil
	}
	if _, ok := isSlice(m.typ); ok {
		op.result = result{typ: m.typeText, member: m.name}
		return nil
	}
	if _, ok := m.typ.(*ast.MapType); ok {
		op.result = result{typ: m.typeText, member: m.name}
		return nil
	}
	if id, ok := m.typ.(*ast.Ident); ok && g.structOf(id) == nil {
		// A scalar or a type that is not a struct: returned as a value.
		op.result = result{typ: m.typeText, member: m.name}
		return nil
	}
	op.result = result{typ: "*" + m.typeText, member: m.name, addr: true}
	return nil
}

// iteratorName is the name of a list's iterator: the operation's name
// without its verb (ListProjects -> Projects, GetAuthCatalog -> AuthCatalog).
func iteratorName(goName string) string {
	for _, verb := range []string{"List", "Get"} {
		if rest, ok := strings.CutPrefix(goName, verb); ok && rest != "" {
			return rest
		}
	}
	return goName + "Seq"
}
