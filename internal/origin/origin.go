// Package origin is the SDK's one rule for where credentials may go. Every
// request path applies it: the Session's redirects (and so version
// discovery and the token requests of every plugin), the pager's
// links.next, and the URLs the federation plugins learn from answers (an
// OpenID Connect provider's token endpoint, a SAML service provider's
// consumer URL).
//
// The rule:
//   - An origin is a URL's scheme, host and port (a default port is the
//     same as none), as in RFC 6454.
//   - Nothing goes from https to plain http: not a redirect, not a link,
//     not an endpoint learned from an https answer.
//   - A redirect to another origin carries no credential header and no
//     body. One that would have to re-send a body (301, 302, 307, 308 after
//     a request with a body) is not followed; a 303, which turns into a GET
//     without a body, and a request without a body are followed with the
//     credential headers removed.
//   - A links.next on the origin's host is a link to the same Keystone and
//     is fetched from the origin (its scheme and port), which is what a
//     Keystone behind a TLS-terminating proxy means by an "http://" link;
//     a link to another host is not followed.
//
// What is not followed comes back as an *apierror.CrossOriginError.
package origin

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// Origin is a URL's scheme, host and port, normalized.
type Origin struct {
	Scheme, Host, Port string
}

// Of is the origin of u.
func Of(u *url.URL) Origin {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	switch {
	case port == "" && scheme == "https":
		port = "443"
	case port == "" && scheme == "http":
		port = "80"
	}
	return Origin{Scheme: scheme, Host: host, Port: port}
}

func (o Origin) String() string {
	return o.Scheme + "://" + net.JoinHostPort(o.Host, o.Port)
}

// Same reports whether a and b have one origin.
func Same(a, b *url.URL) bool { return Of(a) == Of(b) }

// Downgrade reports whether going from "from" to "to" leaves https for
// anything else.
func Downgrade(from, to *url.URL) bool {
	return strings.EqualFold(from.Scheme, "https") && !strings.EqualFold(to.Scheme, "https")
}

// Hop is one redirect the Session considers.
type Hop struct {
	Method string
	// Chain is every URL the request has been sent to so far, the first
	// request's first; the redirect leaves from the last.
	Chain []*url.URL
	// Target is where the redirect points.
	Target     *url.URL
	StatusCode int
	RequestID  string
	// Body reports whether the redirected request would carry a body.
	Body bool
}

// Decision is what the rule makes of a redirect.
type Decision int

const (
	// Follow keeps the request as it is (same origin).
	Follow Decision = iota
	// FollowStripped follows without any credential header.
	FollowStripped
	// Refuse does not follow.
	Refuse
)

// Redirect decides a redirect; for Refuse the error says why.
func Redirect(h Hop) (Decision, error) {
	from := h.Chain[len(h.Chain)-1]
	for _, u := range h.Chain {
		if Downgrade(u, h.Target) {
			return Refuse, h.refuse("it leaves https for plain http")
		}
	}
	cross := false
	for _, u := range h.Chain {
		if !Same(u, h.Target) {
			cross = true
		}
	}
	switch {
	case !cross:
		return Follow, nil
	case h.Body:
		return Refuse, h.refuse("it leaves the origin " + Of(from).String() + " and would re-send the request body")
	}
	return FollowStripped, nil
}

func (h Hop) refuse(reason string) error {
	from := h.Chain[len(h.Chain)-1]
	return &apierror.CrossOriginError{Method: h.Method, URL: redact.URL(from), Target: redact.URL(h.Target),
		StatusCode: h.StatusCode, RequestID: h.RequestID, Reason: reason}
}

// Link resolves a links.next against the URL of the page it came from:
// a link on the page's host is fetched from the page's origin; a link to
// another host is refused.
func Link(method string, page *url.URL, next string) (*url.URL, error) {
	ref, err := url.Parse(next)
	if err != nil {
		return nil, err
	}
	target := page.ResolveReference(ref)
	if Same(page, target) {
		return target, nil
	}
	if page.Host == "" {
		return nil, &apierror.CrossOriginError{Method: method, URL: redact.URL(page), Target: redact.URL(target),
			Reason: "the page's own URL is not known, so an absolute link cannot be held to its origin"}
	}
	if !strings.EqualFold(page.Hostname(), target.Hostname()) || (target.Scheme != "http" && target.Scheme != "https") {
		return nil, &apierror.CrossOriginError{Method: method, URL: redact.URL(page), Target: redact.URL(target),
			Reason: "it leaves the origin " + Of(page).String() + " and the request carries the token"}
	}
	moved := *target
	moved.Scheme, moved.Host = page.Scheme, page.Host
	return &moved, nil
}

// Endpoint checks a URL learned from an answer fetched from "from" (a
// token endpoint named by a discovery document, a consumer URL named by a
// SAML service provider) before a credential is sent there: it must not
// be plain http when the answer came over https.
func Endpoint(what string, from, endpoint *url.URL) error {
	if Downgrade(from, endpoint) {
		return &apierror.CrossOriginError{Method: http.MethodGet, URL: redact.URL(from), Target: redact.URL(endpoint),
			Reason: what + " is plain http, named by an answer that came over https"}
	}
	return nil
}
