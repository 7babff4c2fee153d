package redact

import (
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestURL(t *testing.T) {
	tok := "gAAAAABtoken-0123456789"
	for raw, want := range map[string]string{
		"https://k/v3/projects?name=demo":                         "https://k/v3/projects?name=demo",
		"https://user:pw@k/v3/projects#frag":                      "https://k/v3/projects",
		"https://k/v3/users?password_expires_at=x&name=a":         "https://k/v3/users?name=a&password_expires_at=%2A%2A%2A",
		"https://k/identity/v2.0/tokens/" + tok:                   "https://k/identity/v2.0/tokens/" + Hash(tok),
		"https://k/v2.0/tokens/" + tok + "/endpoints?belongsTo=p": "https://k/v2.0/tokens/" + Hash(tok) + "/endpoints?belongsTo=p",
		"https://k/v2.0/tokens/revoked":                           "https://k/v2.0/tokens/revoked",
		"https://k/v2.0/tokens":                                   "https://k/v2.0/tokens",
		"https://k/v3/auth/tokens/OS-PKI/revoked":                 "https://k/v3/auth/tokens/OS-PKI/revoked",
		"https://k/v3/OS-OAUTH1/authorize/" + tok:                 "https://k/v3/OS-OAUTH1/authorize/" + Hash(tok),
		"https://k/v3/users/u1/OS-OAUTH1/access_tokens/" + tok + "/roles/r1": "https://k/v3/users/u1/OS-OAUTH1/access_tokens/" +
			Hash(tok) + "/roles/r1",
		"https://k/v3/users/u1/OS-OAUTH1/access_tokens": "https://k/v3/users/u1/OS-OAUTH1/access_tokens",
		"https://k/v2.0/tokens/a%2Fb":                   "https://k/v2.0/tokens/" + Hash("a/b"),
		"/v2.0/tokens/" + tok:                           "/v2.0/tokens/" + Hash(tok),
	} {
		assert.Equal(t, want, String(raw), raw)
	}
	withToken, err := url.Parse("https://k/v2.0/tokens/" + tok + "/endpoints")
	require.NoError(t, err)
	assert.Equal(t, []string{tok}, PathSecrets(withToken))
	assert.Empty(t, PathSecrets(&url.URL{Path: "/v3/projects/p1"}))
	assert.Equal(t, "", URL(nil))
	assert.Equal(t, "<unparsable URL>", String("http://k/%zz"))
}

func TestScrub(t *testing.T) {
	assert.Equal(t, "Could not find token: "+Hash("gAAAAABtoken")+".",
		Scrub("Could not find token: gAAAAABtoken.", []string{"gAAAAABtoken", "short"}))
	assert.Equal(t, "a short word", Scrub("a short word", []string{"short"}), "too short to be a credential")
}

// Every path parameter of the bundled documents whose name says it holds a
// token is hashed wherever the SDK shows the URL, and no other parameter.
func TestEveryTokenPathParameterIsHashed(t *testing.T) {
	// The path templates name their parameters; that is all this needs.
	type document struct {
		Paths map[string]yaml.Node `yaml:"paths"`
	}
	placeholder := regexp.MustCompile(`\{([^}]+)\}`)
	found := 0
	for file, root := range map[string]string{"identity-v2.yaml": "https://k/identity/v2.0", "identity-v3.yaml": "https://k/identity/v3"} {
		data, err := os.ReadFile("../../api/" + file)
		require.NoError(t, err)
		var doc document
		require.NoError(t, yaml.Unmarshal(data, &doc))
		for path := range doc.Paths {
			names := placeholder.FindAllStringSubmatch(path, -1)
			if len(names) == 0 {
				continue
			}
			values := map[string]string{}
			concrete := placeholder.ReplaceAllStringFunc(path, func(m string) string {
				name := strings.Trim(m, "{}")
				values[name] = "value-of-" + name + "-0123456789"
				return values[name]
			})
			shown := String(root + concrete)
			for name, v := range values {
				if strings.Contains(name, "token") {
					found++
					assert.NotContains(t, shown, v, "%s %s: %s is a token", file, path, name)
					assert.Contains(t, shown, Hash(v), "%s %s", file, path)
				} else {
					assert.Contains(t, shown, v, "%s %s: %s is no secret", file, path, name)
				}
			}
		}
		// Paths without parameters stay as they are.
		for path := range doc.Paths {
			if !strings.Contains(path, "{") {
				assert.Equal(t, root+path, String(root+path), "%s %s", file, path)
			}
		}
	}
	assert.GreaterOrEqual(t, found, 6, "the v2.0 token paths and the OS-OAUTH1 token keys")
}
