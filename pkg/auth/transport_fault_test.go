package auth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// The fault matrix: one test per way the network and the server can fail.
// Each ends in its documented outcome, success or a typed error, without a
// panic, a hang (every test is bounded by a context) or a goroutine left
// behind (noLeaks).

// noLeaks fails the test if goroutines started during it are still there
// once it is over. Call it first: its cleanup runs last, after the servers
// are closed and the idle connections dropped.
func noLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("%d goroutines before the test, %d after:\n%s", before, n, buf)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// faultKeystone issues tokens (tok-1, tok-2, ...) and serves whatever
// routes a test adds.
type faultKeystone struct {
	*httptest.Server
	mux       *http.ServeMux
	tokens    atomic.Int32
	refuseFor atomic.Int32 // token requests numbered above this are refused (0: none)
}

func newFaultKeystone(t *testing.T) *faultKeystone {
	f := &faultKeystone{mux: http.NewServeMux()}
	f.mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		n := f.tokens.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		if limit := f.refuseFor.Load(); limit > 0 && n > limit {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Openstack-Request-Id", fmt.Sprintf("req-auth-%d", n))
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"code":401,"title":"Unauthorized","message":"The password is wrong."}}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Subject-Token", fmt.Sprintf("tok-%d", n))
		w.WriteHeader(http.StatusCreated)
		now := time.Now().UTC()
		fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u1","name":"alice"},"expires_at":%q,"issued_at":%q,
			"catalog":[{"id":"s1","type":"identity","name":"keystone","endpoints":[
			{"id":"e1","interface":"public","region_id":"RegionOne","url":"%s/v3"}]}]}}`,
			now.Add(time.Hour).Format(time.RFC3339), now.Format(time.RFC3339), f.URL)
	})
	f.Server = httptest.NewServer(f.mux)
	t.Cleanup(f.Close)
	return f
}

func (f *faultKeystone) plugin() *Password {
	return &Password{AuthURL: f.URL + "/v3", UserID: "u1", Password: "correct horse"}
}

// testTransport is a transport of the test's own, whose idle connections
// are dropped when the test ends.
func testTransport(t *testing.T) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func faultSession(t *testing.T, f *faultKeystone, opts ...Option) *Session {
	return New(f.plugin(), append([]Option{WithHTTPClient(&http.Client{Transport: testTransport(t)})}, opts...)...)
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func do(t *testing.T, s *Session, ctx context.Context, method, url, body string) (*http.Response, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	require.NoError(t, err)
	resp, err := s.Do(req)
	if resp != nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func readAll(t *testing.T, resp *http.Response) (string, error) {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// Row 1: a 401 in the middle of a session (the token was revoked); the
// Session authenticates again and the call succeeds.
func TestFault401MidCallThenSuccessAfterReauth(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	var seen []string
	var mu sync.Mutex
	f.mux.HandleFunc("POST /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Header.Get("X-Auth-Token"))
		mu.Unlock()
		if r.Header.Get("X-Auth-Token") == "tok-1" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}`)
			return
		}
		w.Header().Set("X-Openstack-Request-Id", "req-ok")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"echo":%q}`, body)
	})
	s := faultSession(t, f)
	resp, err := do(t, s, testCtx(t, 10*time.Second), http.MethodPost, f.URL+"/v3/projects", `{"project":{"name":"p"}}`)
	require.NoError(t, err)
	body, err := readAll(t, resp)
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Contains(t, body, `{\"project\":{\"name\":\"p\"}}`, "the body went again with the retry")
	assert.Equal(t, "req-ok", RequestID(resp))
	assert.Equal(t, []string{"tok-1", "tok-2"}, seen)
	assert.EqualValues(t, 2, f.tokens.Load())
}

// Row 2: the re-authentication itself is refused: the caller gets that 401,
// typed, after exactly one more token request (no loop).
func TestFault401OnReauthNoLoop(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	f.refuseFor.Store(1)
	var calls atomic.Int32
	f.mux.HandleFunc("GET /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
	})
	s := faultSession(t, f)
	_, err := do(t, s, testCtx(t, 10*time.Second), http.MethodGet, f.URL+"/v3/projects", "")
	require.Error(t, err)
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized))
	var apiErr *apierror.Error
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, "req-auth-2", apiErr.RequestID)
	assert.Equal(t, "The password is wrong.", apiErr.Message)
	assert.Equal(t, http.MethodPost, apiErr.Method)
	assert.Equal(t, f.URL+"/v3/auth/tokens", apiErr.URL)
	assert.EqualValues(t, 2, f.tokens.Load())
	assert.EqualValues(t, 1, calls.Load())
}

// Row 3: 503 with Retry-After in seconds: the Session waits that long (not
// its own back-off) and the retry succeeds. A Retry-After beyond the
// policy's limit, or beyond the caller's deadline, is not waited for.
func TestFault503WithRetryAfter(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	var calls atomic.Int32
	f.mux.HandleFunc("GET /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("X-Openstack-Request-Id", "req-busy")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"projects":[]}`)
	})
	f.mux.HandleFunc("GET /v3/busy", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.Header().Set("X-Openstack-Request-Id", "req-later")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	s := faultSession(t, f)
	ctx := testCtx(t, 10*time.Second)
	_, err := s.Token(ctx)
	require.NoError(t, err)

	start := time.Now()
	resp, err := do(t, s, ctx, http.MethodGet, f.URL+"/v3/projects", "")
	require.NoError(t, err)
	took := time.Since(start)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.EqualValues(t, 2, calls.Load())
	assert.GreaterOrEqual(t, took, 950*time.Millisecond, "Retry-After: 1 was honoured")
	assert.Less(t, took, 3*time.Second)

	calls.Store(0)
	start = time.Now()
	_, err = do(t, s, ctx, http.MethodGet, f.URL+"/v3/busy", "")
	assert.Less(t, time.Since(start), time.Second, "an hour's Retry-After is not waited for")
	var apiErr *apierror.Error
	require.True(t, errors.As(err, &apiErr))
	assert.True(t, errors.Is(err, apierror.ErrServiceUnavailable))
	assert.Equal(t, time.Hour, apiErr.RetryAfter)
	assert.Equal(t, "req-later", apiErr.RequestID)
	assert.EqualValues(t, 1, calls.Load())

	// A POST is not retried by default: it may have created something.
	calls.Store(0)
	f.mux.HandleFunc("POST /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	_, err = do(t, s, ctx, http.MethodPost, f.URL+"/v3/projects", `{}`)
	assert.True(t, errors.Is(err, apierror.ErrServiceUnavailable))
	assert.EqualValues(t, 1, calls.Load())
}

// Row 4: 429 with Retry-After as an HTTP date, retried when the policy lists
// 429; a deadline that comes before the date gets the 429 at once.
func TestFault429WithHTTPDateRetryAfter(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	var calls atomic.Int32
	var retryAt atomic.Value
	f.mux.HandleFunc("GET /v3/users", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			at := time.Now().Add(2 * time.Second).UTC()
			retryAt.Store(at.Truncate(time.Second))
			w.Header().Set("Retry-After", at.Format(http.TimeFormat))
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":{"code":429,"title":"Too Many Requests","message":"slow down"}}`)
			return
		}
		fmt.Fprint(w, `{"users":[]}`)
	})
	s := faultSession(t, f, WithRetries(0, 3, http.StatusTooManyRequests, http.StatusServiceUnavailable))
	ctx := testCtx(t, 10*time.Second)
	_, err := s.Token(ctx)
	require.NoError(t, err)
	resp, err := do(t, s, ctx, http.MethodGet, f.URL+"/v3/users", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.EqualValues(t, 2, calls.Load())
	assert.False(t, time.Now().Before(retryAt.Load().(time.Time)), "the retry waited for the date")

	calls.Store(0)
	short := testCtx(t, 500*time.Millisecond)
	start := time.Now()
	_, err = do(t, s, short, http.MethodGet, f.URL+"/v3/users", "")
	assert.Less(t, time.Since(start), 400*time.Millisecond, "no wait that the deadline would cut")
	assert.True(t, errors.Is(err, apierror.ErrTooManyRequests), "%v", err)
	var apiErr *apierror.Error
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, "slow down", apiErr.Message)
	assert.Greater(t, apiErr.RetryAfter, time.Duration(0))
}

// Row 5: connection refused, retried ConnectRetries times (the request
// never left: even a POST may be), then a typed error.
func TestFaultConnectionRefused(t *testing.T) {
	noLeaks(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	var dials atomic.Int32
	tr := testTransport(t)
	dialer := &net.Dialer{}
	tr.DialContext = func(ctx context.Context, network, a string) (net.Conn, error) {
		dials.Add(1)
		return dialer.DialContext(ctx, network, a)
	}
	s := New(&Password{AuthURL: "http://" + addr + "/v3", UserID: "u", Password: "p"},
		WithHTTPClient(&http.Client{Transport: tr}),
		WithRetryPolicy(RetryPolicy{ConnectRetries: 2, BaseDelay: 10 * time.Millisecond}))
	_, err = s.AccessInfo(testCtx(t, 10*time.Second))
	require.Error(t, err)
	assert.True(t, errors.Is(err, apierror.ErrConnectionRefused), "%v", err)
	assert.True(t, errors.Is(err, apierror.ErrConnection))
	assert.True(t, errors.Is(err, apierror.ErrRetriableConnection))
	assert.True(t, errors.Is(err, syscall.ECONNREFUSED))
	var terr *apierror.TransportError
	require.True(t, errors.As(err, &terr))
	assert.Equal(t, http.MethodPost, terr.Method)
	assert.Equal(t, "http://"+addr+"/v3/auth/tokens", terr.URL)
	assert.EqualValues(t, 3, dials.Load(), "one try and two retries")
}

// hijack takes the connection over and writes raw HTTP to it.
func hijack(t *testing.T, w http.ResponseWriter) (net.Conn, *bufio.ReadWriter) {
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return nil, nil
	}
	return conn, rw
}

// Row 6: the connection is reset in the middle of the body: the read fails
// with a typed error carrying the answer's request id.
func TestFaultConnectionResetMidBody(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	f.mux.HandleFunc("GET /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		conn, rw := hijack(t, w)
		if conn == nil {
			return
		}
		fmt.Fprint(rw, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Openstack-Request-Id: req-reset\r\nContent-Length: 100000\r\n\r\n")
		fmt.Fprint(rw, `{"projects":[`+strings.Repeat(`{"id":"p"},`, 100))
		_ = rw.Flush()
		time.Sleep(50 * time.Millisecond)
		// SO_LINGER 0: close with a RST instead of a FIN.
		_ = conn.(*net.TCPConn).SetLinger(0)
		_ = conn.Close()
	})
	for _, debug := range []bool{false, true} {
		t.Run(fmt.Sprintf("debug log %v", debug), func(t *testing.T) {
			opts := []Option{}
			if debug {
				opts = append(opts, WithLogger(debugLogger(&lockedBuffer{})))
			}
			s := faultSession(t, f, opts...)
			resp, err := do(t, s, testCtx(t, 10*time.Second), http.MethodGet, f.URL+"/v3/projects", "")
			require.NoError(t, err, "the headers arrived whole")
			_, err = readAll(t, resp)
			require.Error(t, err)
			assert.True(t, errors.Is(err, apierror.ErrIncompleteBody), "%v", err)
			assert.True(t, errors.Is(err, apierror.ErrConnection))
			assert.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
			var terr *apierror.TransportError
			require.True(t, errors.As(err, &terr))
			assert.Equal(t, "req-reset", terr.RequestID)
			assert.Equal(t, http.StatusOK, terr.StatusCode)
		})
	}
}

// Row 7: a server that never answers: the caller's deadline ends the call
// with a timeout, and the server's handler is released.
func TestFaultServerNeverAnswers(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	f.mux.HandleFunc("GET /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	s := faultSession(t, f, WithRetries(3, 3))
	_, err := s.Token(testCtx(t, 10*time.Second))
	require.NoError(t, err)
	start := time.Now()
	_, err = do(t, s, testCtx(t, 300*time.Millisecond), http.MethodGet, f.URL+"/v3/projects", "")
	took := time.Since(start)
	require.Error(t, err)
	assert.True(t, errors.Is(err, apierror.ErrTimeout), "%v", err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
	assert.Less(t, took, 2*time.Second, "retries do not outlive the deadline")

	// The same for the authentication request: WithAuthTimeout bounds it
	// even when the caller's context has no deadline.
	f.mux.HandleFunc("POST /v3/slow/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		// The server notices a closed connection only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	})
	slow := New(&Password{AuthURL: f.URL + "/v3/slow", UserID: "u", Password: "p"},
		WithHTTPClient(&http.Client{Transport: testTransport(t)}), WithAuthTimeout(200*time.Millisecond))
	_, err = slow.AccessInfo(context.Background())
	assert.True(t, errors.Is(err, apierror.ErrTimeout), "%v", err)
}

// Row 8: a body that stops halfway (the server closes after half of its
// Content-Length): typed, whether or not the body was peeked for the log.
func TestFaultBodyStopsHalfway(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	f.mux.HandleFunc("GET /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		conn, rw := hijack(t, w)
		if conn == nil {
			return
		}
		fmt.Fprint(rw, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Openstack-Request-Id: req-half\r\nContent-Length: 1000\r\n\r\n")
		fmt.Fprint(rw, `{"projects":[`+strings.Repeat("x", 487))
		_ = rw.Flush()
		_ = conn.Close()
	})
	for _, debug := range []bool{false, true} {
		t.Run(fmt.Sprintf("debug log %v", debug), func(t *testing.T) {
			var log lockedBuffer
			opts := []Option{}
			if debug {
				opts = append(opts, WithLogger(debugLogger(&log)))
			}
			s := faultSession(t, f, opts...)
			resp, err := do(t, s, testCtx(t, 10*time.Second), http.MethodGet, f.URL+"/v3/projects", "")
			require.NoError(t, err)
			body, err := readAll(t, resp)
			assert.Len(t, body, 500)
			assert.True(t, errors.Is(err, apierror.ErrIncompleteBody), "%v", err)
			assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
			var terr *apierror.TransportError
			require.True(t, errors.As(err, &terr))
			assert.Equal(t, "req-half", terr.RequestID)
			if debug {
				assert.Contains(t, log.String(), "reading it failed after 500 bytes")
			}
		})
	}
}

// Row 10: a 1 GiB body, streamed: reading stops at the Session's limit with
// a typed error, and memory stays flat.
func TestFaultGigabyteBody(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	var written atomic.Int64
	f.mux.HandleFunc("GET /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(strings.Repeat("x", 64<<10))
		for range (1 << 30) / len(chunk) {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	s := faultSession(t, f)
	ctx := testCtx(t, 60*time.Second)
	_, err := s.Token(ctx)
	require.NoError(t, err)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	resp, err := do(t, s, ctx, http.MethodGet, f.URL+"/v3/projects", "")
	require.NoError(t, err)
	n, err := io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	runtime.ReadMemStats(&after)

	assert.True(t, errors.Is(err, apierror.ErrResponseTooLarge), "%v", err)
	assert.EqualValues(t, DefaultMaxResponseSize, n, "exactly the limit was read")
	allocated := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, allocated, uint64(16<<20), "reading 64 MiB allocated %d bytes", allocated)
	assert.Less(t, after.HeapInuse, before.HeapInuse+32<<20)
	assert.Less(t, written.Load(), int64(1<<30), "the server stopped when the client did")
}

// Row 11: an HTML error page from a proxy: a typed error whose message is
// the page's text.
func TestFaultHTMLErrorPage(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	f.mux.HandleFunc("GET /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><head><title>502 Bad Gateway</title><style>body{}</style></head>"+
			"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")
	})
	s := faultSession(t, f, WithRetries(0, 0))
	_, err := do(t, s, testCtx(t, 10*time.Second), http.MethodGet, f.URL+"/v3/projects", "")
	require.Error(t, err)
	assert.True(t, errors.Is(err, apierror.ErrBadGateway))
	assert.True(t, errors.Is(err, apierror.ErrHTTPServer))
	var apiErr *apierror.Error
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, "502 Bad Gateway 502 Bad Gateway nginx", apiErr.Message)
	assert.Equal(t, f.URL+"/v3/projects", apiErr.URL)
}

// Row 12: a redirect to another host: the request follows without its token
// (and any other credential header); on the same host the token stays.
func TestFaultRedirectToAnotherHost(t *testing.T) {
	noLeaks(t)
	var leaked, kept atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("X-Auth-Token") + r.Header.Get("X-Service-Token") + r.Header.Get("Authorization"))
		w.Header().Set("X-Openstack-Request-Id", "req-other")
		fmt.Fprint(w, `{"elsewhere":true}`)
	}))
	t.Cleanup(other.Close)
	f := newFaultKeystone(t)
	f.mux.HandleFunc("GET /v3/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
	})
	f.mux.HandleFunc("GET /v3/renamed", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v3/here", http.StatusMovedPermanently)
	})
	f.mux.HandleFunc("GET /v3/here", func(w http.ResponseWriter, r *http.Request) {
		kept.Store(r.Header.Get("X-Auth-Token"))
		fmt.Fprint(w, `{}`)
	})
	s := faultSession(t, f)
	ctx := testCtx(t, 10*time.Second)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL+"/v3/moved", nil)
	require.NoError(t, err)
	req.Header.Set("X-Service-Token", "service-secret")
	resp, err := s.Do(req)
	require.NoError(t, err)
	body, err := readAll(t, resp)
	require.NoError(t, err)
	assert.Equal(t, `{"elsewhere":true}`, body)
	assert.Equal(t, "req-other", RequestID(resp))
	assert.Equal(t, "", leaked.Load(), "no credential may follow a redirect to another host")

	_, err = do(t, s, ctx, http.MethodGet, f.URL+"/v3/renamed", "")
	require.NoError(t, err)
	assert.Equal(t, "tok-1", kept.Load(), "a redirect on the same host keeps the token")
}

// Redirects beyond the limit are a typed error; a 307 keeps the method and
// body, a 303 turns into a GET; WithMaxRedirects(0) hands the 3xx back.
func TestRedirectPolicy(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	f.mux.HandleFunc("/v3/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v3/loop", http.StatusFound)
	})
	var got atomic.Value
	f.mux.HandleFunc("/v3/target", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got.Store(r.Method + " " + string(body))
	})
	f.mux.HandleFunc("/v3/temp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v3/target", http.StatusTemporaryRedirect)
	})
	f.mux.HandleFunc("/v3/seeother", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v3/target", http.StatusSeeOther)
	})
	ctx := testCtx(t, 10*time.Second)
	s := faultSession(t, f, WithMaxRedirects(3))
	_, err := do(t, s, ctx, http.MethodGet, f.URL+"/v3/loop", "")
	assert.True(t, errors.Is(err, apierror.ErrHTTPRedirection), "%v", err)
	assert.Contains(t, err.Error(), "stopped after 3 redirects")

	_, err = do(t, s, ctx, http.MethodPost, f.URL+"/v3/temp", `{"a":1}`)
	require.NoError(t, err)
	assert.Equal(t, `POST {"a":1}`, got.Load())
	_, err = do(t, s, ctx, http.MethodPost, f.URL+"/v3/seeother", `{"a":1}`)
	require.NoError(t, err)
	assert.Equal(t, "GET ", got.Load())

	none := faultSession(t, f, WithMaxRedirects(0))
	resp, err := do(t, none, ctx, http.MethodGet, f.URL+"/v3/loop", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
}
