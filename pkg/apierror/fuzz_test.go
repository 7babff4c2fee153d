package apierror

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzFromResponse feeds any body with any status to FromResponse: it must
// not panic, must keep the status, and must bound the message it keeps.
func FuzzFromResponse(f *testing.F) {
	f.Add(404, []byte(`{"error":{"code":404,"title":"Not Found","message":"Could not find project: p1."}}`))
	f.Add(401, []byte(`{"receipt":{"methods":["password"]},"required_auth_methods":[["totp","password"]]}`))
	f.Add(401, []byte(`{"error":{"code":401,"identity":{"methods":["password","totp"]}}}`))
	f.Add(502, []byte("<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"))
	f.Add(503, []byte(`{"message":"overloaded"}`))
	f.Add(500, []byte(`{"error":`))
	f.Add(418, []byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		h := http.Header{"X-Openstack-Request-Id": {"req-1"}, "Retry-After": {"3"}}
		e := FromResponse(&http.Response{StatusCode: status, Header: h}, "GET", "http://k/v3", body)
		if e.StatusCode != status || e.RequestID != "req-1" {
			t.Fatalf("status %d / request id %q lost", e.StatusCode, e.RequestID)
		}
		if !errors.Is(e, ErrHTTP) {
			t.Fatalf("%d is not an ErrHTTP", status)
		}
		if e.Title == "" && e.Identity == nil && !strings.HasPrefix(strings.TrimSpace(string(body)), "{") &&
			len(e.Message) > maxMessage+len("…") {
			t.Fatalf("message of %d bytes kept", len(e.Message))
		}
		_ = e.Error()
		if e.Identity == nil && !utf8.ValidString(e.Message) && utf8.Valid(body) {
			t.Fatalf("valid UTF-8 body gave an invalid message %q", e.Message)
		}
	})
}

// FuzzParseRetryAfter: any header value gives a duration between 0 and 24 h,
// or false.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "1.5", "Wed, 21 Oct 2015 07:28:00 GMT",
		"Wednesday, 21-Oct-15 07:28:00 GMT", "Wed Oct 21 07:28:00 2015", "-5", "1e9", ""} {
		f.Add(s)
	}
	now := time.Date(2015, 10, 21, 7, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, now)
		if d < 0 || d > maxRetryAfter {
			t.Fatalf("%q gave %v", v, d)
		}
		if !ok && d != 0 {
			t.Fatalf("%q: not ok but %v", v, d)
		}
	})
}
