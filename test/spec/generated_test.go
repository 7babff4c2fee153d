package spec_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// answerField is a field oapi-codegen gives a response struct for one answer
// of an operation: JSON404, Headers201, XML200, JSONDefault, ...
var answerField = regexp.MustCompile(`^([A-Z][A-Za-z]*?)([1-5][0-9][0-9]|Default)$`)

// answerHeaders is the header struct of one answer: IssueTokenResponse201Headers.
var answerHeaders = regexp.MustCompile(`Response([1-5][0-9][0-9]|Default)Headers$`)

// The clients are generated from the client-only views: an answer outside
// 2xx reaches the caller as an *apierror.Error, so no generated response may
// have a field, getter or header struct for one.
func TestGeneratedClientsHaveOnlySuccessAnswers(t *testing.T) {
	for _, file := range []string{"../../gen/identityv3/identityv3.gen.go", "../../gen/identityv2/identityv2.gen.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		responses, successFields := 0, 0
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					ts, ok := s.(*ast.TypeSpec)
					if !ok {
						continue
					}
					if m := answerHeaders.FindStringSubmatch(ts.Name.Name); m != nil {
						assert.True(t, strings.HasPrefix(m[1], "2"), "%s: header struct %s", file, ts.Name.Name)
					}
					st, ok := ts.Type.(*ast.StructType)
					if !ok || !strings.HasSuffix(ts.Name.Name, "Response") {
						continue
					}
					responses++
					for _, fl := range st.Fields.List {
						for _, n := range fl.Names {
							if m := answerField.FindStringSubmatch(n.Name); m != nil {
								assert.True(t, strings.HasPrefix(m[2], "2"), "%s: %s.%s", file, ts.Name.Name, n.Name)
								successFields++
							}
						}
					}
				}
			case *ast.FuncDecl:
				if d.Recv == nil || len(d.Recv.List) != 1 || !strings.HasSuffix(receiverName(d.Recv.List[0].Type), "Response") {
					continue
				}
				if m := answerField.FindStringSubmatch(strings.TrimPrefix(d.Name.Name, "Get")); m != nil {
					assert.True(t, strings.HasPrefix(m[2], "2"), "%s: getter %s", file, d.Name.Name)
				}
			}
		}
		// The check looked at something: the clients have their response
		// structs and their success fields.
		assert.Greater(t, responses, 40, file)
		assert.Greater(t, successFields, 30, file)
	}
}

func receiverName(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
