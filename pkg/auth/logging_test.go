package auth

import (
	"bytes"
	"context"
	"encoding/json"
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

func TestRedactJSON(t *testing.T) {
	cases := []struct {
		name, in      string
		gone, present []string
	}{
		{"password auth",
			`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","domain":{"id":"default"},"password":"hunter2-pw"}}}}}`,
			[]string{"hunter2-pw"}, []string{`"name":"alice"`, `"password":"***"`}},
		{"token auth",
			`{"auth":{"identity":{"methods":["token"],"token":{"id":"gAAAAAtokenvalue"}}}}`,
			[]string{"gAAAAAtokenvalue"}, []string{`"id":"` + hashSecret("gAAAAAtokenvalue") + `"`}},
		{"totp",
			`{"auth":{"identity":{"methods":["totp"],"totp":{"user":{"id":"u","passcode":"123456"}}}}}`,
			[]string{"123456"}, []string{`"passcode":"***"`}},
		{"application credential",
			`{"application_credential":{"id":"ac","secret":"s3cr3t-value","name":"n"}}`,
			[]string{"s3cr3t-value"}, []string{`"secret":"***"`, `"name":"n"`}},
		{"credential blob",
			`{"credential":{"type":"totp","blob":"GEZDGNBVGY3TQOJQ","user_id":"u"}}`,
			[]string{"GEZDGNBVGY3TQOJQ"}, []string{`"blob":"***"`}},
		{"ec2 credential",
			`{"credential":{"access":"AK","secret":"ec2-secret"},"signature":"sig-value"}`,
			[]string{"ec2-secret", "sig-value"}, []string{`"access":"AK"`}},
		{"change password",
			`{"user":{"password":"new-pw-1","original_password":"old-pw-1"}}`,
			[]string{"new-pw-1", "old-pw-1"}, nil},
		{"oauth",
			`{"consumer":{"id":"c","secret":"consumer-secret"},"access_token":"at-1","client_secret":"cs-1","oauth_verifier":"ver-1"}`,
			[]string{"consumer-secret", "at-1", "cs-1", "ver-1"}, []string{`"id":"c"`}},
		{"v3 token catalog",
			`{"token":{"methods":["password"],"catalog":[{"type":"identity","endpoints":[{"url":"http://secret-host"}]}],"user":{"id":"u"}}}`,
			[]string{"secret-host"}, []string{`"catalog":"<removed>"`, `"user":{"id":"u"}`}},
		{"v2 token",
			`{"access":{"token":{"id":"v2-token-id","expires":"x"},"serviceCatalog":[{"type":"compute"}],"user":{"id":"u"}}}`,
			[]string{"v2-token-id", "compute"}, []string{`"serviceCatalog":"<removed>"`}},
		{"token as a string, in a list",
			`[{"token":"plain-token-str"},{"password":null}]`,
			[]string{"plain-token-str"}, []string{`"password":null`}},
		{"error code kept",
			`{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}`,
			nil, []string{`"code":401`}},
		{"numbers kept exactly",
			`{"limit":12345678901234567890,"ratio":0.1}`,
			nil, []string{`12345678901234567890`, `0.1`}},
	}
	for _, c := range cases {
		out, ok := RedactJSON([]byte(c.in))
		require.True(t, ok, c.name)
		for _, g := range c.gone {
			assert.NotContains(t, string(out), g, c.name)
		}
		for _, p := range c.present {
			assert.Contains(t, string(out), p, c.name)
		}
		assert.True(t, json.Valid(out), c.name)
	}
	for _, bad := range []string{`{"password":"x"`, `{} {}`, ``, `nope`} {
		_, ok := RedactJSON([]byte(bad))
		assert.False(t, ok, bad)
	}
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
