package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/catalog"
)

func TestGlobalRequestIDAndRequestIDs(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	var sent sync.Map
	var n atomic.Int32
	f.mux.HandleFunc("GET /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		sent.Store(r.URL.Query().Get("call"), r.Header.Get("X-Openstack-Request-Id"))
		w.Header().Set("X-Openstack-Request-Id", fmt.Sprintf("req-%d", n.Add(1)))
		fmt.Fprint(w, `{}`)
	})
	var hooked []ResponseInfo
	var mu sync.Mutex
	s := faultSession(t, f, WithGlobalRequestID("req-global-1"), WithResponseHook(func(r ResponseInfo) {
		mu.Lock()
		hooked = append(hooked, r)
		mu.Unlock()
	}))
	ctx, ids := CollectRequestIDs(testCtx(t, 10*time.Second))
	resp, err := do(t, s, ctx, http.MethodGet, f.URL+"/v3/projects?call=a", "")
	require.NoError(t, err)
	assert.Equal(t, "req-1", RequestID(resp))
	_, err = do(t, s, ContextWithGlobalRequestID(ctx, "req-global-2"), http.MethodGet, f.URL+"/v3/projects?call=b", "")
	require.NoError(t, err)

	v, _ := sent.Load("a")
	assert.Equal(t, "req-global-1", v)
	v, _ = sent.Load("b")
	assert.Equal(t, "req-global-2", v, "the context's id overrides the session's")
	assert.Equal(t, []string{"req-1", "req-2"}, ids.All(), "the token request has no id in this fake")
	assert.Equal(t, "req-2", ids.Last())
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, hooked, 3, "token request and two calls")
	assert.Equal(t, http.MethodPost, hooked[0].Method)
	assert.Equal(t, http.StatusCreated, hooked[0].StatusCode)
	assert.Equal(t, "req-2", hooked[2].RequestID)
	assert.Equal(t, 1, hooked[2].Attempt)
	assert.Equal(t, "", RequestID(nil))
}

func TestTimings(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	var calls atomic.Int32
	f.mux.HandleFunc("GET /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		time.Sleep(20 * time.Millisecond)
		fmt.Fprint(w, `{}`)
	})
	s := faultSession(t, f, WithTimings(), WithRetryPolicy(RetryPolicy{StatusRetries: 1, Statuses: []int{503}, BaseDelay: time.Millisecond}))
	_, err := do(t, s, testCtx(t, 10*time.Second), http.MethodGet, f.URL+"/v3/projects?password=x", "")
	require.NoError(t, err)
	tm := s.Timings()
	require.Len(t, tm, 3)
	assert.Equal(t, "POST", tm[0].Method)
	assert.Equal(t, 503, tm[1].StatusCode)
	assert.Equal(t, 200, tm[2].StatusCode)
	assert.Equal(t, f.URL+"/v3/projects?password=%2A%2A%2A", tm[2].URL)
	assert.GreaterOrEqual(t, tm[2].Elapsed, 20*time.Millisecond)
	s.ResetTimings()
	assert.Empty(t, s.Timings())
	assert.Nil(t, New(nil).Timings(), "off unless asked for")
}

func TestUserAgent(t *testing.T) {
	f := newFaultKeystone(t)
	var ua atomic.Value
	f.mux.HandleFunc("GET /v3/ua", func(w http.ResponseWriter, r *http.Request) { ua.Store(r.Header.Get("User-Agent")) })
	s := faultSession(t, f, WithUserAgent("myapp", "1.2"))
	_, err := do(t, s, testCtx(t, 10*time.Second), http.MethodGet, f.URL+"/v3/ua", "")
	require.NoError(t, err)
	assert.Regexp(t, `^myapp/1\.2 keystone-go/`+Version+` Go/\S+$`, ua.Load())
}

func TestConcurrencyLimit(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	var inFlight, peak atomic.Int32
	f.mux.HandleFunc("GET /v3/slow", func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		fmt.Fprint(w, `{}`)
	})
	s := faultSession(t, f, WithConcurrencyLimit(3))
	ctx := testCtx(t, 20*time.Second)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			resp, err := do(t, s, ctx, http.MethodGet, f.URL+"/v3/slow", "")
			if assert.NoError(t, err) {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, peak.Load(), int32(3))
	assert.Equal(t, int32(3), peak.Load(), "the limit is also reached")

	// A caller whose context ends while waiting for a slot gets a typed error.
	full := faultSession(t, f, WithConcurrencyLimit(1))
	held, err := do(t, full, ctx, http.MethodGet, f.URL+"/v3/slow", "")
	require.NoError(t, err)
	_, err = do(t, full, testCtx(t, 50*time.Millisecond), http.MethodGet, f.URL+"/v3/slow", "")
	assert.True(t, errors.Is(err, apierror.ErrTimeout), "%v", err)
	held.Body.Close()
	_, err = do(t, full, ctx, http.MethodGet, f.URL+"/v3/slow", "")
	assert.NoError(t, err, "closing the body gave the slot back")
}

func TestRateLimit(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	f.mux.HandleFunc("GET /v3/x", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{}`) })
	s := faultSession(t, f, WithRateLimit(50, 1))
	ctx := testCtx(t, 10*time.Second)
	_, err := s.Token(ctx) // takes the burst token
	require.NoError(t, err)
	start := time.Now()
	for range 10 {
		_, err := do(t, s, ctx, http.MethodGet, f.URL+"/v3/x", "")
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(start), 180*time.Millisecond, "10 requests at 50/s take 200 ms")

	// One request a minute: once the burst is spent, the next slot lies
	// past any test deadline however slow the machine is.
	slow := faultSession(t, f, WithRateLimit(1.0/60, 1))
	_, err = slow.Token(ctx)
	require.NoError(t, err)
	_, err = do(t, slow, testCtx(t, 2*time.Second), http.MethodGet, f.URL+"/v3/x", "")
	assert.True(t, errors.Is(err, apierror.ErrTimeout), "a wait past the deadline is refused at once: %v", err)
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for n, nominal := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		nominal *= time.Millisecond
		for range 50 {
			d := p.backoff(n)
			assert.GreaterOrEqual(t, d, nominal/2, "retry %d", n)
			assert.LessOrEqual(t, d, nominal, "retry %d", n)
		}
	}
	seen := map[time.Duration]bool{}
	for range 20 {
		seen[p.backoff(3)] = true
	}
	assert.Greater(t, len(seen), 1, "jitter")
	assert.LessOrEqual(t, RetryPolicy{}.backoff(100), DefaultMaxDelay)
}

// Connection failures after the request may have reached the server are
// retried for idempotent methods only.
func TestConnectRetriesRespectIdempotency(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	var gets, posts atomic.Int32
	reset := func(w http.ResponseWriter) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.(*net.TCPConn).SetLinger(0)
			_ = conn.Close()
		}
	}
	f.mux.HandleFunc("GET /v3/flaky", func(w http.ResponseWriter, r *http.Request) {
		if gets.Add(1) < 3 {
			reset(w)
			return
		}
		fmt.Fprint(w, `{}`)
	})
	f.mux.HandleFunc("POST /v3/flaky", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		posts.Add(1)
		reset(w)
	})
	s := faultSession(t, f, WithRetryPolicy(RetryPolicy{ConnectRetries: 3, BaseDelay: time.Millisecond}))
	ctx := testCtx(t, 10*time.Second)
	_, err := do(t, s, ctx, http.MethodGet, f.URL+"/v3/flaky", "")
	require.NoError(t, err)
	assert.EqualValues(t, 3, gets.Load())
	_, err = do(t, s, ctx, http.MethodPost, f.URL+"/v3/flaky", `{}`)
	assert.True(t, errors.Is(err, apierror.ErrConnection), "%v", err)
	assert.EqualValues(t, 1, posts.Load(), "a POST that may have been received is not sent twice")
}

func TestStatusRetriesAreBoundedAndTyped(t *testing.T) {
	noLeaks(t)
	f := newFaultKeystone(t)
	var calls atomic.Int32
	f.mux.HandleFunc("GET /v3/down", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-Openstack-Request-Id", "req-down")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"error":{"code":503,"title":"Service Unavailable","message":"maintenance"}}`)
	})
	s := faultSession(t, f, WithRetryPolicy(RetryPolicy{StatusRetries: 2, Statuses: []int{503}, BaseDelay: time.Millisecond}))
	_, err := do(t, s, testCtx(t, 10*time.Second), http.MethodGet, f.URL+"/v3/down", "")
	assert.True(t, errors.Is(err, apierror.ErrServiceUnavailable))
	var apiErr *apierror.Error
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, "maintenance", apiErr.Message)
	assert.EqualValues(t, 3, calls.Load())

	calls.Store(0)
	off := faultSession(t, f, WithRetries(0, 0))
	_, err = do(t, off, testCtx(t, 10*time.Second), http.MethodGet, f.URL+"/v3/down", "")
	assert.True(t, errors.Is(err, apierror.ErrServiceUnavailable))
	assert.EqualValues(t, 1, calls.Load())

	// Cancelling during the back-off returns at once, with both reasons.
	calls.Store(0)
	slow := faultSession(t, f, WithRetryPolicy(RetryPolicy{StatusRetries: 2, Statuses: []int{503}, BaseDelay: 10 * time.Second}))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err = do(t, slow, ctx, http.MethodGet, f.URL+"/v3/down", "")
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.True(t, errors.Is(err, apierror.ErrServiceUnavailable), "%v", err)
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}

// writeCert makes a self-signed CA, a certificate it signs for the given
// use, and writes them as PEM files; it returns the paths and the pair.
func newCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey, string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	return ca, key, path
}

func issue(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, serial int64, usage x509.ExtKeyUsage) (tls.Certificate, string, string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certPath, certPEM, 0o600))
	require.NoError(t, os.WriteFile(keyPath, keyPEM, 0o600))
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	require.NoError(t, err)
	return pair, certPath, keyPath
}

func TestTLSOptions(t *testing.T) {
	noLeaks(t)
	ca, caKey, caPath := newCA(t)
	serverCert, _, _ := issue(t, ca, caKey, 2, x509.ExtKeyUsageServerAuth)
	_, clientCert, clientKey := issue(t, ca, caKey, 3, x509.ExtKeyUsageClientAuth)
	pool := x509.NewCertPool()
	pool.AddCert(ca)

	var peer atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) > 0 {
			peer.Store(r.TLS.PeerCertificates[0].SerialNumber.Int64())
		}
		fmt.Fprint(w, `{}`)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake refused on purpose
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ctx := testCtx(t, 10*time.Second)
	get := func(s *Session) error {
		t.Cleanup(s.HTTPClient().CloseIdleConnections)
		_, err := do(t, s, ctx, http.MethodGet, srv.URL+"/v3", "")
		return err
	}
	static := WithAccessInfo(&AccessInfo{Token: "t"})

	err := get(New(nil, static))
	assert.True(t, errors.Is(err, apierror.ErrSSL), "the system roots do not know this CA: %v", err)
	require.NoError(t, get(New(nil, static, WithTLS(TLSOptions{CAFile: caPath}))))
	require.NoError(t, get(New(nil, static, WithTLS(TLSOptions{Insecure: true}))))
	require.NoError(t, get(New(nil, static, WithTLS(TLSOptions{CAFile: caPath, CertFile: clientCert, KeyFile: clientKey}))))
	assert.EqualValues(t, 3, peer.Load(), "the client certificate was presented")

	bad := New(nil, static, WithTLS(TLSOptions{CAFile: filepath.Join(t.TempDir(), "missing.pem")}))
	require.Error(t, bad.Err())
	assert.True(t, errors.Is(bad.Err(), apierror.ErrCertificateConfig))
	assert.True(t, errors.Is(bad.Err(), apierror.ErrInvalidConfig))
	err = get(bad)
	assert.True(t, errors.Is(err, apierror.ErrCertificateConfig), "every request fails with the option's error: %v", err)
	_, err = TLSOptions{KeyFile: clientKey}.Config()
	assert.True(t, errors.Is(err, apierror.ErrCertificateConfig))
	_, err = TLSOptions{CAPEM: []byte("not pem")}.Config()
	assert.True(t, errors.Is(err, apierror.ErrCertificateConfig))

	odd := New(nil, WithHTTPClient(&http.Client{Transport: roundTripFunc(nil)}), WithTLS(TLSOptions{}))
	assert.True(t, errors.Is(odd.Err(), apierror.ErrInvalidConfig), "a transport it cannot configure is reported")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestEndpointDefaultsAndOverrides(t *testing.T) {
	f := newFaultKeystone(t)
	s := faultSession(t, f, WithRegion("RegionOne"), WithInterface("internal", "public"),
		WithEndpointOverride("volumev3", "https://cinder.example/v3/"))
	ctx := testCtx(t, 10*time.Second)
	ep, err := s.Endpoint(ctx, catalog.Filter{ServiceType: "identity"})
	require.NoError(t, err)
	assert.Equal(t, f.URL+"/v3", ep.URL)
	assert.Equal(t, "public", ep.Interface, "internal preferred, public found")

	ep, err = s.Endpoint(ctx, catalog.Filter{ServiceType: "block-storage"})
	require.NoError(t, err)
	assert.Equal(t, "https://cinder.example/v3", ep.URL, "an override answers for the official type too")
	assert.EqualValues(t, 1, f.tokens.Load())

	_, err = s.Endpoint(ctx, catalog.Filter{ServiceType: "identity", Region: "RegionTwo"})
	assert.True(t, errors.Is(err, apierror.ErrEndpointNotFound))
	assert.Contains(t, err.Error(), `region "RegionTwo"`)
	assert.Contains(t, err.Error(), "identity(keystone)/public@RegionOne")
}

// Discovery through the Session: unversioned catalog URLs, shared cache,
// and a version document that needs a token.
func TestResolveEndpointThroughTheSession(t *testing.T) {
	noLeaks(t)
	var docs atomic.Int32
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("POST /identity/v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Subject-Token", "tok")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u"},"expires_at":%q,"issued_at":%q,
			"catalog":[{"id":"s","type":"identity","endpoints":[{"id":"e","interface":"public","url":"%s/identity"}]}]}}`,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339), srv.URL)
	})
	mux.HandleFunc("GET /identity", func(w http.ResponseWriter, r *http.Request) {
		docs.Add(1)
		if r.Header.Get("X-Auth-Token") != "tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusMultipleChoices)
		fmt.Fprint(w, `{"versions":{"values":[{"id":"v3.14","status":"stable","links":[{"rel":"self","href":"http://10.1.2.3:5000/v3/"}]}]}}`)
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	shared := catalog.NewDiscovery(time.Minute)
	tr := testTransport(t)
	mk := func() *Session {
		return New(&Password{AuthURL: srv.URL + "/identity/v3", UserID: "u", Password: "p"},
			WithHTTPClient(&http.Client{Transport: tr}), WithDiscovery(shared))
	}
	ctx := testCtx(t, 10*time.Second)
	v, err := mk().ResolveEndpoint(ctx, catalog.Filter{ServiceType: "identity"}, catalog.VersionRange{Min: "3.10"})
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/identity/v3", v.SelfURL)
	assert.Equal(t, "v3.14", v.ID)
	assert.EqualValues(t, 2, docs.Load(), "without a token (401), then with one")

	u, err := mk().VersionedEndpoint(ctx, catalog.Filter{ServiceType: "identity"}, 3)
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/identity/v3", u)
	assert.EqualValues(t, 2, docs.Load(), "the second session used the shared cache")

	_, err = mk().ResolveEndpoint(ctx, catalog.Filter{ServiceType: "identity"}, catalog.MajorVersion(2))
	assert.True(t, errors.Is(err, apierror.ErrVersionNotAvailable), "%v", err)
}
