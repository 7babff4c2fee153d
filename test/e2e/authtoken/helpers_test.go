// Package authtoken_test runs pkg/authtoken against the real Keystone and
// a real memcached (MEMCACHED_SERVERS, from hack/memcached-up.sh): a
// service behind the middleware, called with the tokens Keystone issues.
package authtoken_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/authtoken"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// counting counts the token validations (GET /v3/auth/tokens) a service
// sends to Keystone.
type counting struct {
	next        http.RoundTripper
	validations atomic.Int32
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/auth/tokens") {
		c.validations.Add(1)
	}
	return c.next.RoundTrip(r)
}

// service is a service behind the middleware, validating with the admin's
// session (the bootstrap admin may validate any token); its handler
// answers the identity headers it received, as JSON.
type service struct {
	*httptest.Server
	v       *authtoken.Validator
	counter *counting
	log     *e2eutil.LogBuffer // the Validator's log, at debug level
}

func newService(t *testing.T, cfg authtoken.Config, opts ...authtoken.Option) *service {
	t.Helper()
	counter := &counting{next: e2eutil.Transport(t)}
	sess := e2eutil.Session(t, e2eutil.AdminPlugin(), auth.WithHTTPClient(&http.Client{Transport: counter, Timeout: time.Minute}))
	logger, log := e2eutil.DebugLogger()
	opts = append([]authtoken.Option{authtoken.WithLogger(logger)}, opts...)
	v, err := authtoken.New(sess, cfg, opts...)
	require.NoError(t, err)
	srv := httptest.NewServer(v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen := map[string]string{}
		for _, h := range append(authtoken.AuthHeaders(), "X-Auth-Token") {
			if vals := r.Header.Values(h); len(vals) > 0 {
				seen[h] = strings.Join(vals, "|")
			}
		}
		res, _ := authtoken.FromContext(r.Context())
		if res != nil && res.User != nil {
			seen["context-user"] = res.User.UserID()
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(seen)
	})))
	t.Cleanup(srv.Close)
	return &service{Server: srv, v: v, counter: counter, log: log}
}

// call sends a request with headers; it answers the status, the headers
// the service saw (on 200) and the answer's WWW-Authenticate.
func (s *service) call(t *testing.T, method, path string, headers map[string]string) (int, map[string]string, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(e2eutil.Ctx(t), method, s.URL+path, nil)
	require.NoError(t, err)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var seen map[string]string
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.Unmarshal(body, &seen), "%s", body)
	}
	return resp.StatusCode, seen, resp.Header.Get("WWW-Authenticate")
}

// memcachedServers is the memcached of the suite.
func memcachedServers(t *testing.T) []string {
	t.Helper()
	s := os.Getenv("MEMCACHED_SERVERS")
	if s == "" {
		t.Fatal("MEMCACHED_SERVERS is not set: start one with `eval \"$(bash hack/memcached-up.sh)\"` (make e2e and make test do)")
	}
	return strings.Split(s, ",")
}

// memcachedValue reads one key straight from memcached, as anyone with
// access to the cache could.
func memcachedValue(t *testing.T, server, key string) (string, bool) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", server, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "get %s\r\n", key)
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	if strings.HasPrefix(line, "END") {
		return "", false
	}
	var k string
	var flags, n int
	_, err = fmt.Sscanf(line, "VALUE %s %d %d", &k, &flags, &n)
	require.NoError(t, err, line)
	buf := make([]byte, n)
	_, err = io.ReadFull(r, buf)
	require.NoError(t, err)
	return string(buf), true
}

// memcachedSet overwrites a key, as a writer to the cache could.
func memcachedSet(t *testing.T, server, key, value string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", server, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "set %s 0 300 %d\r\n%s\r\n", key, len(value), value)
	line, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "STORED\r\n", line)
}

// switchableProxy passes requests to Keystone until it is switched off;
// then every connection is dropped, as by a Keystone that went away.
type switchableProxy struct {
	*httptest.Server
	down atomic.Bool
}

func newProxy(t *testing.T) *switchableProxy {
	target, err := url.Parse(e2eutil.AuthURL())
	require.NoError(t, err)
	p := &switchableProxy{}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	rp.ErrorLog = nil
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.down.Load() {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}
