package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// Defaults of the refresh windows (see WithRefreshMargin and
// WithMandatoryRefreshMargin).
const (
	// DefaultMandatoryRefreshMargin is how long before expiry a token stops
	// being sent: a request needs a moment to reach a service and be
	// validated there, and a token that expires on the way is a 401.
	DefaultMandatoryRefreshMargin = 10 * time.Second

	// The back-off between failed advisory refreshes: doubling from the
	// first to the last, so that a Keystone that is down is not hammered by
	// every session that holds a token, and a short outage is over before
	// the next try.
	advisoryRetryFirst = time.Second
	advisoryRetryMax   = 30 * time.Second
)

// refreshNeed says what a token still serves for.
type refreshNeed int

const (
	// tokenFresh: send it, nothing to do.
	tokenFresh refreshNeed = iota
	// tokenAdvisory: send it, and renew it in the background.
	tokenAdvisory
	// tokenMandatory: too close to its expiry (or past it) to be sent;
	// the caller waits for a new one.
	tokenMandatory
)

// WithRefreshMargin sets the advisory refresh window: once the token has
// less than d left (default 120 s), one goroutine renews it in the
// background while every caller goes on with the current token. A renewal
// that fails there is logged (at warn) and tried again after a back-off
// (1 s doubling to 30 s); it is never returned to a caller, since the token
// in hand still serves. A negative d is a configuration error (Err).
func WithRefreshMargin(d time.Duration) Option {
	return func(s *Session) { s.setMargin(&s.refreshMargin, "WithRefreshMargin", d) }
}

// WithMandatoryRefreshMargin sets the mandatory refresh window: once the
// token has less than d left (default 10 s), or has expired, it is no longer
// sent; callers wait for the new one, each bounded by its own context, and
// if the renewal fails they get an *apierror.TokenRefreshError
// (errors.Is(err, apierror.ErrTokenRefresh)) wrapping the cause. A margin
// wider than the advisory one makes the advisory window empty. A negative d
// is a configuration error (Err).
//
// For a token whose lifetime (expires_at - issued_at) is short, the windows
// shrink to at most half (advisory) and a quarter (mandatory) of it, so that
// a new token is never born inside its own refresh window, which would
// renew it on every call.
func WithMandatoryRefreshMargin(d time.Duration) Option {
	return func(s *Session) { s.setMargin(&s.mandatoryMargin, "WithMandatoryRefreshMargin", d) }
}

// setMargin sets *margin to d, or records the mistake of a negative d.
func (s *Session) setMargin(margin *time.Duration, option string, d time.Duration) {
	if d < 0 {
		s.setConfigErr(fmt.Errorf("%w: %s(%v): the margin must not be negative", apierror.ErrInvalidConfig, option, d))
		return
	}
	*margin = d
}

// setConfigErr keeps the first configuration mistake: the one the user
// will look for first.
func (s *Session) setConfigErr(err error) {
	if s.configErr == nil {
		s.configErr = err
	}
}

// windows are the advisory and mandatory margins for a.
func (s *Session) windows(a *AccessInfo) (advisory, mandatory time.Duration) {
	advisory, mandatory = s.refreshMargin, s.mandatoryMargin
	if !a.IssuedAt.IsZero() {
		if life := a.ExpiresAt.Sub(a.IssuedAt); life > 0 {
			advisory = min(advisory, life/2)
			mandatory = min(mandatory, life/4)
		}
	}
	return max(advisory, mandatory), mandatory
}

// refreshNeed judges a against Keystone's clock as this session estimates
// it, so that a local clock minutes off neither renews every token at
// once nor sends expired ones.
func (s *Session) refreshNeed(a *AccessInfo) refreshNeed {
	if a == nil {
		return tokenMandatory
	}
	if a.ExpiresAt.IsZero() {
		return tokenFresh
	}
	advisory, mandatory := s.windows(a)
	left := a.ExpiresAt.Sub(s.serverNow())
	switch {
	case left <= mandatory:
		return tokenMandatory
	case left <= advisory:
		return tokenAdvisory
	}
	return tokenFresh
}

// refreshError is the error of a caller that had to wait for a new token
// in place of old and did not get one.
func (s *Session) refreshError(old *AccessInfo, reason string, err error) error {
	if reason == "" {
		reason = "the token expires within the mandatory refresh margin"
		if !old.ExpiresAt.IsZero() && !s.serverNow().Before(old.ExpiresAt) {
			reason = "the token has expired"
		}
	}
	return &apierror.TokenRefreshError{ExpiresAt: old.ExpiresAt, Reason: reason, Err: err}
}

// refusedReason is the Reason of a TokenRefreshError after a 401.
const refusedReason = "Keystone refused the token"

// refuse drops a token Keystone refused, so that no caller sends it
// again, and tells a plugin that keeps tokens elsewhere (the file cache).
func (s *Session) refuse(ctx context.Context, a *AccessInfo) {
	s.mu.Lock()
	if s.access == a {
		s.access, s.refused = nil, a
	}
	s.mu.Unlock()
	if r, ok := s.plugin.(tokenRejecter); ok {
		r.tokenRejected(ctx, a)
	}
}

func (s *Session) lastRefused() *AccessInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.refused
}

// advisoryRefresh is the state of the background renewal: at most one runs
// at a time, and after a failure the next waits for retryAt.
type advisoryRefresh struct {
	mu       sync.Mutex
	running  bool
	failures int
	retryAt  time.Time // on the local clock
	// done lets tests wait for a renewal they caused.
	done sync.WaitGroup
}

// refreshInBackground renews the token in a goroutine of its own, unless a
// renewal is running or the back-off after a failed one has not passed.
// The renewal goes through the same single flight as the callers', so a
// caller that reaches the mandatory window meanwhile waits for this one
// rather than starting another.
func (s *Session) refreshInBackground(ctx context.Context, old *AccessInfo) {
	r := &s.advisory
	r.mu.Lock()
	if r.running || s.now().Before(r.retryAt) {
		r.mu.Unlock()
		return
	}
	r.running = true
	r.done.Add(1)
	r.mu.Unlock()
	// The caller's values (secret headers, request id) go along, its
	// deadline does not: the renewal is for every caller.
	bctx := context.WithoutCancel(ctx)
	go func() {
		defer r.done.Done()
		growStack(0)
		_, err := s.authenticate(bctx, nil)
		r.mu.Lock()
		r.running = false
		var wait time.Duration
		if err != nil {
			r.failures++
			wait = min(advisoryRetryFirst<<min(r.failures-1, 16), advisoryRetryMax)
			r.retryAt = s.now().Add(wait)
		} else {
			r.failures, r.retryAt = 0, time.Time{}
		}
		failures := r.failures
		r.mu.Unlock()
		if err != nil {
			s.logger.LogAttrs(bctx, slog.LevelWarn, "advisory token refresh failed; the current token stays in use",
				slog.Time("expires_at", old.ExpiresAt), slog.Int("failures", failures),
				slog.Duration("retry_in", wait), slog.String("error", err.Error()))
		}
	}()
}

// serverClock estimates Keystone's clock as an offset from this machine's:
// from the Date header of every answer when the server sends one, and
// otherwise from the issued_at of each new token (uWSGI's HTTP socket,
// which many Keystones answer through, sends no Date). Every request reads
// the offset, so it is an atomic; a Date header is parsed only when it
// differs from the last one (a busy session sees the same second many
// times, and within it the offset cannot move by dateResolution).
type serverClock struct {
	offset atomic.Int64 // Keystone's clock minus the local one, in nanoseconds
	dated  atomic.Bool  // the offset comes from a Date header

	mu       sync.Mutex
	lastDate string
}

// dateResolution is what a Date header or issued_at (whole seconds, in
// Keystone's case) and a round trip cannot tell apart from no offset at
// all.
const dateResolution = 2 * time.Second

func roundOffset(d time.Duration) time.Duration {
	if d > -dateResolution && d < dateResolution {
		return 0
	}
	return d
}

// observeDate takes the Date header of an answer received at local time
// received. It replaces the estimate rather than averaging it, so that a
// local clock that jumps is followed at the next new Date.
func (c *serverClock) observeDate(date string, received time.Time) {
	if date == "" {
		return
	}
	c.mu.Lock()
	seen := date == c.lastDate
	c.lastDate = date
	c.mu.Unlock()
	if seen {
		return
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return
	}
	c.offset.Store(int64(roundOffset(t.Sub(received))))
	c.dated.Store(true)
}

// observeIssued takes a token Keystone issued at issued in answer to a
// request sent at local time sent, when no answer has carried a Date.
// Measuring from the request rather than the answer errs towards a later
// Keystone clock: tokens are judged to expire early rather than late.
func (c *serverClock) observeIssued(issued, sent time.Time) {
	if issued.IsZero() || c.dated.Load() {
		return
	}
	c.offset.Store(int64(roundOffset(issued.Sub(sent))))
}

func (c *serverClock) get() time.Duration { return time.Duration(c.offset.Load()) }

// serverNow is the session's estimate of Keystone's clock now.
func (s *Session) serverNow() time.Time { return s.now().Add(s.serverClock.get()) }
