// Package secrettest checks that values holding secrets never show them,
// whichever way they are printed, logged or encoded: the rule every plugin
// type of package auth and package federation follows.
package secrettest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Printed is v as every formatting path shows it: fmt's verbs, slog's
// text and JSON handlers, and encoding/json.
func Printed(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		fmt.Fprintf(&b, verb+"\n", v)
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", slog.Any("v", v))
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", slog.Any("v", v), "inline", v)
	b.Write(logs.Bytes())
	data, err := json.Marshal(v)
	require.NoError(t, err, "%T encodes", v)
	b.Write(data)
	return b.String()
}

// RawStrings gathers every string reachable from v, exported or not, to
// show that a value does hold the secrets a test looks for.
func RawStrings(v reflect.Value, seen map[uintptr]bool) string {
	switch v.Kind() {
	case reflect.String:
		return v.String() + "\n"
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		if v.Kind() == reflect.Pointer {
			if seen[v.Pointer()] {
				return ""
			}
			seen[v.Pointer()] = true
		}
		return RawStrings(v.Elem(), seen)
	case reflect.Struct:
		var b strings.Builder
		for i := range v.NumField() {
			b.WriteString(RawStrings(v.Field(i), seen))
		}
		return b.String()
	case reflect.Slice, reflect.Array:
		var b strings.Builder
		for i := range v.Len() {
			b.WriteString(RawStrings(v.Index(i), seen))
		}
		return b.String()
	case reflect.Map:
		var b strings.Builder
		for it := v.MapRange(); it.Next(); {
			b.WriteString(RawStrings(it.Key(), seen) + RawStrings(it.Value(), seen))
		}
		return b.String()
	}
	return ""
}

// AssertNoSecret fails t when v shows any of secrets, after checking that v
// does hold each of them (so that the check means something).
func AssertNoSecret(t *testing.T, name string, v any, secrets ...string) {
	t.Helper()
	held := RawStrings(reflect.ValueOf(v), map[uintptr]bool{})
	out := Printed(t, v)
	for _, s := range secrets {
		require.Contains(t, held, s, "%s: the value holds the secret, so the check means something", name)
		assert.NotContains(t, out, s, "%s shows a secret", name)
		assert.NotContains(t, strings.ToLower(out), hex.EncodeToString([]byte(s)), "%s shows a secret in hex", name)
	}
}

// Witness is a server that must never be reached with a credential: it
// records every request it gets, headers and body.
type Witness struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

// NewWitness starts a Witness (over TLS when tls), closed with the test.
func NewWitness(t *testing.T, tls bool) *Witness {
	w := &Witness{}
	h := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL)
		_ = r.Header.Write(&b)
		b.Write(body)
		w.mu.Lock()
		w.seen = append(w.seen, b.String())
		w.mu.Unlock()
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(rw, `{"error":{"code":401,"title":"Unauthorized","message":"who are you?"}}`)
	})
	if tls {
		w.Server = httptest.NewTLSServer(h)
	} else {
		w.Server = httptest.NewServer(h)
	}
	t.Cleanup(w.Close)
	return w
}

// All is everything the Witness received.
func (w *Witness) All() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.seen, "\n")
}

// Count is the number of requests the Witness received.
func (w *Witness) Count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.seen)
}

// Redirector answers every request with a redirect of the given status to
// target + the request's path.
func Redirector(t *testing.T, status int, target string, tls bool) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", target+r.URL.Path)
		w.WriteHeader(status)
	})
	var s *httptest.Server
	if tls {
		s = httptest.NewTLSServer(h)
	} else {
		s = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

// Markers gives each of a plugin's secret options (secretDests) a value of
// its own on top of base, keeping those the plugin still builds with
// (builds reports it: a plugin may take one credential of several), and
// returns the options and the values to look for.
func Markers(plugin string, base map[string]string, secretDests []string, builds func(opts map[string]string) bool) (map[string]string, []string) {
	opts := maps.Clone(base)
	var secrets []string
	for _, dest := range secretDests {
		marker := "S3CRET-" + strings.ReplaceAll(dest, "_", "-") + "-" + plugin
		value := marker
		if dest == "federated_headers" {
			value = "X-Ks-Fed-User: " + marker
		}
		try := maps.Clone(opts)
		try[dest] = value
		if !builds(try) {
			continue
		}
		opts, secrets = try, append(secrets, marker)
	}
	return opts, secrets
}
