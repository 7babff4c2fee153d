package auth

import (
	"context"
	"errors"
	"fmt"
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

// fakeClock is a local clock that moves only when the test says so.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	// A whole second, as a Date header shows it.
	return &fakeClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func withClock(now func() time.Time) Option { return func(s *Session) { s.now = now } }

// clockedKeystone is a Keystone double that keeps its own clock (the test's
// fake clock plus a skew): it dates its answers and tokens by it, and
// refuses (401) a token that is unknown, revoked or expired by it.
type clockedKeystone struct {
	*httptest.Server
	local    func() time.Time // the client's clock
	skew     time.Duration    // Keystone's clock minus the client's
	lifetime time.Duration
	// undated answers carry no Date header, as uWSGI's HTTP socket's.
	undated bool

	tokenRequests atomic.Int32
	// onTokenRequest, when set, sees each token request first.
	onTokenRequest func(r *http.Request)
	// authStatus, when not 0, is the status token requests are answered
	// with; -1 drops the connection instead.
	authStatus atomic.Int32
	// hold, when set, keeps token requests waiting until release is
	// closed; each one signals held first.
	hold    atomic.Bool
	held    chan struct{}
	release chan struct{}

	mu      sync.Mutex
	expires map[string]time.Time
	latest  string // the newest token issued
	// expiredSent counts API requests that carried a token past its
	// expiry by Keystone's clock.
	expiredSent int
	sent        []string
}

// newClockedKeystone starts the double, configured first by configure
// (its handlers read the configuration without locking).
func newClockedKeystone(t *testing.T, local func() time.Time, configure ...func(*clockedKeystone)) *clockedKeystone {
	ks := &clockedKeystone{local: local, lifetime: time.Hour, expires: map[string]time.Time{},
		held: make(chan struct{}, 64), release: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		if ks.onTokenRequest != nil {
			ks.onTokenRequest(r)
		}
		n := ks.tokenRequests.Add(1)
		if ks.hold.Load() {
			ks.held <- struct{}{}
			select {
			case <-ks.release:
			case <-r.Context().Done():
				return
			}
		}
		ks.date(w)
		switch status := int(ks.authStatus.Load()); {
		case status == -1:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		case status != 0:
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"error":{"code":%d,"title":"Failure","message":"token requests fail"}}`, status)
			return
		}
		now := ks.now()
		tok := fmt.Sprintf("tok-%d", n)
		ks.mu.Lock()
		ks.expires[tok] = now.Add(ks.lifetime)
		ks.latest = tok
		ks.mu.Unlock()
		w.Header().Set("X-Subject-Token", tok)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u1","name":"alice","domain":{"id":"default","name":"Default"},"password_expires_at":null},
			"audit_ids":["a%d"],"expires_at":%q,"issued_at":%q,"project":{"id":"p1","name":"demo","domain":{"id":"default","name":"Default"}},
			"roles":[{"id":"r1","name":"member"}],"catalog":[]}}`,
			n, now.Add(ks.lifetime).Format("2006-01-02T15:04:05.000000Z"), now.Format("2006-01-02T15:04:05.000000Z"))
	})
	mux.HandleFunc("GET /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		ks.date(w)
		tok := r.Header.Get("X-Auth-Token")
		ks.mu.Lock()
		exp, known := ks.expires[tok]
		expired := known && !ks.now().Before(exp)
		if expired {
			ks.expiredSent++
		}
		ks.sent = append(ks.sent, tok)
		ks.mu.Unlock()
		if !known || expired {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"projects":[]}`)
	})
	for _, c := range configure {
		c(ks)
	}
	ks.Server = httptest.NewServer(mux)
	t.Cleanup(func() {
		ks.hold.Store(false)
		select {
		case <-ks.release:
		default:
			close(ks.release)
		}
		ks.Close()
	})
	return ks
}

func (ks *clockedKeystone) now() time.Time { return ks.local().Add(ks.skew) }

func (ks *clockedKeystone) date(w http.ResponseWriter) {
	if ks.undated {
		w.Header()["Date"] = nil // net/http adds none then
		return
	}
	w.Header().Set("Date", ks.now().UTC().Format(http.TimeFormat))
}

// revokeAll forgets every token, as a Keystone restarted with new fernet
// keys does.
func (ks *clockedKeystone) revokeAll() {
	ks.mu.Lock()
	clear(ks.expires)
	ks.mu.Unlock()
}

func (ks *clockedKeystone) sentTokens() []string {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return append([]string(nil), ks.sent...)
}

const refreshTestPassword = "pw-never-logged-5d1f"

func (ks *clockedKeystone) plugin() *Password {
	return &Password{AuthURL: ks.URL + "/v3", Username: "alice", UserDomainID: "default", Password: refreshTestPassword,
		Scope: Scope{ProjectName: "demo", ProjectDomainID: "default"}}
}

func (ks *clockedKeystone) session(t *testing.T, log *lockedBuffer, opts ...Option) *Session {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	base := []Option{WithHTTPClient(&http.Client{Transport: tr}), withClock(ks.local)}
	if log != nil {
		base = append(base, WithLogger(debugLogger(log)))
	}
	return New(ks.plugin(), append(base, opts...)...)
}

func (ks *clockedKeystone) call(ctx context.Context, s *Session) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ks.URL+"/v3/projects", nil)
	if err != nil {
		return err
	}
	resp, err := s.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// authenticated is a session with a token from ks, whose clock is clk's,
// and the context of the test.
func authenticated(t *testing.T, opts ...Option) (*fakeClock, *clockedKeystone, *Session, context.Context) {
	clk := newFakeClock()
	ks := newClockedKeystone(t, clk.Now)
	s := ks.session(t, nil, opts...)
	ctx := bg(t)
	require.NoError(t, ks.call(ctx, s))
	return clk, ks, s, ctx
}

// waitAdvisory waits for the background renewal the session started, if
// any.
func (s *Session) waitAdvisory() { s.advisory.done.Wait() }

// A token with 60 s left and a Keystone that fails the renewal: every
// caller is served with the token in hand, the failure is logged (without
// the password) and tried again only after a back-off.
func TestAdvisoryRefreshFailureIsNeverReturned(t *testing.T) {
	clk := newFakeClock()
	ks := newClockedKeystone(t, clk.Now)
	var log lockedBuffer
	s := ks.session(t, &log)
	ctx := bg(t)
	require.NoError(t, ks.call(ctx, s))
	first := s.current().Token

	clk.Advance(ks.lifetime - time.Minute)
	ks.authStatus.Store(http.StatusServiceUnavailable)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() { errs <- ks.call(ctx, s) })
	}
	wg.Wait()
	s.waitAdvisory()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.EqualValues(t, 2, ks.tokenRequests.Load(), "one background renewal for 32 callers")
	for _, tok := range ks.sentTokens() {
		assert.Equal(t, first, tok)
	}
	assert.Contains(t, log.String(), "advisory token refresh failed")
	assert.Contains(t, log.String(), "503")
	assert.NotContains(t, log.String(), refreshTestPassword)

	// Within the back-off, callers do not try again.
	require.NoError(t, ks.call(ctx, s))
	s.waitAdvisory()
	assert.EqualValues(t, 2, ks.tokenRequests.Load())

	// After it, one does; and once Keystone answers, the new token is used.
	ks.authStatus.Store(0)
	clk.Advance(advisoryRetryFirst)
	require.NoError(t, ks.call(ctx, s))
	s.waitAdvisory()
	assert.EqualValues(t, 3, ks.tokenRequests.Load())
	require.NoError(t, ks.call(ctx, s))
	sent := ks.sentTokens()
	assert.NotEqual(t, first, sent[len(sent)-1])
	assert.Zero(t, ks.expiredSent)
}

// The back-off doubles after each failure, up to its cap.
func TestAdvisoryBackOffDoubles(t *testing.T) {
	clk, ks, s, ctx := authenticated(t, WithRefreshMargin(10*time.Minute))
	clk.Advance(ks.lifetime - 9*time.Minute)
	ks.authStatus.Store(-1) // Keystone drops the connection
	wantWait := advisoryRetryFirst
	for i := range 7 {
		before := ks.tokenRequests.Load()
		require.NoError(t, ks.call(ctx, s))
		s.waitAdvisory()
		require.Equal(t, before+1, ks.tokenRequests.Load(), "try %d", i)
		clk.Advance(wantWait - time.Millisecond)
		require.NoError(t, ks.call(ctx, s))
		s.waitAdvisory()
		require.Equal(t, before+1, ks.tokenRequests.Load(), "no try before %v", wantWait)
		clk.Advance(time.Millisecond)
		wantWait = min(2*wantWait, advisoryRetryMax)
	}
	assert.Equal(t, advisoryRetryMax, wantWait)
}

// While one goroutine renews the token in the advisory window, the others
// do not wait for it: they all finish while the token request is held.
func TestAdvisoryRefreshDoesNotMakeCallersWait(t *testing.T) {
	clk, ks, s, ctx := authenticated(t)
	clk.Advance(ks.lifetime - 90*time.Second)
	ks.hold.Store(true)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 32 {
		wg.Go(func() {
			if ks.call(ctx, s) != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait() // returns although the renewal is still held
	<-ks.held
	assert.Zero(t, failed.Load())
	assert.EqualValues(t, 2, ks.tokenRequests.Load())

	ks.hold.Store(false)
	close(ks.release)
	s.waitAdvisory()
	require.NoError(t, ks.call(ctx, s))
	assert.EqualValues(t, 2, ks.tokenRequests.Load(), "one token request however many goroutines")
	sent := ks.sentTokens()
	assert.Equal(t, "tok-2", sent[len(sent)-1])
}

// Within the mandatory window the token is not sent: callers wait for the
// renewal and, when it fails, get a typed error that names the cause.
func TestMandatoryRefreshFailureIsTyped(t *testing.T) {
	cases := map[string]struct {
		advance  time.Duration // from issue
		status   int32
		reason   string
		causeIs  error
		causeMsg string
	}{
		"5 s left, Keystone answers 503": {time.Hour - 5*time.Second, http.StatusServiceUnavailable,
			"the token expires within the mandatory refresh margin", apierror.ErrServiceUnavailable, "503"},
		"expired, Keystone drops the connection": {time.Hour + time.Minute, -1,
			"the token has expired", apierror.ErrConnection, "EOF"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			clk := newFakeClock()
			ks := newClockedKeystone(t, clk.Now)
			s := ks.session(t, nil, WithRetries(0, 0))
			ctx := bg(t)
			require.NoError(t, ks.call(ctx, s))
			old := s.current()
			clk.Advance(tc.advance)
			ks.authStatus.Store(tc.status)

			err := ks.call(ctx, s)
			require.Error(t, err)
			assert.ErrorIs(t, err, apierror.ErrTokenRefresh)
			assert.ErrorIs(t, err, apierror.ErrAuthorization)
			assert.ErrorIs(t, err, tc.causeIs)
			var re *apierror.TokenRefreshError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tc.reason, re.Reason)
			assert.Equal(t, old.ExpiresAt, re.ExpiresAt)
			assert.Contains(t, err.Error(), tc.causeMsg)
			assert.Len(t, ks.sentTokens(), 1, "the token was not sent once within the mandatory margin")
		})
	}
}

// Many callers in the mandatory window make one token request; each waits
// only as long as its own context allows, without cancelling the others'.
func TestMandatoryRefreshIsSingleFlightAndBoundedByContext(t *testing.T) {
	clk, ks, s, ctx := authenticated(t)
	clk.Advance(time.Hour - 2*time.Second)
	ks.hold.Store(true)

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() { errs <- ks.call(ctx, s) })
	}
	<-ks.held
	err := ks.call(short, s)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, apierror.ErrTokenRefresh)

	ks.hold.Store(false)
	close(ks.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.EqualValues(t, 2, ks.tokenRequests.Load())
}

// A caller that reaches the mandatory window while the background renewal
// runs waits for that renewal instead of starting another.
func TestMandatoryCallerJoinsTheAdvisoryRefresh(t *testing.T) {
	clk, ks, s, ctx := authenticated(t)
	clk.Advance(time.Hour - time.Minute)
	ks.hold.Store(true)
	require.NoError(t, ks.call(ctx, s)) // starts the renewal, served with the old token
	<-ks.held
	clk.Advance(55 * time.Second)
	done := make(chan error, 1)
	go func() { done <- ks.call(ctx, s) }()
	ks.hold.Store(false)
	close(ks.release)
	require.NoError(t, <-done)
	s.waitAdvisory()
	assert.EqualValues(t, 2, ks.tokenRequests.Load())
	sent := ks.sentTokens()
	assert.Equal(t, "tok-2", sent[len(sent)-1])
}

func TestRefreshMarginOptions(t *testing.T) {
	clk := newFakeClock()
	ks := newClockedKeystone(t, clk.Now)
	s := ks.session(t, nil, WithRefreshMargin(30*time.Minute), WithMandatoryRefreshMargin(5*time.Minute))
	require.NoError(t, s.Err())
	ctx := bg(t)
	a, err := s.AccessInfo(ctx)
	require.NoError(t, err)
	for _, tc := range []struct {
		left time.Duration
		want refreshNeed
	}{
		{31 * time.Minute, tokenFresh}, {29 * time.Minute, tokenAdvisory}, {6 * time.Minute, tokenAdvisory},
		{5 * time.Minute, tokenMandatory}, {-time.Minute, tokenMandatory},
	} {
		at := &fakeClock{now: a.ExpiresAt.Add(-tc.left)}
		s.now = at.Now
		assert.Equal(t, tc.want, s.refreshNeed(a), "%v left", tc.left)
	}

	for _, o := range []Option{WithRefreshMargin(-time.Second), WithMandatoryRefreshMargin(-time.Second)} {
		bad := ks.session(t, nil, o)
		require.Error(t, bad.Err())
		assert.ErrorIs(t, bad.Err(), apierror.ErrInvalidConfig)
		assert.ErrorIs(t, ks.call(ctx, bad), apierror.ErrInvalidConfig)
	}
}

// A client clock minutes off Keystone's: the session judges tokens by
// Keystone's clock (Date, issued_at), so that ahead it does not renew on
// every call (the token looks expired at birth) and behind it never sends
// a token Keystone considers expired.
func TestClockSkew(t *testing.T) {
	for _, tc := range []struct {
		skew    time.Duration
		undated bool
	}{{-7 * time.Minute, false}, {7 * time.Minute, false}, {0, false}, {-7 * time.Minute, true}, {7 * time.Minute, true}} {
		skew := tc.skew
		t.Run(fmt.Sprintf("Keystone %v from the client, Date header %v", skew, !tc.undated), func(t *testing.T) {
			clk := newFakeClock()
			ks := newClockedKeystone(t, clk.Now, func(ks *clockedKeystone) {
				ks.skew, ks.undated = skew, tc.undated
				ks.lifetime = 3 * time.Minute // windows: 90 s advisory, 10 s mandatory
			})
			s := ks.session(t, nil)
			ctx := bg(t)
			const step, span = 5 * time.Second, 15 * time.Minute
			for elapsed := time.Duration(0); elapsed < span; elapsed += step {
				require.NoError(t, ks.call(ctx, s))
				s.waitAdvisory()
				clk.Advance(step)
			}
			// A token is renewed once it has 90 s left of 180: at most one
			// token request per 90 s, plus the first.
			maxRequests := int32(span/(ks.lifetime/2)) + 1
			assert.LessOrEqual(t, ks.tokenRequests.Load(), maxRequests, "no refresh loop")
			assert.GreaterOrEqual(t, ks.tokenRequests.Load(), int32(span/ks.lifetime), "tokens were renewed")
			assert.Zero(t, ks.expiredSent, "no expired token sent")
			assert.InDelta(t, skew.Seconds(), s.serverClock.get().Seconds(), 1)
		})
	}
}

// Keystone restarted with new fernet keys refuses every token it issued:
// the session re-authenticates once, however many goroutines met the 401,
// and goes on; if that renewal fails the callers get a typed error.
func TestRejectedTokenIsRenewedOnce(t *testing.T) {
	_, ks, s, ctx := authenticated(t, WithRetries(0, 0))
	ks.revokeAll()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 32 {
		wg.Go(func() {
			if err := ks.call(ctx, s); err != nil {
				t.Log(err)
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Zero(t, failed.Load())
	assert.EqualValues(t, 2, ks.tokenRequests.Load())

	ks.revokeAll()
	ks.authStatus.Store(http.StatusServiceUnavailable)
	err := ks.call(ctx, s)
	var re *apierror.TokenRefreshError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "Keystone refused the token", re.Reason)
	assert.ErrorIs(t, err, apierror.ErrServiceUnavailable)
	assert.True(t, strings.HasPrefix(err.Error(), "token refresh failed: Keystone refused the token"), err.Error())
	assert.False(t, errors.Is(err, apierror.ErrUnauthorized), "the cause is the failed renewal, not the 401")
}
