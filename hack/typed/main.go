// Command typed generates the typed layer of a generated Identity client:
// one method per operation that takes the inner request body and the
// parameters and returns the unwrapped success value (or nothing, or a
// bool for a HEAD check), and an iter.Seq2 for every list.
//
//	typed -spec gen/identityv3/identity-v3.client.yaml -gen gen/identityv3/identityv3.gen.go \
//		-out gen/identityv3/typed.gen.go
//
// It reads the client-only view of the bundle (which answers an operation
// documents, their content types, which operations are lists) and the code
// oapi-codegen generated from it (every Go name: methods, parameters,
// fields), so the names are oapi-codegen's own, name-normalizer included,
// and a rename in the spec flows through.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
)

func main() {
	spec := flag.String("spec", "", "the client-only view of the bundle the client was generated from")
	genFile := flag.String("gen", "", "the oapi-codegen output for that view")
	out := flag.String("out", "", "write the typed layer here")
	flag.Parse()
	if *spec == "" || *genFile == "" || *out == "" {
		fatal(errors.New("-spec, -gen and -out are required"))
	}
	src, err := generate(*spec, *genFile)
	if err != nil {
		fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "typed:", err)
	os.Exit(1)
}

// generate returns the typed layer's source.
func generate(specFile, genFile string) ([]byte, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(specFile)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("%s: %w", specFile, err)
	}
	pkg, err := parseGenerated(genFile)
	if err != nil {
		return nil, err
	}
	ops, raw, notList, err := describe(doc, pkg)
	if err != nil {
		return nil, err
	}
	return render(pkg.name, ops, raw, notList)
}

// generated is what the generator needs of oapi-codegen's output.
type generated struct {
	name    string
	fset    *token.FileSet
	methods map[string]*ast.FuncType // of *ClientWithResponses
	types   map[string]ast.Expr      // type name -> its definition (alias or not)
	byOpID  map[string]string        // normalized operation name -> Go name
}

func parseGenerated(file string) (*generated, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	g := &generated{name: f.Name.Name, fset: fset, methods: map[string]*ast.FuncType{},
		types: map[string]ast.Expr{}, byOpID: map[string]string{}}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil || len(d.Recv.List) != 1 || exprString(fset, d.Recv.List[0].Type) != "*ClientWithResponses" {
				continue
			}
			g.methods[d.Name.Name] = d.Type
			name := d.Name.Name
			for _, suffix := range []string{"WithBodyWithResponse", "WithFormdataBodyWithResponse", "WithResponse"} {
				if base, ok := strings.CutSuffix(name, suffix); ok {
					g.byOpID[normalize(base)] = base
					break
				}
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok {
					g.types[ts.Name.Name] = ts.Type
				}
			}
		}
	}
	return g, nil
}

// normalize is an operation name with case and punctuation left out, the
// part of oapi-codegen's naming that the generator need not repeat: the Go
// name is taken from the generated code.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func exprString(fset *token.FileSet, e ast.Expr) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, fset, e)
	return b.String()
}

// structOf follows a named type (alias or definition) to its struct, if it
// is one of the generated package's.
func (g *generated) structOf(e ast.Expr) *ast.StructType {
	for range 8 {
		switch t := e.(type) {
		case *ast.StructType:
			return t
		case *ast.StarExpr:
			e = t.X
		case *ast.Ident:
			def, ok := g.types[t.Name]
			if !ok {
				return nil
			}
			e = def
		default:
			return nil
		}
	}
	return nil
}

// field is one field of a generated struct.
type field struct {
	name     string // Go name
	json     string // JSON name
	typ      ast.Expr
	typeText string
}

func (g *generated) fields(st *ast.StructType) []field {
	var out []field
	for _, f := range st.Fields.List {
		tag := ""
		if f.Tag != nil {
			tag = f.Tag.Value
		}
		jsonName := ""
		if i := strings.Index(tag, `json:"`); i >= 0 {
			jsonName = strings.Split(tag[i+6:], `"`)[0]
			jsonName = strings.Split(jsonName, ",")[0]
		}
		for _, n := range f.Names {
			out = append(out, field{name: n.Name, json: jsonName, typ: f.Type, typeText: exprString(g.fset, f.Type)})
		}
	}
	return out
}

func (g *generated) field(st *ast.StructType, goName string) (field, bool) {
	for _, f := range g.fields(st) {
		if f.name == goName {
			return f, true
		}
	}
	return field{}, false
}

func isPointer(e ast.Expr) (ast.Expr, bool) {
	if s, ok := e.(*ast.StarExpr); ok {
		return s.X, true
	}
	return e, false
}

func isSlice(e ast.Expr) (ast.Expr, bool) {
	if a, ok := e.(*ast.ArrayType); ok && a.Len == nil {
		return a.Elt, true
	}
	return nil, false
}

// isPageMeta reports whether a member of a list answer describes the page
// rather than holding the items: links (v3), <collection>_links (v2.0),
// truncated.
func isPageMeta(jsonName string) bool {
	return jsonName == "links" || jsonName == "truncated" || strings.HasSuffix(jsonName, "_links")
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	// An initialism at the start ("ID", "OS", "EC2") is lowered whole.
	n := 0
	for n < len(s) && (unicode.IsUpper(rune(s[n])) || n > 0 && unicode.IsDigit(rune(s[n]))) {
		n++
	}
	if n > 1 && n < len(s) {
		n--
	}
	if n == 0 {
		n = 1
	}
	return strings.ToLower(s[:n]) + s[n:]
}

// sortedOperations is the document's operations in path and method order.
func sortedOperations(doc *openapi3.T) []specOp {
	var out []specOp
	for _, p := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(p)
		for method, op := range item.Operations() {
			out = append(out, specOp{path: p, method: method, op: op})
		}
	}
	slices.SortFunc(out, func(a, b specOp) int {
		if c := strings.Compare(a.path, b.path); c != 0 {
			return c
		}
		return strings.Compare(a.method, b.method)
	})
	return out
}

type specOp struct {
	path, method string
	op           *openapi3.Operation
}
