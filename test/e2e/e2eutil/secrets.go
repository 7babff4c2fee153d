package e2eutil

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/keystone-go/keystone/pkg/auth"
)

// Every session a test makes with Session logs each request and answer at
// debug level into the test's own buffer, together with the error strings
// it logs and the URL and error of every exchange it reports
// (ResponseInfo), and its transport notes every secret that crossed the
// wire: token headers, and the passwords, secrets, passcodes and
// credential blobs of JSON and form bodies, in either direction. When the
// test ends, none of them may appear in its log. So the whole suite, not
// one test, proves that debug logging, errors and ResponseInfo show no
// secret.
//
// Secrets shorter than minSecretLen are not looked for: the bootstrap
// admin's "secret" is also a word the log uses as a key. A secret the JSON
// log would escape (one with <, > or &) is looked for escaped as well.
const minSecretLen = 10

// secretHeaders carry credentials whole (Authorization after its scheme).
var secretHeaders = []string{"X-Auth-Token", "X-Subject-Token", "X-Service-Token", "Authorization"}

// secretKeys are the body members whose values are secrets.
var secretKeys = map[string]bool{
	"password": true, "original_password": true, "secret": true, "passcode": true, "blob": true,
	"client_secret": true, "oauth_token_secret": true, "access_token": true, "refresh_token": true,
	"id_token": true,
}

// wire is one test's log and the secrets its requests and answers carried.
type wire struct {
	log    *LogBuffer
	logger *slog.Logger

	mu      sync.Mutex
	secrets map[string]string // secret → where it was seen
}

var wires sync.Map // testing.TB → *wire

// wireOf returns t's wire, creating it (and the check at the end of t) on
// first use.
func wireOf(t testing.TB) *wire {
	if w, ok := wires.Load(t); ok {
		return w.(*wire)
	}
	logger, log := DebugLogger()
	w, loaded := wires.LoadOrStore(t, &wire{log: log, logger: logger, secrets: map[string]string{}})
	if loaded {
		return w.(*wire)
	}
	t.Cleanup(func() {
		wires.Delete(t)
		w.(*wire).check(t)
	})
	return w.(*wire)
}

// check fails t for every secret found in its log.
func (w *wire) check(t testing.TB) {
	t.Helper()
	log := w.log.String()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.secrets) > 0 {
		t.Logf("debug log (%d bytes) checked for the %d secrets the test sent and received", len(log), len(w.secrets))
	}
	for secret, where := range w.secrets {
		escaped, _ := json.Marshal(secret)
		if strings.Contains(log, secret) || strings.Contains(log, strings.Trim(string(escaped), `"`)) {
			t.Errorf("the debug log shows a secret (%s, %d characters, starting %q)", where, len(secret), secret[:4])
		}
	}
}

// exchange records what a session reports of one exchange, so that the
// check at the end of the test scans it with the log.
func (w *wire) exchange(info auth.ResponseInfo) {
	attrs := []any{"method", info.Method, "url", info.URL, "status", info.StatusCode}
	if info.Err != nil {
		attrs = append(attrs, "error", info.Err.Error())
	}
	w.logger.Debug("exchange", attrs...)
}

func (w *wire) note(secret, where string) {
	if len(secret) < minSecretLen {
		return
	}
	w.mu.Lock()
	w.secrets[secret] = where
	w.mu.Unlock()
}

// noteHeaders notes the credential headers of h.
func (w *wire) noteHeaders(h http.Header, where string) {
	for _, name := range secretHeaders {
		for _, v := range h.Values(name) {
			if name == "Authorization" {
				_, v, _ = strings.Cut(v, " ") // after the scheme
			}
			w.note(v, where+" header "+name)
		}
	}
}

// noteBody notes the secrets of a JSON or form body.
func (w *wire) noteBody(contentType string, body []byte, where string) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		var v any
		if json.Unmarshal(body, &v) == nil {
			w.noteJSON(v, where)
		}
	case mt == "application/x-www-form-urlencoded":
		if q, err := url.ParseQuery(string(body)); err == nil {
			for k, vs := range q {
				if secretKeys[k] {
					for _, v := range vs {
						w.note(v, where+" form "+k)
					}
				}
			}
		}
	}
}

func (w *wire) noteJSON(v any, where string) {
	switch v := v.(type) {
	case map[string]any:
		for k, member := range v {
			if s, ok := member.(string); ok && secretKeys[k] {
				w.note(s, where+" member "+k)
				if k == "blob" {
					// An EC2 or TOTP credential's blob is JSON with the
					// secret inside.
					var inner any
					if json.Unmarshal([]byte(s), &inner) == nil {
						w.noteJSON(inner, where+" blob")
					}
				}
				continue
			}
			w.noteJSON(member, where)
		}
	case []any:
		for _, member := range v {
			w.noteJSON(member, where)
		}
	}
}

// recorder is the transport under the validating one: it notes the
// secrets of every request and answer on the test's wire.
type recorder struct {
	next http.RoundTripper
	wire *wire
}

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	where := req.Method + " " + req.URL.Path
	r.wire.noteHeaders(req.Header, where+" request")
	if req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			data, _ := io.ReadAll(body)
			_ = body.Close()
			r.wire.noteBody(req.Header.Get("Content-Type"), data, where+" request")
		}
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	r.wire.noteHeaders(resp.Header, where+" answer")
	data, readErr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	r.wire.noteBody(resp.Header.Get("Content-Type"), data, where+" answer")
	var rest io.Reader = bytes.NewReader(data)
	if readErr != nil {
		rest = io.MultiReader(rest, errReader{readErr})
	}
	resp.Body = io.NopCloser(rest)
	return resp, nil
}

// errReader returns err once what came before it is read: a body that
// broke off reaches the caller as it did.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
