package auth

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/keystone-go/keystone/internal/redact"
)

// The fixed headers that carry credentials are declared once, in
// internal/redact, and that one declaration decides both what the debug log
// masks and what a redirect to another origin strips. A plugin whose
// credential travels in headers named by its configuration
// (v3federatedheaders) declares them for its requests with
// ContextWithSecretHeaders; headerRules joins the two.

type secretHeadersKey struct{}

// ContextWithSecretHeaders declares more headers whose values are
// credentials for the requests made with ctx: the Session logs them hashed
// and drops them when a redirect leaves the request's origin, as it does
// with X-Auth-Token. A plugin whose configuration names the headers that
// carry its credential (v3federatedheaders) declares them this way.
func ContextWithSecretHeaders(ctx context.Context, names ...string) context.Context {
	prev, _ := ctx.Value(secretHeadersKey{}).([]string)
	all := slices.Clone(prev)
	for _, n := range names {
		if n = http.CanonicalHeaderKey(n); n != "" && !slices.Contains(all, n) {
			all = append(all, n)
		}
	}
	return context.WithValue(ctx, secretHeadersKey{}, all)
}

// headerRules are the secret headers of one request: the fixed ones and
// those its context declares.
type headerRules struct{ declared []string }

func rulesOf(ctx context.Context) headerRules {
	d, _ := ctx.Value(secretHeadersKey{}).([]string)
	return headerRules{declared: d}
}

// redactor is how a header appears in the log, and whether it is secret.
func (r headerRules) redactor(name string) (func(string) string, bool) {
	name = http.CanonicalHeaderKey(name)
	if red, ok := redact.SecretHeader(name); ok {
		return red, true
	}
	if slices.Contains(r.declared, name) {
		return redact.Hash, true
	}
	return nil, false
}

// strip removes every secret header from h.
func (r headerRules) strip(h http.Header) {
	for name := range redact.SecretHeaderNames() {
		h.Del(name)
	}
	for _, name := range r.declared {
		h.Del(name)
	}
}

// values are the credential values in hs, to be scrubbed from whatever
// else is shown (a server may echo a token in an error message).
func (r headerRules) values(hs ...http.Header) []string {
	var out []string
	for _, h := range hs {
		for name, vals := range h {
			if _, ok := r.redactor(name); !ok {
				continue
			}
			canon := http.CanonicalHeaderKey(name)
			for _, v := range vals {
				if canon == "Authorization" || canon == "Proxy-Authorization" {
					if _, cred, ok := strings.Cut(v, " "); ok {
						v = cred
					}
				}
				out = append(out, v)
			}
		}
	}
	return out
}
