// Package redact renders URLs and secrets the way the SDK reports them: in
// errors (apierror.Error.URL and Error()), in ResponseInfo and in the debug
// log. One set of rules serves every place a URL is shown, so that a URL
// cannot be safe in the log and unsafe in an error. Structs that hold
// secrets (plugins, tokens, clouds) print through Format, LogValue and JSON
// with those fields masked. The headers that carry credentials are declared
// here too, with how each is shown, and JSONBody masks a JSON body for the
// debug log by the same rules.
package redact

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// Masked stands in for a secret wherever the SDK prints or logs one, but for
// tokens, which appear as their Hash so one can be followed through a log.
const Masked = "***"

// Hash is how a token appears where the SDK shows it: {SHA256} and the first
// 16 hex digits of its SHA-256, as keystoneauth logs tokens, so that one
// token can be followed through a log without being usable from it.
func Hash(v string) string {
	sum := sha256.Sum256([]byte(v))
	return "{SHA256}" + hex.EncodeToString(sum[:8])
}

// SensitiveQuery reports whether a query parameter's value is to be masked.
func SensitiveQuery(name string) bool {
	name = strings.ToLower(name)
	for _, s := range []string{"token", "secret", "password", "signature", "key", "passcode"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// tokenPath is a path of the Identity API with a token in one segment,
// relative to its version root: the literal segments, "*" for any segment,
// and secretSegment where the token is.
type tokenPath struct {
	version string
	pattern []string
	// notSecret are literal paths the pattern would otherwise take for a
	// token ("/v2.0/tokens/revoked").
	notSecret []string
}

const secretSegment = "{token}"

// tokenPaths are the operations of api/identity-v2.yaml and
// api/identity-v3.yaml whose path parameters carry a token (a test holds
// this table to the bundled documents): v2.0 token validation, and the
// OAuth 1.0a request and access token keys of OS-OAUTH1.
var tokenPaths = []tokenPath{
	{version: "v2.0", pattern: []string{"tokens", secretSegment}, notSecret: []string{"revoked"}},
	{version: "v3", pattern: []string{"OS-OAUTH1", "authorize", secretSegment}},
	{version: "v3", pattern: []string{"users", "*", "OS-OAUTH1", "access_tokens", secretSegment}},
}

// pathSecrets finds the token segments of an escaped path: their indexes
// in the slash-separated segments.
func pathSecrets(segs []string) []int {
	var out []int
	for i, seg := range segs {
		for _, tp := range tokenPaths {
			if seg != tp.version || len(segs)-i-1 < len(tp.pattern) {
				continue
			}
			at := -1
			for j, want := range tp.pattern {
				got := segs[i+1+j]
				switch want {
				case "*":
					if got == "" {
						at = -2
					}
				case secretSegment:
					if got == "" || containsUnescaped(tp.notSecret, got) {
						at = -2
					} else if at == -1 {
						at = i + 1 + j
					}
				default:
					if got != want {
						at = -2
					}
				}
				if at == -2 {
					break
				}
			}
			if at >= 0 {
				out = append(out, at)
			}
		}
	}
	return out
}

func containsUnescaped(list []string, escaped string) bool {
	v, err := url.PathUnescape(escaped)
	if err != nil {
		v = escaped
	}
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// PathSecrets are the tokens a URL carries in its path (unescaped), so that
// an error message that echoes one can be scrubbed.
func PathSecrets(u *url.URL) []string {
	if u == nil {
		return nil
	}
	segs := strings.Split(u.EscapedPath(), "/")
	var out []string
	for _, i := range pathSecrets(segs) {
		v, err := url.PathUnescape(segs[i])
		if err != nil {
			v = segs[i]
		}
		out = append(out, v)
	}
	return out
}

// URL renders u for an error or a log: without user info or fragment, with
// the values of query parameters that look like secrets masked and every
// token in the path replaced by its Hash.
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	c.Fragment, c.RawFragment = "", ""
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			if SensitiveQuery(k) {
				q.Set(k, Masked)
			}
		}
		c.RawQuery = q.Encode()
	}
	segs := strings.Split(c.EscapedPath(), "/")
	secret := pathSecrets(segs)
	if len(secret) == 0 {
		return c.String()
	}
	for _, i := range secret {
		v, err := url.PathUnescape(segs[i])
		if err != nil {
			v = segs[i]
		}
		segs[i] = Hash(v)
	}
	// url.URL would escape the braces of the hash; the path is put
	// together here instead, everything else by url.URL.
	path := strings.Join(segs, "/")
	c.Path, c.RawPath = "", ""
	rest := c.String()
	prefix, query, hasQuery := strings.Cut(rest, "?")
	if hasQuery {
		return prefix + path + "?" + query
	}
	return prefix + path
}

// String is URL for a URL in text form; text that does not parse is not
// shown at all.
func String(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	return URL(u)
}

// Scrub replaces every occurrence of the given secrets in s by its Hash.
// Secrets shorter than 8 bytes are left alone: they would match ordinary
// words, and no credential is that short.
func Scrub(s string, secrets []string) string {
	for _, v := range secrets {
		if len(v) >= 8 && strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Hash(v))
		}
	}
	return s
}
