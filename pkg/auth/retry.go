package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/keystone-go/keystone/internal/transport"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// RetryPolicy says when the Session sends a request again. Every wait is
// bounded by the request's context: a wait that would outlast its deadline
// is not started, and the last answer (or error) is returned instead.
type RetryPolicy struct {
	// ConnectRetries is how many times a request is sent again after the
	// connection failed (refused, reset, timed out; never a TLS failure). A
	// request that never reached the server is retried whatever its method;
	// one that may have, only when idempotent (or NonIdempotent is set).
	ConnectRetries int
	// StatusRetries is how many times a request answered with one of
	// Statuses is sent again.
	StatusRetries int
	// Statuses are the retriable answers (default 503).
	Statuses []int
	// NonIdempotent also retries POST and PATCH. Keystone's POSTs create
	// things: a retry after an answer that got lost may create two.
	NonIdempotent bool
	// BaseDelay is the first back-off (default 0.5 s, as keystoneauth); it
	// doubles with each retry up to MaxDelay (default 60 s), with jitter:
	// each wait is between half and all of its nominal length.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// A Retry-After on a 429 or 503 (seconds or an HTTP date) replaces the
	// back-off. One longer than MaxRetryAfter (default 60 s) is not waited
	// for: the error goes back to the caller, with apierror.Error.RetryAfter.
	MaxRetryAfter time.Duration
}

// Defaults of RetryPolicy.
const (
	DefaultStatusRetries = 2
	DefaultBaseDelay     = 500 * time.Millisecond
	DefaultMaxDelay      = 60 * time.Second
	DefaultMaxRetryAfter = 60 * time.Second
)

// DefaultRetryPolicy retries a 503 twice on idempotent methods, and no
// connection failure.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{StatusRetries: DefaultStatusRetries, Statuses: []int{http.StatusServiceUnavailable}}
}

// WithRetryPolicy replaces the Session's retry policy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(s *Session) { s.retry = p }
}

// WithRetries sets how many times a request is retried after a connection
// failure and after a retriable status, and which statuses are retriable
// (default 503 only; add 429 to wait out rate limits). WithRetries(0, 0)
// turns retries off.
func WithRetries(connect, status int, statuses ...int) Option {
	return func(s *Session) {
		s.retry.ConnectRetries, s.retry.StatusRetries = max(connect, 0), max(status, 0)
		if len(statuses) > 0 {
			s.retry.Statuses = slices.Clone(statuses)
		}
	}
}

func (p RetryPolicy) baseDelay() time.Duration {
	if p.BaseDelay > 0 {
		return p.BaseDelay
	}
	return DefaultBaseDelay
}

func (p RetryPolicy) maxDelay() time.Duration {
	if p.MaxDelay > 0 {
		return p.MaxDelay
	}
	return DefaultMaxDelay
}

func (p RetryPolicy) maxRetryAfter() time.Duration {
	if p.MaxRetryAfter > 0 {
		return p.MaxRetryAfter
	}
	return DefaultMaxRetryAfter
}

// backoff is the wait before retry n (from 0), as transport.Backoff.
func (p RetryPolicy) backoff(n int) time.Duration {
	return transport.Backoff(n, p.baseDelay(), p.maxDelay())
}

// sendWithRetries sends req, and again as the retry policy allows.
func (s *Session) sendWithRetries(req *http.Request) (*http.Response, error) {
	p := s.retry
	ctx := req.Context()
	connectLeft, statusLeft := p.ConnectRetries, p.StatusRetries
	retries := 0
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			var err error
			if r, err = rewind(req); err != nil {
				return nil, err
			}
		}
		resp, err := s.follow(r, attempt)
		if err != nil {
			if connectLeft <= 0 || !replayable(req) || !transport.ErrorRetriable(r, err, p.NonIdempotent) {
				return nil, err
			}
			d := p.backoff(retries)
			if !transport.Fits(ctx, d) {
				return nil, err
			}
			s.logRetry(ctx, r, attempt, d, slog.String("error", err.Error()))
			if werr := transport.Sleep(ctx, d); werr != nil {
				return nil, fmt.Errorf("%w (gave up waiting to retry: %w)", err, werr)
			}
			connectLeft--
			retries++
			continue
		}
		if statusLeft <= 0 || !replayable(req) || !transport.StatusRetriable(r, resp.StatusCode, p.Statuses, p.NonIdempotent) {
			return resp, nil
		}
		d := p.backoff(retries)
		if ra, ok := transport.RetryAfter(resp); ok {
			if ra > p.maxRetryAfter() {
				return resp, nil
			}
			d = ra
		}
		if !transport.Fits(ctx, d) {
			return resp, nil
		}
		status := resp.StatusCode
		_, lastErr := s.check(r, resp)
		if lastErr == nil {
			discard(resp)
		}
		s.logRetry(ctx, r, attempt, d, slog.Int("status", status), slog.String("request_id", RequestID(resp)))
		if werr := transport.Sleep(ctx, d); werr != nil {
			if lastErr != nil {
				return nil, fmt.Errorf("%w (gave up waiting to retry: %w)", lastErr, werr)
			}
			return nil, &apierror.TransportError{Kind: kindOfContext(werr), Method: r.Method, URL: redactURL(r),
				Err: fmt.Errorf("waiting to retry after %d: %w", status, werr)}
		}
		statusLeft--
		retries++
	}
}

func (s *Session) logRetry(ctx context.Context, req *http.Request, attempt int, d time.Duration, why ...slog.Attr) {
	attrs := append([]slog.Attr{slog.String("method", req.Method), slog.String("url", redactURL(req)),
		slog.Int("attempt", attempt), slog.Duration("wait", d)}, why...)
	s.logger.LogAttrs(ctx, slog.LevelInfo, "retrying request", attrs...)
}
