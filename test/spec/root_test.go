package spec_test

import (
	"path/filepath"
	"testing"
)

// repoRoot is the repository's root: go test runs in the package's
// directory, test/spec.
func repoRoot(t testing.TB) string {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}
