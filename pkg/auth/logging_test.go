package auth

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockedBuffer is a log sink safe for the goroutines of a test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func debugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestBodyForLog(t *testing.T) {
	assert.Equal(t, "oauth_token=%2A%2A%2A&oauth_token_secret=%2A%2A%2A&x=1",
		bodyForLog("application/x-www-form-urlencoded", []byte("oauth_token=abc&oauth_token_secret=def&x=1"), false, 100, nil))
	assert.Equal(t, "oauth_token=%2A%2A%2A&oauth_token_secret=%2A%2A%2A",
		bodyForLog("text/plain", []byte("oauth_token=abc&oauth_token_secret=def"), false, 100, nil),
		"Keystone labels OAuth 1 answers text/plain")
	assert.Equal(t, "<not logged: 11 bytes of malformed JSON>", bodyForLog("application/json", []byte(`{"password"`), false, 100, nil))
	assert.Equal(t, "<not logged: larger than 100 bytes>", bodyForLog("application/json", nil, true, 100, nil))
	assert.Contains(t, bodyForLog("application/octet-stream", []byte("x"), false, 100, nil), "not logged")
	assert.Contains(t, bodyForLog("text/plain", []byte("-----BEGIN PRIVATE KEY-----"), false, 100, nil), "private key")
	assert.Equal(t, "Could not find token: "+hashSecret("tok-secret-1"),
		bodyForLog("text/plain", []byte("Could not find token: tok-secret-1"), false, 100, []string{"tok-secret-1"}))
}

func TestRedactHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("X-Auth-Token", "gAAAAAB-token")
	h.Set("X-Subject-Token", "subject-token")
	h.Set("X-Service-Token", "service-token")
	h.Set("Openstack-Auth-Receipt", "receipt-value")
	h.Set("Authorization", "Basic dXNlcjpwYXNzd29yZA==")
	h.Set("Proxy-Authorization", "Bearer bearer-token")
	h.Set("OpenStack-MFA-Passcode", "492039")
	h.Set("X-Amz-Security-Token", "aws-session-token")
	h.Set("Accept", "application/json")
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).LogAttrs(context.Background(), slog.LevelInfo, "x", headerAttrs(h, headerRules{}))
	out := buf.String()
	for _, secret := range []string{"gAAAAAB-token", "subject-token", "service-token", "receipt-value", "dXNlcjpwYXNzd29yZA==", "bearer-token", "492039", "aws-session-token"} {
		assert.NotContains(t, out, secret)
	}
	assert.Contains(t, out, "headers.X-Auth-Token="+hashSecret("gAAAAAB-token"))
	assert.Contains(t, out, `"Basic ***"`)
	assert.Contains(t, out, "headers.Openstack-Mfa-Passcode=***")
	assert.Contains(t, out, "headers.X-Amz-Security-Token="+hashSecret("aws-session-token"))
	assert.Contains(t, out, `"Bearer `+hashSecret("bearer-token")+`"`)
	assert.Contains(t, out, "headers.Accept=application/json")
	assert.Regexp(t, `^\{SHA256\}[0-9a-f]{16}$`, hashSecret("x"))
}

// TestDebugLogOfAnExchange runs a password authentication and a call with
// a debug logger and checks what the log says, and what it never says.
func TestDebugLogOfAnExchange(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	f.mux.HandleFunc("POST /v3/users", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Openstack-Request-Id", "req-user")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"user":{"id":"u2","name":"bob"}}`)
	})
	var log lockedBuffer
	s := faultSession(t, f, WithLogger(debugLogger(&log)))
	resp, err := do(t, s, testCtx(t, 10*time.Second), http.MethodPost, f.URL+"/v3/users?password=in-query",
		`{"user":{"name":"bob","password":"bobs-password"}}`)
	require.NoError(t, err)
	body, err := readAll(t, resp)
	require.NoError(t, err)
	assert.Equal(t, `{"user":{"id":"u2","name":"bob"}}`, body, "peeking for the log left the body whole")

	out := log.String()
	for _, secret := range []string{"correct horse", "bobs-password", "in-query", `"tok-1"`, "=tok-1"} {
		assert.NotContains(t, out, secret)
	}
	for _, want := range []string{`"msg":"http request"`, `"msg":"http response"`, `"method":"POST"`,
		`"X-Subject-Token":"` + hashSecret("tok-1"), `"X-Auth-Token":"` + hashSecret("tok-1"),
		`"request_id":"req-user"`, `"status":201`, `"catalog\":\"<removed>\"`, `\"name\":\"bob\"`, `"took":`} {
		assert.Contains(t, out, want)
	}
}

func TestInsecureTLSIsLoggedAtWarn(t *testing.T) {
	var log lockedBuffer
	New(nil, WithLogger(slog.New(slog.NewJSONHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn}))),
		WithTLS(TLSOptions{Insecure: true}))
	assert.Contains(t, log.String(), `"level":"WARN"`)
	assert.Contains(t, log.String(), "TLS certificate verification is DISABLED")
	assert.Equal(t, 1, strings.Count(log.String(), "\n"))
}
