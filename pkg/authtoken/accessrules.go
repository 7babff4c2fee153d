package authtoken

import (
	"regexp"
	"strings"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
)

// AccessRulesVersion is the version of application-credential access rules
// the middleware enforces, sent as OpenStack-Identity-Access-Rules on every
// validation. Keystone compares it as a number with its
// ACCESS_RULES_MIN_VERSION (1.0) and refuses (404) to describe a token
// bound to access rules to a caller that sends none or a lower one.
const AccessRulesVersion = "1.0"

// PathMatches reports whether a request path matches an access rule's path
// as keystonemiddleware's _path_matches does: "*" and "{name}" stand for
// one path segment (no "/"), "**" for any run of characters, "/" included;
// the whole path must match. Unlike keystonemiddleware, other characters
// match only themselves (Python leaves "." as a regular-expression
// wildcard), and an unpaired "{" or "}" is dropped as Python drops it. A
// pattern that is not UTF-8 matches nothing.
//
// Patterns are compiled on each call rather than memoized: they come from
// tokens, which any user can fill with new ones, and Go's regular
// expressions match in linear time whatever the pattern.
func PathMatches(requestPath, pattern string) bool {
	re, err := regexp.Compile(pathRegexp(pattern))
	return err == nil && re.MatchString(requestPath)
}

func pathRegexp(pattern string) string {
	var b strings.Builder
	// (?s): "**" is any path, one with an encoded newline (%0A) too.
	b.WriteString("(?s)^")
	for i := 0; i < len(pattern); {
		switch c := pattern[i]; {
		case c == '{':
			if end := strings.IndexByte(pattern[i:], '}'); end >= 0 {
				b.WriteString(`[^/]+`)
				i += end + 1
				continue
			}
			i++ // no closing brace: neither a tag nor a literal in Python's grammar
		case c == '}':
			i++
		case c == '*' && i+1 < len(pattern) && pattern[i+1] == '*':
			b.WriteString(`.*`)
			i += 2
		case c == '*':
			b.WriteString(`[^/]+`)
			i++
		default:
			j := i
			for j < len(pattern) && !strings.ContainsRune("{}*", rune(pattern[j])) {
				j++
			}
			b.WriteString(regexp.QuoteMeta(pattern[i:j]))
			i = j
		}
	}
	b.WriteString("$")
	return b.String()
}

// accessRulesAllow applies keystonemiddleware's validate_allowed_request to
// a request: a token without access rules is allowed; one with rules needs
// the service's type (which must be in the token's catalog, when it has
// one) and a rule naming that type, the method and a matching path. A
// request that also carries a valid service token is one service calling
// another on the user's behalf and is allowed, as is the identity
// service's own token validation.
func accessRulesAllow(a *auth.AccessInfo, serviceType, method, path string, confirmedServiceToken bool) (bool, string) {
	if a.Body == nil || a.Body.ApplicationCredential == nil || a.Body.ApplicationCredential.AccessRules == nil {
		return true, ""
	}
	if serviceType == "" {
		return false, "the token has access rules and service_type is not set"
	}
	if serviceType == "identity" && method == "GET" && strings.HasSuffix(path, "/v3/auth/tokens") {
		return true, ""
	}
	if len(a.Body.Catalog) > 0 && !catalogHasType(a.Body.Catalog, serviceType) {
		return false, "service_type " + serviceType + " is not in the token's catalog"
	}
	if confirmedServiceToken {
		return true, ""
	}
	for _, r := range a.Body.ApplicationCredential.AccessRules {
		if deref(r.Method) == method && deref(r.Service) == serviceType && PathMatches(path, deref(r.Path)) {
			return true, ""
		}
	}
	return false, "no access rule allows " + method + " " + path
}

func catalogHasType(c []identityv3.CatalogService, serviceType string) bool {
	for _, s := range c {
		if deref(s.Type) == serviceType {
			return true
		}
	}
	return false
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
