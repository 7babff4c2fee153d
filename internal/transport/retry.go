package transport

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// Backoff is the wait before retry n (from 0): base·2ⁿ capped at maxDelay,
// of which a random part between half and all is taken, so that clients
// that failed together do not come back together.
func Backoff(n int, base, maxDelay time.Duration) time.Duration {
	d := base
	for range n {
		if d >= maxDelay/2 {
			d = maxDelay
			break
		}
		d *= 2
	}
	d = min(d, maxDelay)
	half := d / 2
	return half + rand.N(half+1)
}

// Idempotent reports whether sending a request with method twice does what
// sending it once does, so that a lost answer may be asked for again.
func Idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// StatusRetriable reports whether an answer with status may be asked for
// again: a retriable status, on a method that may be repeated.
func StatusRetriable(req *http.Request, status int, statuses []int, nonIdempotent bool) bool {
	return slices.Contains(statuses, status) && (nonIdempotent || Idempotent(req.Method))
}

// ErrorRetriable reports whether a failed exchange may be tried again: a
// connection failure (never a TLS one, which a retry cannot mend) while the
// request's context is alive, and, unless the request never reached the
// server, on a method that may be repeated.
func ErrorRetriable(req *http.Request, err error, nonIdempotent bool) bool {
	if req.Context().Err() != nil {
		return false
	}
	var terr *apierror.TransportError
	if !errors.As(err, &terr) || errors.Is(err, apierror.ErrSSL) || !errors.Is(err, apierror.ErrConnection) {
		return false
	}
	if neverSent(err) {
		return true
	}
	return nonIdempotent || Idempotent(req.Method)
}

// neverSent reports whether err happened while connecting, so the server
// cannot have seen the request.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// RetryAfter reads the answer's Retry-After, for the statuses that carry one.
func RetryAfter(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	return apierror.ParseRetryAfter(v, time.Now())
}

// Fits reports whether waiting d leaves the context's deadline ahead.
func Fits(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

// Sleep waits d or until ctx is done.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
