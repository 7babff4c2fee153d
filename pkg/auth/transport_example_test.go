package auth_test

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// withToken starts a Session with a token obtained earlier, so that the
// examples need no token request.
var withToken = auth.WithAccessInfo(&auth.AccessInfo{Token: "gAAAAABexampletoken"})

func get(s *auth.Session, ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return s.Do(req)
}

func ExampleWithRetries() {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0") // seconds, or an HTTP date
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, `{"projects":[]}`)
	}))
	defer srv.Close()

	// Retry connection failures twice and 429 or 503 answers three times,
	// with exponential back-off and jitter, waiting as Retry-After says.
	s := auth.New(nil, withToken, auth.WithRetries(2, 3, http.StatusTooManyRequests, http.StatusServiceUnavailable))
	resp, err := get(s, context.Background(), srv.URL+"/v3/projects")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	fmt.Println(resp.StatusCode, "after", calls.Load(), "attempts")
	// Output: 200 after 2 attempts
}

func ExampleWithRetryPolicy() {
	s := auth.New(nil, auth.WithRetryPolicy(auth.RetryPolicy{
		ConnectRetries: 3,
		StatusRetries:  5,
		Statuses:       []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout},
		BaseDelay:      200 * time.Millisecond,
		MaxDelay:       10 * time.Second,
		MaxRetryAfter:  30 * time.Second,
	}))
	fmt.Println(s.Err())
	// Output: <nil>
}

func ExampleWithGlobalRequestID() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("Keystone got", r.Header.Get("X-Openstack-Request-Id"))
		w.Header().Set("X-Openstack-Request-Id", "req-keystone-1")
	}))
	defer srv.Close()

	s := auth.New(nil, withToken, auth.WithGlobalRequestID("req-6b3c2e1a-8d1f-4c55-9a47-3e0b1f2d4c5e"))
	resp, err := get(s, context.Background(), srv.URL+"/v3/projects")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	// Each answer's own id, for Keystone's log:
	fmt.Println("answered by", auth.RequestID(resp))

	// One id for one user action, across the requests made for it:
	ctx := auth.ContextWithGlobalRequestID(context.Background(), "req-0e6d1ab4-5b8e-4f1a-b1f3-54d1c6a0e2f7")
	resp, err = get(s, ctx, srv.URL+"/v3/users")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	// Output:
	// Keystone got req-6b3c2e1a-8d1f-4c55-9a47-3e0b1f2d4c5e
	// answered by req-keystone-1
	// Keystone got req-0e6d1ab4-5b8e-4f1a-b1f3-54d1c6a0e2f7
}

func ExampleCollectRequestIDs() {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Openstack-Request-Id", fmt.Sprintf("req-%d", n.Add(1)))
	}))
	defer srv.Close()

	s := auth.New(nil, withToken)
	ctx, ids := auth.CollectRequestIDs(context.Background())
	for range 3 {
		resp, err := get(s, ctx, srv.URL+"/v3/projects")
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}
	fmt.Println(ids.All(), ids.Last())
	// Output: [req-1 req-2 req-3] req-3
}

func ExampleWithTimings() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()

	s := auth.New(nil, withToken, auth.WithTimings())
	for _, path := range []string{"/v3/projects", "/v3/users"} {
		resp, err := get(s, context.Background(), srv.URL+path)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}
	for _, t := range s.Timings() {
		fmt.Println(t.Method, strings.TrimPrefix(t.URL, srv.URL), t.StatusCode, t.Elapsed > 0)
	}
	s.ResetTimings()
	fmt.Println(len(s.Timings()))
	// Output:
	// GET /v3/projects 200 true
	// GET /v3/users 200 true
	// 0
}

func ExampleWithTLS() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below
	srv.StartTLS()
	defer srv.Close()
	// The CA bundle Keystone's certificate chains to (here: the test
	// server's own certificate).
	caFile := filepath.Join(os.TempDir(), "keystone-go-example-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		panic(err)
	}
	defer os.Remove(caFile)

	s := auth.New(nil, withToken, auth.WithTLS(auth.TLSOptions{
		CAFile: caFile,
		// CertFile, KeyFile: a client certificate, for mutual TLS.
		MinVersion: tls.VersionTLS12,
	}))
	if err := s.Err(); err != nil { // an unreadable file shows here
		panic(err)
	}
	resp, err := get(s, context.Background(), srv.URL+"/v3")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)

	// Without the CA, the server is not trusted: a typed error.
	_, err = get(auth.New(nil, withToken), context.Background(), srv.URL+"/v3")
	fmt.Println(errors.Is(err, apierror.ErrSSL))
	// Output:
	// 200
	// true
}

func ExampleWithConcurrencyLimit() {
	// At most 8 requests in flight and 20 started per second (bursts of 5),
	// however many goroutines share the Session.
	s := auth.New(nil, auth.WithConcurrencyLimit(8), auth.WithRateLimit(20, 5))
	fmt.Println(s.Err())
	// Output: <nil>
}

func ExampleWithLogger() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Openstack-Request-Id", "req-42")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"application_credential":{"id":"ac1","secret":"Keystone-made-secret"}}`)
	}))
	defer srv.Close()

	// A few attributes only, to keep the example short and stable.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case "time", "took", "level", "url", "Accept", "User-Agent", "Date", "Content-Length":
				return slog.Attr{}
			}
			return a
		},
	}))
	s := auth.New(nil, withToken, auth.WithLogger(logger))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v3/users/u1/application_credentials",
		strings.NewReader(`{"application_credential":{"name":"ci","secret":"my-secret"}}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	// Output:
	// msg="http request" method=POST headers.Content-Type=application/json headers.X-Auth-Token={SHA256}6e28e1f5b5a45d01 body="{\"application_credential\":{\"name\":\"ci\",\"secret\":\"***\"}}"
	// msg="http response" method=POST status=201 request_id=req-42 headers.Content-Type=application/json headers.X-Openstack-Request-Id=req-42 body="{\"application_credential\":{\"id\":\"ac1\",\"secret\":\"***\"}}"
}

func ExampleWithEndpointOverride() {
	s := auth.New(nil, withToken,
		auth.WithInterface("internal", "public"), auth.WithRegion("RegionTwo"),
		auth.WithEndpointOverride("volumev3", "https://cinder.internal.example/v3"))
	ep, err := s.Endpoint(context.Background(), catalog.Filter{ServiceType: "block-storage"})
	if err != nil {
		panic(err)
	}
	fmt.Println(ep.URL, ep.Interface, ep.Region)
	// Output: https://cinder.internal.example/v3 internal RegionTwo
}

func ExampleWithResponseHook() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
			return
		}
		w.Header().Set("X-Openstack-Request-Id", "req-9")
	}))
	defer srv.Close()

	// Every exchange: each retry and each redirect hop.
	s := auth.New(nil, withToken, auth.WithMaxRedirects(3), auth.WithResponseHook(func(r auth.ResponseInfo) {
		fmt.Println(r.Method, strings.TrimPrefix(r.URL, srv.URL), r.StatusCode, r.RequestID, r.Attempt)
	}))
	resp, err := get(s, context.Background(), srv.URL+"/old")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	// Output:
	// GET /old 301  1
	// GET /new 200 req-9 1
}

func ExampleSession_DoWithoutToken() {
	var tokenRequests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v3/auth/tokens":
			tokenRequests.Add(1)
			w.WriteHeader(http.StatusUnauthorized) // the password has expired
		case r.Header.Get("X-Auth-Token") == "":
			w.WriteHeader(http.StatusNoContent) // the original password was right
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()

	// This session cannot get a token, but changing the password needs
	// none: the original password is the proof.
	s := auth.New(&auth.Password{AuthURL: srv.URL + "/v3", UserID: "u1", Password: "expired"})
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/v3/users/u1/password",
		strings.NewReader(`{"user":{"original_password":"expired","password":"n3w-passw0rd"}}`))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.DoWithoutToken(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, "after", tokenRequests.Load(), "token requests")
	// Output: 204 after 0 token requests
}
