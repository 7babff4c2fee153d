package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/internal/secrettest"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// A token request answered with a redirect to another host is not sent
// there again: the password, application credential secret, TOTP passcode
// or token would be in its body. The redirect comes back as a
// *apierror.CrossOriginError naming both URLs.
func TestTokenRequestRedirectToAnotherOriginKeepsTheCredential(t *testing.T) {
	const secret = "s3cret-credential-0123456789"
	plugins := map[string]func(authURL string) auth.Plugin{
		"password": func(u string) auth.Plugin {
			return &auth.Password{AuthURL: u, UserID: "u1", Password: secret}
		},
		"application credential": func(u string) auth.Plugin {
			return &auth.ApplicationCredential{AuthURL: u, ID: "ac1", Secret: secret}
		},
		"totp":  func(u string) auth.Plugin { return &auth.TOTP{AuthURL: u, UserID: "u1", Passcode: secret} },
		"token": func(u string) auth.Plugin { return &auth.Token{AuthURL: u, Token: secret} },
	}
	for name, plugin := range plugins {
		for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
			t.Run(fmt.Sprintf("%s/%d", name, status), func(t *testing.T) {
				other := secrettest.NewWitness(t, false)
				keystone := secrettest.Redirector(t, status, other.URL, false)
				s := auth.New(plugin(keystone.URL + "/v3"))
				_, err := s.Token(timeoutCtx(t))
				require.Error(t, err)
				assert.NotContains(t, other.All(), secret, "the credential reached another origin")
				assert.Zero(t, other.Count(), "a request with a body is not sent to another origin")

				var coe *apierror.CrossOriginError
				require.True(t, errors.As(err, &coe), "%v", err)
				assert.True(t, errors.Is(err, apierror.ErrCrossOrigin))
				assert.True(t, errors.Is(err, apierror.ErrHTTPRedirection))
				assert.Equal(t, status, coe.StatusCode)
				assert.Equal(t, http.MethodPost, coe.Method)
				assert.Equal(t, keystone.URL+"/v3/auth/tokens", coe.URL)
				assert.Equal(t, other.URL+"/v3/auth/tokens", coe.Target)
				assert.Contains(t, err.Error(), keystone.URL+"/v3/auth/tokens")
				assert.Contains(t, err.Error(), other.URL+"/v3/auth/tokens")
				assert.NotContains(t, err.Error(), secret)
			})
		}
	}
}

// Nothing follows a redirect from https to plain http, not even a request
// without a body: the token header would be stripped, but the answer would
// come from a server nobody authenticated.
func TestRedirectFromHTTPSToHTTPIsRefused(t *testing.T) {
	plain := secrettest.NewWitness(t, false)
	for _, status := range []int{301, 302, 303, 307, 308} {
		keystone := secrettest.Redirector(t, status, plain.URL, true)
		s := auth.New(&auth.TokenEndpoint{Endpoint: keystone.URL + "/v3", Token: "admin-token-0123456789"},
			auth.WithHTTPClient(keystone.Client()))
		req, err := http.NewRequestWithContext(timeoutCtx(t), http.MethodGet, keystone.URL+"/v3/projects", nil)
		require.NoError(t, err)
		_, err = s.Do(req)
		var coe *apierror.CrossOriginError
		require.True(t, errors.As(err, &coe), "%d: %v", status, err)
		assert.Contains(t, coe.Reason, "plain http")
		assert.Equal(t, plain.URL+"/v3/projects", coe.Target)
	}
	assert.Zero(t, plain.Count(), "nothing goes from https to http")
}

// An EC2 v4 signature check (POST /v3/ec2tokens) carries the signed
// request's Authorization header in a "headers" map; that copy of the
// signature is masked like the "signature" member.
func TestEC2AuthorizationHeaderInBodyIsMasked(t *testing.T) {
	const signature = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"code":401,"title":"Unauthorized","message":"Invalid EC2 signature."}}`)
	}))
	t.Cleanup(srv.Close)
	body, err := json.Marshal(map[string]any{"credentials": map[string]any{
		"access": "AKIDEXAMPLE", "host": "ec2.example", "verb": "GET", "path": "/", "signature": signature,
		"params": map[string]string{"Action": "DescribeInstances", "X-Amz-Signature": signature},
		"headers": map[string]string{
			"Host":          "ec2.example",
			"X-Amz-Date":    "20150830T123600Z",
			"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + signature,
		},
	}})
	require.NoError(t, err)
	logger, log := debugLogger()
	s := auth.New(nil, auth.WithLogger(logger))
	req, err := http.NewRequestWithContext(timeoutCtx(t), http.MethodPost, srv.URL+"/v3/ec2tokens", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	_, err = s.DoWithoutToken(req)
	require.ErrorIs(t, err, apierror.ErrUnauthorized)
	out := log.String()
	require.Contains(t, out, "AKIDEXAMPLE", "the request body is logged")
	assert.NotContains(t, out, signature)
	assert.Contains(t, out, `AWS4-HMAC-SHA256 ***`)
}

// Keystone v2.0 validates a token named in the path; the token never shows
// in the error, its text, the ResponseInfo or the log, whichever of
// GET, HEAD or DELETE, with or without /endpoints. Keystone's 404 message
// names the token too, and is scrubbed.
func TestTokenInPathIsNeverShown(t *testing.T) {
	const subject = "gAAAAABsubject-token-in-the-path-0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		if r.Method != http.MethodHead {
			fmt.Fprintf(w, `{"error":{"code":404,"title":"Not Found","message":"Could not find token: %s."}}`, subject)
		}
	}))
	t.Cleanup(srv.Close)
	logger, log := debugLogger()
	var infos []auth.ResponseInfo
	s := auth.New(&auth.TokenEndpoint{Endpoint: srv.URL + "/v2.0", Token: "admin-token-0123456789"}, auth.WithLogger(logger),
		auth.WithResponseHook(func(ri auth.ResponseInfo) { infos = append(infos, ri) }))
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodDelete} {
		for _, path := range []string{"/v2.0/tokens/" + subject, "/v2.0/tokens/" + subject + "/endpoints"} {
			if method == http.MethodDelete && strings.HasSuffix(path, "/endpoints") {
				continue
			}
			req, err := http.NewRequestWithContext(timeoutCtx(t), method, srv.URL+path+"?belongsTo=t1", nil)
			require.NoError(t, err)
			_, err = s.Do(req)
			var apiErr *apierror.Error
			require.True(t, errors.As(err, &apiErr), "%v", err)
			assert.NotContains(t, apiErr.URL, subject)
			assert.NotContains(t, err.Error(), subject)
			assert.Contains(t, apiErr.URL, "/v2.0/tokens/{SHA256}")
			assert.Contains(t, apiErr.URL, "belongsTo=t1")
		}
	}
	require.Len(t, infos, 5)
	for _, ri := range infos {
		assert.NotContains(t, ri.URL, subject)
	}
	assert.NotContains(t, log.String(), subject)
	assert.Contains(t, log.String(), "/v2.0/tokens/{SHA256}")
}

// Same-origin redirects behave as before: a token request that moves on
// its own Keystone is sent again, body and all.
func TestSameOriginRedirectKeepsTheRequest(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v3/auth/tokens-here", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("POST /v3/auth/tokens-here", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Subject-Token", "tok-same-origin")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		assert.Contains(t, string(body), `"password":"pw"`, "the body is sent again on the same origin")
		fmt.Fprint(w, `{"token":{"methods":["password"],"expires_at":"2999-01-01T00:00:00.000000Z","user":{"id":"u1","name":"alice","domain":{"id":"default","name":"Default"}}}}`)
	})
	moved := httptest.NewServer(mux)
	t.Cleanup(moved.Close)
	tok, err := auth.New(&auth.Password{AuthURL: moved.URL + "/v3", UserID: "u1", Password: "pw"}).Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "tok-same-origin", tok)
}

// Keystone's validation errors quote the request they refuse ("On
// instance: {'password': ...}"), and a conflict over an EC2 credential
// quotes its blob: neither the error nor the log shows the secrets of the
// request.
func TestErrorNeverQuotesTheRequestSecrets(t *testing.T) {
	const password = "user-password-0123456789"
	const ec2Secret = "ec2-secret-0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]map[string]any
		_ = json.NewDecoder(r.Body).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		quoted := fmt.Sprintf("%v", req)
		msg, _ := json.Marshal("'name' is a required property\n\nOn instance:\n    " + quoted)
		fmt.Fprintf(w, `{"error":{"code":400,"title":"Bad Request","message":%s}}`, msg)
	}))
	t.Cleanup(srv.Close)
	logger, log := debugLogger()
	s := auth.New(&auth.TokenEndpoint{Endpoint: srv.URL + "/v3", Token: "admin-token-0123456789"}, auth.WithLogger(logger))
	for path, body := range map[string]string{
		"/v3/users":       `{"user":{"password":"` + password + `","enabled":true}}`,
		"/v3/credentials": `{"credential":{"type":"ec2","blob":"{\"access\":\"a1\",\"secret\":\"` + ec2Secret + `\"}"}}`,
	} {
		req, err := http.NewRequestWithContext(timeoutCtx(t), http.MethodPost, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		_, err = s.Do(req)
		var apiErr *apierror.Error
		require.True(t, errors.As(err, &apiErr), "%v", err)
		assert.Contains(t, apiErr.Message, "On instance")
		assert.NotContains(t, err.Error(), password)
		assert.NotContains(t, err.Error(), ec2Secret)
	}
	assert.NotContains(t, log.String(), password)
	assert.NotContains(t, log.String(), ec2Secret)
}

func timeoutCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// debugLogger logs at debug level into the returned buffer.
func debugLogger() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}
