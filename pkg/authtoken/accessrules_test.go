package authtoken

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Cases of keystonemiddleware's test_path_matches, and the ones where
// keystone-go is stricter.
func TestPathMatches(t *testing.T) {
	for _, tc := range []struct {
		path, pattern string
		want          bool
	}{
		{"/v2/servers", "/v2/*", true},
		{"/v2/servers/abc", "/v2/*", false},
		{"/v2/servers/abc", "/v2/**", true},
		{"/v2/servers/abc", "/v2/servers/{uuid}", true},
		{"/v2/servers/abc/action", "/v2/servers/{uuid}", false},
		{"/v2/servers/abc/action", "/v2/servers/*/action", true},
		{"/v2/servers/abc/action", "/v2/servers/*/*", true},
		{"/v2/servers/abc/action", "/v2/servers/**/action", true},
		{"/v2/servers", "/v2/servers", true},
		{"/v2/servers/", "/v2/servers", false},
		{"/v2/", "/v2/*", false}, // "*" is one segment, never an empty one
		{"/v2/a/b/c", "/v2/**/c", true},
		{"/v2/a/b/c", "/v2/***", true},
		// literals are literal: "." is not a wildcard here (it is in Python)
		{"/v2x1/servers", "/v2.1/servers", false},
		{"/v2.1/servers", "/v2.1/servers", true},
		{"/v2/(a)", "/v2/(a)", true},
		// unpaired braces are dropped, as Python's grammar drops them
		{"/v2/a", "/v2/{a", true},
	} {
		assert.Equal(t, tc.want, PathMatches(tc.path, tc.pattern), "%s ~ %s", tc.path, tc.pattern)
	}
}

// Any pattern compiles (no panic), a pattern without "*", "{" or "}"
// matches exactly itself, and "**" matches every path.
func FuzzPathMatches(f *testing.F) {
	for _, s := range []string{"/v2/*", "/v2/**", "/v2/servers/{id}/action", "/v2.1/(x)[y]$^", "{", "}*{", "***"} {
		f.Add("/v2/servers/abc", s)
	}
	f.Fuzz(func(t *testing.T, path, pattern string) {
		got := PathMatches(path, pattern)
		if !strings.ContainsAny(pattern, "*{}") && got != (path == pattern) {
			t.Fatalf("literal %q ~ %q: %v", path, pattern, got)
		}
		if !PathMatches(path, "**") {
			t.Fatalf("** does not match %q", path)
		}
	})
}
