package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/internal/jsonbody"
	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/catalog"
)

const sampleToken = `{"token":{"methods":["password"],"user":{"id":"u1","name":"alice","domain":{"id":"default","name":"Default"},"password_expires_at":null},
"audit_ids":["a1"],"expires_at":"2030-01-01T00:00:00.000000Z","issued_at":"2029-12-31T23:00:00.000000",
"project":{"id":"p1","name":"demo","domain":{"id":"default","name":"Default"}},"roles":[{"id":"r1","name":"member"}],
"catalog":[{"id":"s1","type":"identity","name":"keystone","endpoints":[{"id":"e1","interface":"public","region":"RegionOne","region_id":"RegionOne","url":"http://k/v3"}]}]}}`

// FuzzTokenBody decodes any token answer the way a token request does
// (jsonbody.Buffer, then the generated TokenEnvelope decode, then accessFromV3)
// and uses the result: nothing may panic, and every failure is typed.
func FuzzTokenBody(f *testing.F) {
	f.Add([]byte(sampleToken))
	f.Add([]byte(`{"token":{"methods":[],"expires_at":"2030-01-01T00:00:00","catalog":[{"endpoints":[{"url":""}]}]}}`))
	f.Add([]byte(`{"token":{"expires_at":null,"roles":null,"catalog":null,"system":{"all":true},"OS-TRUST:trust":{"id":"t"}}}`))
	f.Add([]byte(`{"token":`))
	f.Add([]byte(` 0 `)) // valid JSON but no object: refused as an invalid answer
	f.Add([]byte(`"token"`))
	f.Fuzz(func(t *testing.T, body []byte) {
		resp := &http.Response{StatusCode: http.StatusCreated, ContentLength: int64(len(body)),
			Header: http.Header{"Content-Type": {"application/json"}, "X-Subject-Token": {"tok"}},
			Body:   io.NopCloser(bytes.NewReader(body)), Request: &http.Request{Method: http.MethodPost}}
		if err := jsonbody.Buffer(resp); err != nil {
			if !errors.Is(err, apierror.ErrInvalidResponse) {
				t.Fatalf("untyped error %v", err)
			}
			if trimmed := bytes.Trim(body, " \t\r\n"); json.Valid(trimmed) && (trimmed[0] == '{' || trimmed[0] == '[') {
				t.Fatalf("a valid JSON object or array refused: %v", err)
			}
			return
		}
		parsed, err := identityv3.ParseIssueTokenResponse(resp)
		if err != nil {
			return // valid JSON of the wrong shape: the generated decoder says so
		}
		a, err := accessFromV3(parsed.HTTPResponse, parsed.JSON201, "http://k/v3")
		if err != nil {
			if !errors.Is(err, apierror.ErrInvalidResponse) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		_ = a.WillExpireSoon(0)
		_, _, _, _, _ = a.UserID(), a.Username(), a.ProjectID(), a.ProjectName(), a.DomainID()
		_, _, _ = a.SystemScoped(), a.TrustID(), a.Scoped()
		_, _, _ = a.RoleNames(), a.Methods(), a.AuditIDs()
		for _, s := range a.Catalog.Services() {
			if _, err := a.Catalog.Lookup(catalog.Filter{ServiceType: s.Type, Interfaces: []string{"public", "internal", "admin"}}); err != nil &&
				!errors.Is(err, apierror.ErrEndpointNotFound) {
				t.Fatalf("untyped lookup error %v", err)
			}
		}
		if red, ok := redact.JSONBody(body); ok && a.Catalog.Len() > 0 && bytes.Contains(red, []byte(`"endpoints"`)) &&
			!bytes.Contains(bytes.ReplaceAll(body, []byte(" "), nil), []byte(`"endpoints"`)) {
			t.Fatalf("the catalog survived redaction: %s", red)
		}
	})
}

// FuzzRedactBody: any body can be rendered for the log without a panic;
// JSON that redacts stays JSON; and a password planted in a token request
// around the fuzzed body never comes out.
func FuzzRedactBody(f *testing.F) {
	f.Add([]byte(sampleToken), "s3cret-passw0rd")
	f.Add([]byte(`{"credential":{"blob":"{\"access\":\"a\",\"secret\":\"b\"}"}}`), "hunter22")
	f.Add([]byte(`oauth_token=abc&oauth_token_secret=def`), "hunter22")
	f.Fuzz(func(t *testing.T, body []byte, secret string) {
		for _, ct := range []string{"application/json", "text/plain", "application/x-www-form-urlencoded", "text/html"} {
			_ = bodyForLog(ct, body, false, 1<<20, []string{"tok-abcdefgh"})
		}
		if red, ok := redact.JSONBody(body); ok && !json.Valid(red) {
			t.Fatalf("redacted JSON is not JSON: %s", red)
		}
		if len(secret) < 6 || !json.Valid(body) || bytes.Contains(body, []byte(secret)) {
			return
		}
		quoted, _ := json.Marshal(secret)
		doc := `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"n","password":` + string(quoted) +
			`}}}},"extra":` + string(body) + `}`
		out := bodyForLog("application/json", []byte(doc), false, 1<<20, nil)
		if strings.Contains(out, secret) || strings.Contains(out, strings.Trim(string(quoted), `"`)) {
			t.Fatalf("the password %q leaked: %s", secret, out)
		}
	})
}
