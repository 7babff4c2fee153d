package apierror

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"time"
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
	// RetryAfter is how long the server asked the client to wait before
	// trying again (the Retry-After header, in seconds or as a date, on a
	// 429, 503 or 413), or 0.
	RetryAfter time.Duration
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
	if v := resp.Header.Get("Retry-After"); v != "" {
		e.RetryAfter, _ = ParseRetryAfter(v, time.Now())
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

// TransportError is a failure of the connection: no answer at all, or an
// answer whose body broke off.
type TransportError struct {
	Kind   *Kind
	Method string
	URL    string
	// StatusCode and RequestID are set when the failure came after the
	// answer's headers (a body that broke off), and empty otherwise.
	StatusCode int
	RequestID  string
	Err        error
}

func (e *TransportError) Error() string {
	s := fmt.Sprintf("%s %s: %s: %v", e.Method, e.URL, e.Kind.name, e.Err)
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// Unwrap gives the underlying error (a *net.OpError, context.DeadlineExceeded, ...).
func (e *TransportError) Unwrap() error { return e.Err }

// Is matches the error's Kind and its ancestors.
func (e *TransportError) Is(target error) bool { return e.Kind.Is(target) }

// InvalidResponseError is an answer in 2xx whose body is not what it says it
// is: malformed JSON, or JSON of the wrong shape.
type InvalidResponseError struct {
	StatusCode  int
	ContentType string
	RequestID   string
	Method      string
	URL         string
	Err         error
}

func (e *InvalidResponseError) Error() string {
	s := fmt.Sprintf("%s %s: %d answer with an invalid %s body: %v", e.Method, e.URL, e.StatusCode, e.ContentType, e.Err)
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// Unwrap gives the decoding error.
func (e *InvalidResponseError) Unwrap() error { return e.Err }

// Is matches ErrInvalidResponse and its ancestors.
func (e *InvalidResponseError) Is(target error) bool { return ErrInvalidResponse.Is(target) }

// maxRetryAfter bounds what ParseRetryAfter returns, so that an absurd
// header cannot overflow a time.Duration.
const maxRetryAfter = 24 * time.Hour

// ParseRetryAfter reads a Retry-After header: a number of seconds ("120")
// or an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT", or the obsolete RFC 850
// and asctime forms), relative to now. A date in the past means no wait. It
// reports false for a value it cannot read. The result is at most 24 hours.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		// delta-seconds is an integer; some servers send a fraction.
		secs, frac, _ := strings.Cut(v, ".")
		var d time.Duration
		for _, c := range secs {
			if c < '0' || c > '9' {
				return 0, false
			}
			d = d*10 + time.Duration(c-'0')*time.Second
			if d > maxRetryAfter {
				d = maxRetryAfter
				break
			}
		}
		scale := 100 * time.Millisecond
		for _, c := range frac {
			if c < '0' || c > '9' {
				return 0, false
			}
			d += time.Duration(c-'0') * scale
			scale /= 10
		}
		return min(d, maxRetryAfter), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return min(d, maxRetryAfter), true
}

// CrossOriginError is a redirect or a links.next that was not followed
// because following it would send a credential (a token header, the
// password or secret in a request body) to another origin, or anything at
// all from https to plain http. URL and Target are shown with their secrets
// masked. It matches ErrCrossOrigin, and for a redirect also the kind of its
// 3xx status (ErrHTTPRedirection).
type CrossOriginError struct {
	// Method is the method of the request that was redirected, or that
	// would have fetched the next page.
	Method string
	// URL is where the request went; Target is where the redirect or the
	// link pointed.
	URL    string
	Target string
	// StatusCode is the redirect's status (301, 302, 303, 307, 308), or 0
	// for a link in a list answer.
	StatusCode int
	RequestID  string
	// Reason says what would have crossed ("the request body",
	// "a plain-http URL after https").
	Reason string
}

func (e *CrossOriginError) Error() string {
	var b strings.Builder
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "%s %s: %d redirect to %s not followed: %s", e.Method, e.URL, e.StatusCode, e.Target, e.Reason)
	} else {
		fmt.Fprintf(&b, "%s %s: link to %s not followed: %s", e.Method, e.URL, e.Target, e.Reason)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// Is matches ErrCrossOrigin and, for a redirect, the kind of its status.
func (e *CrossOriginError) Is(target error) bool {
	if ErrCrossOrigin.Is(target) {
		return true
	}
	return e.StatusCode != 0 && KindOfStatus(e.StatusCode).Is(target)
}

// TokenRefreshError is a token the session could not renew at a moment when
// the caller had to wait for the new one: the old token was about to expire
// (within the mandatory refresh margin), had expired, or Keystone refused
// it (401). Err is the cause (a *TransportError when Keystone could not be
// reached, an *Error when it answered, the caller's context error when the
// caller gave up waiting), so errors.Is and errors.As see through it; the
// error itself matches ErrTokenRefresh and ErrAuthorization.
type TokenRefreshError struct {
	// ExpiresAt is when the token being replaced expires (zero when it
	// has no expiry).
	ExpiresAt time.Time
	// Reason says why the caller could not go on with the old token:
	// "the token expires within the mandatory refresh margin", "the token
	// has expired" or "Keystone refused the token".
	Reason string
	Err    error
}

func (e *TokenRefreshError) Error() string {
	var b strings.Builder
	b.WriteString("token refresh failed: ")
	b.WriteString(e.Reason)
	if !e.ExpiresAt.IsZero() {
		fmt.Fprintf(&b, " (expires at %s)", e.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap is the cause.
func (e *TokenRefreshError) Unwrap() error { return e.Err }

// Is matches ErrTokenRefresh and its ancestors.
func (e *TokenRefreshError) Is(target error) bool { return ErrTokenRefresh.Is(target) }
