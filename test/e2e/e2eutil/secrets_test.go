package e2eutil

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/keystone-go/keystone/pkg/auth"
)

// failures is a testing.TB that keeps what Errorf reports.
type failures struct {
	testing.TB
	errs []string
}

func (f *failures) Helper()             {}
func (f *failures) Logf(string, ...any) {}
func (f *failures) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func TestWireFindsSecretsInTheLog(t *testing.T) {
	w := &wire{secrets: map[string]string{}}
	w.logger, w.log = DebugLogger()

	w.noteHeaders(http.Header{"X-Auth-Token": {"gAAAAAtoken-123456"}, "Authorization": {"Basic dXNlcjpwYXNzd29yZA=="}}, "GET /v3")
	w.noteBody("application/json; charset=utf-8", []byte(`{"auth":{"identity":{"password":{"user":{"password":"hunter2-hunter2"}}}},
		"credential":{"blob":"{\"access\":\"a1\",\"secret\":\"ec2-secret-abcdef\"}"},"short":{"password":"abc"}}`), "POST /v3/auth/tokens")
	w.noteBody("application/x-www-form-urlencoded", []byte("oauth_token=key&oauth_token_secret=form-secret-0123"), "POST /v3/OS-OAUTH1/access_token")
	for _, want := range []string{"gAAAAAtoken-123456", "dXNlcjpwYXNzd29yZA==", "hunter2-hunter2", "ec2-secret-abcdef", "form-secret-0123"} {
		assert.Contains(t, w.secrets, want)
	}
	assert.NotContains(t, w.secrets, "abc", "too short to look for")
	assert.NotContains(t, w.secrets, "key", "an OAuth token's key is no secret")

	// A clean log passes; one that shows a secret (also JSON-escaped) fails.
	w.logger.Debug("http request", "headers.X-Auth-Token", "{SHA256}0123abcd")
	var clean failures
	w.check(&clean)
	assert.Empty(t, clean.errs)

	w.logger.Debug("http request", "body", `{"secret":"ec2-secret-abcdef"}`)
	var leaked failures
	w.check(&leaked)
	assert.Len(t, leaked.errs, 1)
	assert.True(t, strings.Contains(leaked.errs[0], "blob"), leaked.errs)
	assert.NotContains(t, leaked.errs[0], "ec2-secret-abcdef", "the report does not repeat the secret")
}

// What a session reports of an exchange (its URL, its error) is scanned
// with the log: a token in a reported URL fails the test.
func TestWireScansReportedExchanges(t *testing.T) {
	w := &wire{secrets: map[string]string{}}
	w.logger, w.log = DebugLogger()
	w.noteHeaders(http.Header{"X-Subject-Token": {"gAAAAAsubject-123456"}}, "GET /v2.0/tokens")

	w.exchange(auth.ResponseInfo{Method: "GET", URL: "http://k/v2.0/tokens/{SHA256}0123abcd", StatusCode: 404})
	var clean failures
	w.check(&clean)
	assert.Empty(t, clean.errs)

	w.exchange(auth.ResponseInfo{Method: "GET", URL: "http://k/v2.0/tokens/gAAAAAsubject-123456", StatusCode: 404})
	var leakedURL failures
	w.check(&leakedURL)
	assert.Len(t, leakedURL.errs, 1)

	w = &wire{secrets: map[string]string{"gAAAAAsubject-123456": "header"}}
	w.logger, w.log = DebugLogger()
	w.exchange(auth.ResponseInfo{Method: "GET", URL: "http://k/v3", Err: errors.New("refused: gAAAAAsubject-123456")})
	var leakedErr failures
	w.check(&leakedErr)
	assert.Len(t, leakedErr.errs, 1)
}
