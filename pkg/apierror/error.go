package apierror

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
)

// Error is an HTTP answer outside 2xx.
type Error struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Code, Title and Message are Keystone's error body; for a body that is
	// not Keystone JSON (an HTML page from a proxy, say), Message holds its text.
	Code    int
	Title   string
	Message string
	// RequestID is X-Openstack-Request-Id of the answer, for Keystone's logs.
	RequestID string
	// Method and URL are those of the request that failed.
	Method string
	URL    string
	// Header holds the answer's headers (for example Openstack-Auth-Receipt
	// on a multi-factor 401, or Retry-After on a 429).
	Header http.Header
	// Identity holds, on a multi-factor 401, the auth methods still needed.
	Identity *ReceiptRules
}

// ReceiptRules describe a multi-factor 401: the methods already
// satisfied and the rules (sets of methods) of which one must be met.
type ReceiptRules struct {
	Methods             []string   `json:"methods"`
	RequiredAuthMethods [][]string `json:"required_auth_methods"`
}

// Kind is the most specific Kind for the error's status.
func (e *Error) Kind() *Kind { return KindOfStatus(e.StatusCode) }

// Is lets errors.Is match an Error against the Kind sentinels.
func (e *Error) Is(target error) bool { return e.Kind().Is(target) }

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.URL, e.StatusCode)
	if e.Title != "" {
		fmt.Fprintf(&b, " %s", e.Title)
	} else if t := http.StatusText(e.StatusCode); t != "" {
		fmt.Fprintf(&b, " %s", t)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// maxMessage bounds the text kept from a body that is not Keystone JSON.
const maxMessage = 512

// FromResponse builds the Error for an answer and its (possibly partial)
// body. The URL is given separately so that the caller can leave out query
// strings that carry secrets.
func FromResponse(resp *http.Response, method, url string, body []byte) *Error {
	e := &Error{
		StatusCode: resp.StatusCode,
		RequestID:  RequestID(resp.Header),
		Method:     method,
		URL:        url,
		Header:     resp.Header,
	}
	var payload struct {
		Error *struct {
			Code     int           `json:"code"`
			Title    string        `json:"title"`
			Message  string        `json:"message"`
			Identity *ReceiptRules `json:"identity"`
		} `json:"error"`
		// A multi-factor 401 carries the receipt and the rules still to
		// meet instead of an error.
		Receipt *struct {
			Methods []string `json:"methods"`
		} `json:"receipt"`
		RequiredAuthMethods [][]string `json:"required_auth_methods"`
		// Some services and proxies answer {"message": "..."}; keep it.
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &payload) == nil {
		switch {
		case payload.Error != nil:
			e.Code = payload.Error.Code
			e.Title = payload.Error.Title
			e.Message = payload.Error.Message
			e.Identity = payload.Error.Identity
			return e
		case payload.Receipt != nil || payload.RequiredAuthMethods != nil:
			e.Title = "Unauthorized"
			e.Message = "additional authentication methods required"
			e.Identity = &ReceiptRules{RequiredAuthMethods: payload.RequiredAuthMethods}
			if payload.Receipt != nil {
				e.Identity.Methods = payload.Receipt.Methods
			}
			return e
		case payload.Message != "":
			e.Message = payload.Message
			return e
		}
	}
	e.Message = plainText(body)
	return e
}

var (
	tags      = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>|<[^>]*>`)
	whitespan = regexp.MustCompile(`\s+`)
)

// plainText reduces an HTML or text body to one short line.
func plainText(body []byte) string {
	s := string(body)
	if len(s) > 64*maxMessage {
		s = s[:64*maxMessage]
	}
	s = tags.ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	s = strings.TrimSpace(whitespan.ReplaceAllString(s, " "))
	if len(s) > maxMessage {
		s = strings.ToValidUTF8(s[:maxMessage], "") + "…"
	}
	return s
}

// RequestID is the request id of an answer: Keystone's
// X-Openstack-Request-Id, or the X-Compute-Request-Id some services send.
func RequestID(h http.Header) string {
	if id := h.Get("X-Openstack-Request-Id"); id != "" {
		return id
	}
	return h.Get("X-Compute-Request-Id")
}

// TransportError is a failure without an HTTP answer to show for it.
type TransportError struct {
	Kind   *Kind
	Method string
	URL    string
	Err    error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: %s: %v", e.Method, e.URL, e.Kind.name, e.Err)
}

// Unwrap gives the underlying error (a *net.OpError, context.DeadlineExceeded, ...).
func (e *TransportError) Unwrap() error { return e.Err }

// Is matches the error's Kind and its ancestors.
func (e *TransportError) Is(target error) bool { return e.Kind.Is(target) }
