package auth

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keystone-go/keystone/internal/origin"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// chainOrigins are the origins a fuzzed redirect chain moves between: two
// hosts, both schemes, a second https port, and one origin spelled two ways.
var chainOrigins = []string{
	"https://a.test", "http://a.test", "https://b.test", "http://b.test", "https://a.test:8443", "http://A.TEST:80",
}

var chainStatuses = []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
	http.StatusTemporaryRedirect, http.StatusPermanentRedirect}

var chainMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// chainHit is one request a server of the chain received.
type chainHit struct {
	scheme, host string
	header       http.Header
	body         []byte
}

// chainWorld is a plain and a TLS listener that every origin of
// chainOrigins reaches (by port), serving redirect chains that their
// paths spell: /<run>/<status>-<origin>.<status>-<origin>...
type chainWorld struct {
	client *http.Client
	run    atomic.Int64
	mu     sync.Mutex
	hits   map[int64][]chainHit
}

func newChainWorld(f *testing.F) *chainWorld {
	w := &chainWorld{hits: map[int64][]chainHit{}}
	handler := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
		run, _ := strconv.ParseInt(parts[0], 10, 64)
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		w.mu.Lock()
		w.hits[run] = append(w.hits[run], chainHit{scheme: scheme, host: r.Host, header: r.Header.Clone(), body: body})
		w.mu.Unlock()
		if len(parts) < 2 || parts[1] == "" {
			rw.Header().Set("Content-Type", "application/json")
			fmt.Fprint(rw, `{}`)
			return
		}
		hop, rest, _ := strings.Cut(parts[1], ".")
		code, to, _ := strings.Cut(hop, "-")
		status, _ := strconv.Atoi(code)
		i, _ := strconv.Atoi(to)
		rw.Header().Set("Location", chainOrigins[i]+"/"+parts[0]+"/"+rest)
		rw.WriteHeader(status)
	})
	plain := httptest.NewServer(handler)
	secure := httptest.NewTLSServer(handler)
	f.Cleanup(plain.Close)
	f.Cleanup(secure.Close)
	roots := x509.NewCertPool()
	roots.AddCert(secure.Certificate())
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	w.client = &http.Client{Transport: &http.Transport{
		// Every host name is the test's: the port says which listener.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			to := plain.Listener.Addr().String()
			if port != "80" {
				to = secure.Listener.Addr().String()
			}
			return dialer.DialContext(ctx, network, to)
		},
		// httptest's certificate names example.com.
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "example.com"},
	}}
	f.Cleanup(w.client.CloseIdleConnections)
	return w
}

// FuzzRedirectChain sends a request that carries credentials (a token, an
// Authorization and a Cookie header, a header its context declares secret,
// and a body that holds a secret) through any chain of 301/302/303/307/308
// redirects between http and https origins on two hosts: no credential,
// in a header or in the body, may reach an origin other than the first,
// nothing may go from https to http, and whatever is refused is refused
// with a typed error that does not show the secret.
func FuzzRedirectChain(f *testing.F) {
	f.Add(uint8(2), []byte(`{"a":1}`), []byte{3, 2}, uint8(0))                // POST, 307 to b.test
	f.Add(uint8(0), []byte{}, []byte{1, 2, 1, 0}, uint8(0))                   // GET, 302 away and 302 back
	f.Add(uint8(2), []byte(`x`), []byte{2, 3, 3, 1}, uint8(2))                // POST, 303 to http, 307 on
	f.Add(uint8(1), []byte{}, []byte{4, 1}, uint8(0))                         // HEAD, 308 to http
	f.Add(uint8(3), []byte(`body`), []byte{0, 5, 0, 1}, uint8(1))             // PUT, one origin spelled twice
	f.Add(uint8(4), []byte(`p`), []byte{3, 4, 1, 0, 2, 2}, uint8(0))          // PATCH, other port, then back
	f.Add(uint8(5), []byte{}, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, uint8(0)) // DELETE, a loop on the origin
	w := newChainWorld(f)
	const secret = "chain-secret-0123456789"
	f.Fuzz(func(t *testing.T, methodByte uint8, body, chain []byte, firstByte uint8) {
		method := chainMethods[int(methodByte)%len(chainMethods)]
		first := chainOrigins[int(firstByte)%len(chainOrigins)]
		var hops []string
		for i := 0; i+1 < len(chain) && len(hops) < 8; i += 2 {
			hops = append(hops, fmt.Sprintf("%d-%d", chainStatuses[int(chain[i])%len(chainStatuses)], int(chain[i+1])%len(chainOrigins)))
		}
		run := w.run.Add(1)
		target := fmt.Sprintf("%s/%d/%s", first, run, strings.Join(hops, "."))

		ctx, cancel := context.WithTimeout(ContextWithSecretHeaders(context.Background(), "X-Fed-Credential"), 20*time.Second)
		defer cancel()
		var reader io.Reader
		if method != http.MethodGet && method != http.MethodHead {
			reader = bytes.NewReader(append([]byte(secret), body...))
		}
		req, err := http.NewRequestWithContext(ctx, method, target, reader)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Cookie", "session="+secret)
		req.Header.Set("X-Service-Token", secret)
		req.Header.Set("X-Fed-Credential", secret)
		s := New(&TokenEndpoint{Token: secret}, WithHTTPClient(w.client), WithRetries(0, 0))
		resp, err := s.Do(req)
		if resp != nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if err != nil {
			if !errors.Is(err, apierror.ErrClient) {
				t.Fatalf("untyped error: %v", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the error shows the secret: %v", err)
			}
		}

		w.mu.Lock()
		hits := w.hits[run]
		delete(w.hits, run)
		w.mu.Unlock()
		if len(hits) == 0 {
			t.Fatal("the first request was not sent")
		}
		firstURL := req.URL
		seenHTTPS := false
		for i, h := range hits {
			hopURL := *firstURL
			hopURL.Scheme, hopURL.Host = h.scheme, h.host
			if seenHTTPS && h.scheme != "https" {
				t.Fatalf("hop %d of %v went from https to http", i, hops)
			}
			seenHTTPS = seenHTTPS || h.scheme == "https"
			if origin.Same(firstURL, &hopURL) {
				continue
			}
			if len(h.body) > 0 {
				t.Fatalf("hop %d of %v (%s %s): the body reached another origin", i, hops, method, h.host)
			}
			for name, vals := range h.header {
				for _, v := range vals {
					if strings.Contains(v, secret) {
						t.Fatalf("hop %d of %v (%s %s): header %s reached another origin", i, hops, method, h.host, name)
					}
				}
			}
		}
	})
}
