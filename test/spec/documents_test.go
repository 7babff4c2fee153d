package spec_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocumentsValidate loads every hand-written document on its own, with
// its external references, and validates it; then the bundles.
func TestDocumentsValidate(t *testing.T) {
	root := repoRoot(t)
	var files []string
	for _, pattern := range []string{"spec/*.yaml", "spec/v3/*.yaml", "spec/v2/*.yaml", "api/*.yaml"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		t.Run(rel, func(t *testing.T) {
			loader := openapi3.NewLoader()
			loader.IsExternalRefsAllowed = true
			doc, err := loader.LoadFromFile(f)
			require.NoError(t, err)
			assert.Equal(t, "3.0.3", doc.OpenAPI)
			assert.NoError(t, doc.Validate(context.Background()))
		})
	}
}
