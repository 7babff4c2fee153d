package identity

import "strings"

// operationSet matches requests against operations given as a method and a
// path template relative to the API's version root, with "*" for a path
// parameter ("POST /users/*/password").
type operationSet map[operationKey][][]string

type operationKey struct {
	method   string
	segments int
}

func newOperationSet(ops ...string) operationSet {
	set := operationSet{}
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		segs := splitPath(path)
		key := operationKey{method, len(segs)}
		set[key] = append(set[key], segs)
	}
	return set
}

func splitPath(path string) []string {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}

// match reports whether method and the escaped path relative to the
// version root are one of the set's operations. It runs for every request,
// so it walks the path in place rather than splitting it.
func (s operationSet) match(method, path string) bool {
	path = strings.Trim(path, "/")
	segments := 0
	if path != "" {
		segments = strings.Count(path, "/") + 1
	}
	for _, tmpl := range s[operationKey{method, segments}] {
		if segmentsMatch(tmpl, path) {
			return true
		}
	}
	return false
}

// segmentsMatch compares tmpl with path, which has as many segments.
func segmentsMatch(tmpl []string, path string) bool {
	for _, t := range tmpl {
		seg, rest, _ := strings.Cut(path, "/")
		if t != "*" && t != seg {
			return false
		}
		path = rest
	}
	return true
}

// The operations the specs mark as needing no token (security [], an
// optional one, or only credentials of another kind: an OAuth 1.0a
// signature, OAuth 2.0 client authentication): the client sends them
// without one, and a 401 from them is the answer (a wrong password), not a
// reason to authenticate again. A test holds these lists to the bundled
// specs.
var (
	v3WithoutToken = newOperationSet(
		"GET /",
		"POST /auth/tokens",
		"POST /users/*/password",
		"GET /OS-FEDERATION/identity_providers/*/protocols/*/auth",
		"POST /OS-FEDERATION/identity_providers/*/protocols/*/auth",
		"GET /OS-FEDERATION/saml2/metadata",
		"GET /auth/OS-FEDERATION/identity_providers/*/protocols/*/websso",
		"POST /auth/OS-FEDERATION/identity_providers/*/protocols/*/websso",
		"GET /auth/OS-FEDERATION/websso/*",
		"POST /auth/OS-FEDERATION/websso/*",
		"POST /auth/OS-FEDERATION/saml2",
		"POST /auth/OS-FEDERATION/saml2/ecp",
		"GET /OS-SIMPLE-CERT/ca",
		"GET /OS-SIMPLE-CERT/certificates",
		"POST /OS-OAUTH1/request_token",
		"POST /OS-OAUTH1/access_token",
		"POST /OS-OAUTH2/token",
	)
	v2WithoutToken = newOperationSet(
		"GET /",
		"POST /tokens",
		"POST /ec2tokens",
		"GET /extensions",
		"GET /extensions/*",
		"GET /certificates/ca",
		"GET /certificates/signing",
	)
)
