package authtoken

import (
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
