package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// fakeKeystone issues numbered tokens and accepts only tokens it lists as
// valid, so tests can expire or revoke them at will.
type fakeKeystone struct {
	*httptest.Server
	tokenRequests atomic.Int32
	authDelay     time.Duration
	lifetime      time.Duration
	refuseAuth    atomic.Bool

	mu    sync.Mutex
	valid map[string]bool
	seen  []string // X-Auth-Token of each API request
	last  string
}

func newFake(t *testing.T) *fakeKeystone {
	f := &fakeKeystone{valid: map[string]bool{}, lifetime: time.Hour}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		n := f.tokenRequests.Add(1)
		if f.authDelay > 0 {
			time.Sleep(f.authDelay)
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if f.refuseAuth.Load() {
			w.Header().Set("X-Openstack-Request-Id", "req-refused")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}`)
			return
		}
		tok := fmt.Sprintf("tok-%d", n)
		f.mu.Lock()
		f.valid[tok] = true
		f.last = tok
		f.mu.Unlock()
		now := time.Now().UTC()
		w.Header().Set("X-Subject-Token", tok)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u1","name":"alice","domain":{"id":"default","name":"Default"},"password_expires_at":null},
			"audit_ids":["a%d"],"expires_at":%q,"issued_at":%q,
			"project":{"id":"p1","name":"demo","domain":{"id":"default","name":"Default"}},
			"roles":[{"id":"r1","name":"member"}],
			"catalog":[{"id":"s1","type":"identity","name":"keystone","endpoints":[
				{"id":"e1","interface":"public","region":"RegionOne","region_id":"RegionOne","url":"%s/v3"}]}]}}`,
			n, now.Add(f.lifetime).Format("2006-01-02T15:04:05.000000Z"), now.Format("2006-01-02T15:04:05.000000"), f.URL)
	})
	mux.HandleFunc("/v3/projects", func(w http.ResponseWriter, r *http.Request) {
		tok := r.Header.Get("X-Auth-Token")
		f.mu.Lock()
		f.seen = append(f.seen, tok)
		ok := f.valid[tok]
		f.mu.Unlock()
		w.Header().Set("X-Openstack-Request-Id", "req-"+tok)
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, `{"projects":[],"echo":%q}`, body)
	})
	mux.HandleFunc("/v3/missing", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Openstack-Request-Id", "req-404")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":{"code":404,"title":"Not Found","message":"Could not find project: x."}}`)
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func (f *fakeKeystone) revoke(tok string) {
	f.mu.Lock()
	delete(f.valid, tok)
	f.mu.Unlock()
}

func (f *fakeKeystone) plugin() *Password {
	return &Password{AuthURL: f.URL + "/v3", Username: "alice", UserDomainID: "default", Password: "pw",
		Scope: Scope{ProjectName: "demo", ProjectDomainID: "default"}}
}

func get(t *testing.T, s *Session, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := s.Do(req)
	if resp != nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func TestNewMakesNoRequest(t *testing.T) {
	f := newFake(t)
	New(f.plugin())
	assert.Zero(t, f.tokenRequests.Load())
}

func TestTokenIsReusedUntilItNearsExpiry(t *testing.T) {
	f := newFake(t)
	s := New(f.plugin())
	for range 5 {
		_, err := get(t, s, f.URL+"/v3/projects")
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, f.tokenRequests.Load())

	// A token whose whole life is shorter than the margins is not born
	// inside them: the windows shrink to half and a quarter of its life,
	// so a 60 s token is reused rather than renewed on every call.
	f.lifetime = time.Minute
	short := New(f.plugin())
	for range 3 {
		_, err := get(t, short, f.URL+"/v3/projects")
		require.NoError(t, err)
	}
	assert.EqualValues(t, 2, f.tokenRequests.Load(), "a fresh 60 s token is used, though the margin is 120 s")

	// Within the mandatory margin the token is renewed before the request.
	expiring := New(f.plugin(), WithMandatoryRefreshMargin(2*time.Minute))
	expiring.access = &AccessInfo{Token: "tok-old", ExpiresAt: time.Now().Add(time.Minute)}
	_, err := get(t, expiring, f.URL+"/v3/projects")
	require.NoError(t, err)
	assert.EqualValues(t, 3, f.tokenRequests.Load())
	assert.NotContains(t, f.seen, "tok-old")
}

func TestManyGoroutinesOneTokenRequest(t *testing.T) {
	f := newFake(t)
	f.authDelay = 50 * time.Millisecond
	s := New(f.plugin())
	// An expired token in the session: every goroutine needs a new one.
	s.access = &AccessInfo{Token: "expired", ExpiresAt: time.Now().Add(-time.Minute)}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Go(func() {
			_, err := get(t, s, f.URL+"/v3/projects")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, f.tokenRequests.Load())
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tok := range f.seen {
		assert.Equal(t, "tok-1", tok)
	}
}

func TestReauthenticatesOnceOn401(t *testing.T) {
	f := newFake(t)
	s := New(f.plugin())
	_, err := get(t, s, f.URL+"/v3/projects")
	require.NoError(t, err)
	f.revoke("tok-1")

	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, f.URL+"/v3/projects", strings.NewReader(`{"a":1}`))
	require.NoError(t, err)
	resp, err := s.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(body), `{\"a\":1}`, "the body is sent again on the retry")
	assert.EqualValues(t, 2, f.tokenRequests.Load())
	f.mu.Lock()
	assert.Equal(t, []string{"tok-1", "tok-1", "tok-2"}, f.seen)
	f.mu.Unlock()
}

func TestNo401Loop(t *testing.T) {
	f := newFake(t)
	s := New(f.plugin())
	_, err := get(t, s, f.URL+"/v3/projects")
	require.NoError(t, err)
	// Every token is refused from now on, and the re-authentication itself too.
	f.revoke("tok-1")
	f.refuseAuth.Store(true)
	_, err = get(t, s, f.URL+"/v3/projects")
	require.Error(t, err)
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized))
	var apiErr *apierror.Error
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, "req-refused", apiErr.RequestID)
	assert.EqualValues(t, 2, f.tokenRequests.Load(), "one initial and one re-authentication, no more")

	// A 401 to a request whose new token is also refused is returned, not retried again.
	f.refuseAuth.Store(false)
	s2 := New(f.plugin())
	f.mu.Lock()
	f.valid = map[string]bool{}
	f.mu.Unlock()
	blocked := &refusingAll{fakeKeystone: f}
	s2.client = &http.Client{Transport: blocked}
	_, err = get(t, s2, f.URL+"/v3/projects")
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized))
	assert.EqualValues(t, 2, blocked.apiCalls.Load(), "the request is tried twice at most")
}

// refusingAll lets token requests through and revokes each token right away.
type refusingAll struct {
	*fakeKeystone
	apiCalls atomic.Int32
}

func (r *refusingAll) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.URL.Path, "/auth/tokens") {
		r.apiCalls.Add(1)
		r.mu.Lock()
		r.valid = map[string]bool{}
		r.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestErrorsAreTyped(t *testing.T) {
	f := newFake(t)
	s := New(f.plugin())
	_, err := get(t, s, f.URL+"/v3/missing")
	require.Error(t, err)
	assert.True(t, errors.Is(err, apierror.ErrNotFound))
	var apiErr *apierror.Error
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, "Could not find project: x.", apiErr.Message)
	assert.Equal(t, "req-404", apiErr.RequestID)
	assert.Equal(t, http.MethodGet, apiErr.Method)
	assert.Equal(t, f.URL+"/v3/missing", apiErr.URL)
}

func TestConnectionRefusedIsTyped(t *testing.T) {
	f := newFake(t)
	url := f.URL
	f.Close()
	s := New(&Password{AuthURL: url + "/v3", UserID: "u", Password: "p"})
	_, err := s.AccessInfo(context.Background())
	require.Error(t, err)
	assert.True(t, errors.Is(err, apierror.ErrConnectionRefused), "%v", err)
	assert.True(t, errors.Is(err, apierror.ErrConnection))
}

func TestCallerContextBoundsTheWait(t *testing.T) {
	f := newFake(t)
	f.authDelay = 300 * time.Millisecond
	s := New(f.plugin())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := s.AccessInfo(ctx)
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
	// The authentication goes on for the others and lands in the session.
	a, err := s.AccessInfo(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "tok-1", a.Token)
	assert.EqualValues(t, 1, f.tokenRequests.Load())
}

func TestInvalidate(t *testing.T) {
	f := newFake(t)
	s := New(f.plugin())
	_, err := s.Token(context.Background())
	require.NoError(t, err)
	s.Invalidate()
	tok, err := s.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "tok-2", tok)
}

func TestAccessInfoFromToken(t *testing.T) {
	f := newFake(t)
	a, err := New(f.plugin()).AccessInfo(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "u1", a.UserID())
	assert.Equal(t, "alice", a.Username())
	assert.Equal(t, "p1", a.ProjectID())
	assert.Equal(t, "demo", a.ProjectName())
	assert.Equal(t, []string{"member"}, a.RoleNames())
	assert.Equal(t, []string{"a1"}, a.AuditIDs())
	assert.True(t, a.Scoped())
	assert.WithinDuration(t, time.Now().Add(time.Hour), a.ExpiresAt, 5*time.Second)
	assert.WithinDuration(t, time.Now(), a.IssuedAt, 5*time.Second, "the zone-less issued_at is read as UTC")
	ep, err := a.Catalog.Lookup(catalogFilterIdentity)
	require.NoError(t, err)
	assert.Equal(t, f.URL+"/v3", ep.URL)
}

func TestRedirectToAnotherHostDropsTheToken(t *testing.T) {
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("X-Auth-Token"))
		fmt.Fprint(w, `{}`)
	}))
	defer other.Close()
	f := newFake(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
	})
	redirector := httptest.NewServer(mux)
	defer redirector.Close()

	s := New(f.plugin())
	_, err := get(t, s, redirector.URL+"/v3/projects")
	require.NoError(t, err)
	assert.Equal(t, "", leaked.Load(), "the token must not follow a redirect to another host")
}

func TestResponseSizeIsBounded(t *testing.T) {
	f := newFake(t)
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := strings.Repeat("x", 1<<16)
		for range 64 { // 4 MiB
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	}))
	defer big.Close()
	s := New(f.plugin(), WithMaxResponseSize(1<<20))
	resp, err := get(t, s, big.URL+"/v3/projects")
	require.NoError(t, err)
	_, err = io.ReadAll(resp.Body)
	assert.True(t, errors.Is(err, apierror.ErrResponseTooLarge), "%v", err)
}

func TestNilLoggerMeansNoLogging(t *testing.T) {
	f := newFake(t)
	s := New(f.plugin(), WithLogger(nil))
	_, err := get(t, s, f.URL+"/v3/projects")
	require.NoError(t, err)
}
