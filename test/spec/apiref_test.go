package spec_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

// apiRef is the directory of Keystone's API reference data, beside the
// repository (../shared/api-ref), or API_REF when set.
func apiRef(t testing.TB) string {
	if dir := os.Getenv("API_REF"); dir != "" {
		return dir
	}
	dir := filepath.Join(filepath.Dir(repoRoot(t)), "shared", "api-ref")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("Keystone's API reference data is not at %s (set API_REF): %v", dir, err)
	}
	return dir
}

// readTSV reads a tab-separated file with a header into maps.
func readTSV(t testing.TB, path string) []map[string]string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var header []string
	var rows []map[string]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if header == nil {
			header = cols
			continue
		}
		row := map[string]string{}
		for i, h := range header {
			if i < len(cols) {
				row[h] = cols[i]
			}
		}
		rows = append(rows, row)
	}
	require.NoError(t, sc.Err())
	return rows
}

// document is one bundled API document and the URL prefix of its paths.
type document struct {
	name   string
	prefix string
	doc    *openapi3.T
	ops    map[string]*openapi3.Operation // "GET /projects/{}" -> operation
}

var (
	docsOnce sync.Once
	docs     []*document
	docsErr  error
)

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// normalize turns a path template into a key with unnamed parameters.
func normalize(method, path string) string {
	return strings.ToUpper(method) + " " + pathParam.ReplaceAllString(path, "{}")
}

func loadDocs(t testing.TB) []*document {
	root := repoRoot(t)
	docsOnce.Do(func() {
		for _, d := range []struct{ file, prefix string }{
			{"api/identity-v3.yaml", "/v3"},
			{"api/identity-discovery.yaml", ""},
			{"api/identity-v2.yaml", "/v2.0"},
		} {
			path := filepath.Join(root, d.file)
			if _, err := os.Stat(path); err != nil {
				continue // a version not written yet
			}
			loaded, err := openapi3.NewLoader().LoadFromFile(path)
			if err == nil {
				err = loaded.Validate(context.Background())
			}
			if err != nil {
				docsErr = fmt.Errorf("%s: %w", d.file, err)
				return
			}
			doc := &document{name: d.file, prefix: d.prefix, doc: loaded, ops: map[string]*openapi3.Operation{}}
			for p, item := range loaded.Paths.Map() {
				for method, op := range item.Operations() {
					doc.ops[normalize(method, p)] = op
				}
			}
			docs = append(docs, doc)
		}
	})
	require.NoError(t, docsErr)
	return docs
}

// operation finds the operation for a method and a full path such as
// /v3/projects/{project_id}.
func operation(t testing.TB, method, fullPath string) (*document, *openapi3.Operation) {
	// The api-ref writes OS-OAUTH2's path with a deployment prefix.
	fullPath = strings.TrimPrefix(fullPath, "/identity")
	var best *document
	for _, d := range loadDocs(t) {
		owns := (d.prefix == "" && fullPath == "/") ||
			(d.prefix != "" && (fullPath == d.prefix || strings.HasPrefix(fullPath, d.prefix+"/")))
		if owns && (best == nil || len(d.prefix) > len(best.prefix)) {
			best = d
		}
	}
	if best == nil {
		return nil, nil
	}
	rel := strings.TrimPrefix(fullPath, best.prefix)
	if rel == "" {
		rel = "/"
	}
	return best, best.ops[normalize(method, rel)]
}

// exceptions reads exceptions/*.tsv: sample path, tab, reason.
func exceptions(t testing.TB) map[string]string {
	out := map[string]string{}
	files, err := filepath.Glob("exceptions/*.tsv")
	require.NoError(t, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for i, line := range strings.Split(string(b), "\n") {
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			sample, reason, ok := strings.Cut(line, "\t")
			if !ok || strings.TrimSpace(reason) == "" {
				t.Errorf("%s:%d: want <sample path> TAB <reason>", f, i+1)
				continue
			}
			out[sample] = reason
		}
	}
	return out
}

func decodeJSON(b []byte) (any, error) {
	var v any
	err := json.Unmarshal(b, &v)
	return v, err
}
