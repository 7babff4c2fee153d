package examples_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmeImports are what the README's snippets may use, each with a use
// that keeps the program valid when a snippet does not.
var readmeImports = map[string]string{
	"context":     "context.Background",
	"crypto/rand": "rand.Text",
	"errors":      "errors.Is",
	"fmt":         "fmt.Println",
	"net/http":    "http.NewRequest",
	"os":          "os.Getenv",
	"github.com/keystone-go/keystone/gen/identityv3":   "identityv3.NewTypedClient",
	"github.com/keystone-go/keystone/pkg/adapter":      "adapter.New",
	"github.com/keystone-go/keystone/pkg/apierror":     "apierror.FromResponse",
	"github.com/keystone-go/keystone/pkg/auth":         "auth.New",
	"github.com/keystone-go/keystone/pkg/authtoken":    "authtoken.New",
	"github.com/keystone-go/keystone/pkg/cloudconfig":  "cloudconfig.Load",
	"github.com/keystone-go/keystone/pkg/identity":     "identity.NewV3",
	"github.com/keystone-go/keystone/pkg/specvalidate": "specvalidate.New",
}

var (
	goBlock     = regexp.MustCompile("(?s)```go\n(.*?)```")
	importBlock = regexp.MustCompile(`(?s)^import \((.*?)\)\n`)
)

// readmeProgram is the README's ```go blocks as one program: the first
// (Usage, which makes the session and the client) in run's body, each later
// one in a block of its own after it, so that it may redeclare names and
// uses what the first made. A snippet's imports must be among readmeImports.
func readmeProgram(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("../../../README.md")
	require.NoError(t, err)
	blocks := goBlock.FindAllStringSubmatch(string(readme), -1)
	require.GreaterOrEqual(t, len(blocks), 3, "the README's go snippets")
	var body strings.Builder
	for i, b := range blocks {
		code := b[1]
		if m := importBlock.FindStringSubmatch(code); m != nil {
			for _, line := range strings.Fields(m[1]) {
				path := strings.Trim(line, `"`)
				_, ok := readmeImports[path]
				require.True(t, ok, "README imports %s: add it to readmeImports", path)
			}
			code = strings.TrimPrefix(code, m[0])
		}
		if i == 0 {
			body.WriteString(code)
		} else {
			fmt.Fprintf(&body, "{\n%s}\n", code)
		}
	}
	var src strings.Builder
	src.WriteString("// The README's snippets, assembled by readme_test.go.\npackage main\n\nimport (\n")
	var uses []string
	for path, use := range readmeImports {
		fmt.Fprintf(&src, "\t%q\n", path)
		uses = append(uses, "\t_ = "+use)
	}
	src.WriteString(")\n\nfunc init() {\n" + strings.Join(uses, "\n") + "\n}\n\n")
	src.WriteString("func main() {\n\tif err := run(context.Background()); err != nil {\n\t\tfmt.Fprintln(os.Stderr, err)\n\t\tos.Exit(1)\n\t}\n}\n\n")
	src.WriteString("func run(ctx context.Context) error {\n" + body.String() + "\treturn nil\n}\n")
	return src.String()
}

// buildReadme compiles the README's snippets into a program and returns
// its path.
func buildReadme(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("testdata", "readme-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(readmeProgram(t)), 0o644))
	bin := filepath.Join(t.TempDir(), "readme")
	out, err := exec.Command("go", "build", "-o", bin, "./"+dir).CombinedOutput()
	require.NoError(t, err, "the README's snippets do not compile:\n%s", out)
	return bin
}

// The README's snippets compile, and run against the test Keystone (the
// Usage snippet creates a project, lists, checks and deletes it; the others
// find, validate, call the adapter and load the configuration).
func TestReadmeSnippetsRun(t *testing.T) {
	bin := buildReadme(t)
	if os.Getenv("OS_AUTH_URL") == "" {
		t.Log("the README compiles; without OS_AUTH_URL (hack/keystone-up.sh) it is not run")
		return
	}
	cmd := exec.Command(bin)
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the README's snippets failed against Keystone:\n%s", out)
	text := string(out)
	require.Regexp(t, `(?m)^[0-9a-f]{32} demo-`, text, "the created project")
	require.Contains(t, text, "granted: false <nil>", "the HEAD check of a role the user does not have on the new project")
	require.Regexp(t, `Could not find project`, text, "the deleted project's 404")
	require.Regexp(t, `found [0-9a-f]{32} <nil>`, text, "FindProject")
	require.Regexp(t, `\d+ projects <nil>`, text, "the adapter's GET auth/projects")
}
