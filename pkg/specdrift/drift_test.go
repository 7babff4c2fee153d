package specdrift_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/specdrift"
	"github.com/keystone-go/keystone/pkg/specvalidate"
)

// zedHome is the JSON-home document of Keystone 22 (Zed), as served.
func zedHome(t *testing.T) *specdrift.Home {
	data, err := os.ReadFile("testdata/zed-json-home.json")
	require.NoError(t, err)
	h, err := specdrift.Parse(data)
	require.NoError(t, err)
	return h
}

func validator(t *testing.T) *specvalidate.Validator {
	v, err := specvalidate.Default()
	require.NoError(t, err)
	return v
}

func find(rep *specdrift.Report, path string) (specdrift.Finding, bool) {
	i := slices.IndexFunc(rep.Findings, func(f specdrift.Finding) bool { return f.Path == path })
	if i < 0 {
		return specdrift.Finding{}, false
	}
	return rep.Findings[i], true
}

func TestCompareZed(t *testing.T) {
	v := validator(t)
	for _, series := range []string{"", "2022.2"} {
		rep := specdrift.Compare(v, zedHome(t), series)
		assert.Empty(t, rep.Unexpected(), "series %q", series)
		assert.Greater(t, rep.Routes, 100)
		tags, ok := find(rep, "/v3/projects/{project_id}/tags")
		require.True(t, ok)
		assert.Equal(t, specdrift.Unrouted, tags.Kind)
		assert.True(t, tags.Expected)
		assert.Contains(t, tags.Reason, "project_tags")
		tokens, ok := find(rep, "/v3/users/{user_id}/tokens")
		require.True(t, ok)
		assert.True(t, tokens.Expected)
		assert.Equal(t, []string{"2026.2"}, tokens.Releases)
	}

	// Told the server is 2026.2, the missing route is drift.
	rep := specdrift.Compare(v, zedHome(t), "2026.2")
	require.Len(t, rep.Unexpected(), 1)
	assert.Equal(t, "/v3/users/{user_id}/tokens", rep.Unexpected()[0].Path)
	assert.Equal(t, []string{"DELETE revokeUserTokens"}, rep.Unexpected()[0].Operations)
}

func TestCompareFindsDrift(t *testing.T) {
	v := validator(t)
	home := zedHome(t)
	// A route the spec lacks, one it limits to another series, and a spec
	// route withdrawn.
	home.Resources["https://example.test/rel/widgets"] = specdrift.Resource{
		HrefTemplate: "/widgets/{widget_id}", HrefVars: map[string]string{"widget_id": "x"}}
	home.Resources["https://example.test/rel/user_tokens"] = specdrift.Resource{HrefTemplate: "/users/{uid}/tokens"}
	for rel, r := range home.Resources {
		if r.Path() == "/regions" {
			delete(home.Resources, rel)
		}
	}
	rep := specdrift.Compare(v, home, "2022.2")
	got := map[string]specdrift.Kind{}
	for _, f := range rep.Unexpected() {
		got[f.Path] = f.Kind
	}
	assert.Equal(t, map[string]specdrift.Kind{
		"/v3/widgets/{widget_id}":    specdrift.Undocumented,
		"/v3/users/{user_id}/tokens": specdrift.OutOfRelease,
		"/v3/regions":                specdrift.Unrouted,
	}, got)
}

func TestFetchAsksForJSONHome(t *testing.T) {
	data, err := os.ReadFile("testdata/zed-json-home.json")
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v3" || r.Header.Get("Accept") != specdrift.MediaType {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"version": {}}`))
			return
		}
		w.Header().Set("Content-Type", specdrift.MediaType)
		_, _ = w.Write(data)
	}))
	defer srv.Close()
	home, err := specdrift.Fetch(context.Background(), srv.Client(), srv.URL+"/v3/")
	require.NoError(t, err)
	assert.Equal(t, len(zedHome(t).Resources), len(home.Resources))

	_, err = specdrift.Fetch(context.Background(), srv.Client(), srv.URL+"/elsewhere")
	assert.ErrorContains(t, err, "lists no resources")
}
