package spec_test

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRequiredOperations checks that every operation Keystone serves (the
// 307 rows of required-operations.tsv) is described by the spec.
func TestRequiredOperations(t *testing.T) {
	ref := apiRef(t)
	rows := readTSV(t, filepath.Join(ref, "required-operations.tsv"))
	var missing []string
	groups := map[string]int{}
	for _, row := range rows {
		method, path := row["method"], row["path"]
		if _, op := operation(t, method, path); op == nil {
			missing = append(missing, method+" "+path)
			continue
		}
		switch {
		case strings.HasPrefix(path, "/v2.0"):
			groups["v2.0"]++
		case strings.Contains(path, "/OS-"):
			groups["v3 extensions"]++
		case path == "/":
			groups["root"]++
		default:
			groups["v3 core"]++
		}
	}
	sort.Strings(missing)
	t.Logf("operations in the spec: %d of %d (%v)", len(rows)-len(missing), len(rows), groups)
	assert.Empty(t, missing, "operations Keystone serves that the spec does not describe")
}
