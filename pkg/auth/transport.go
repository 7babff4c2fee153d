package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/keystone-go/keystone/internal/netfail"
	"github.com/keystone-go/keystone/internal/origin"
	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// requestIDHeader carries Keystone's request id on answers, and the
// caller's global request id on requests (oslo.middleware reads it there).
const requestIDHeader = "X-Openstack-Request-Id"

// RequestID is the request id of an answer: X-Openstack-Request-Id, or the
// X-Compute-Request-Id some services send. Errors carry it too
// (apierror.Error.RequestID).
func RequestID(resp *http.Response) string {
	if resp == nil {
		return ""
	}
	return apierror.RequestID(resp.Header)
}

// WithGlobalRequestID sends id as X-Openstack-Request-Id on every request,
// as keystoneauth's global_request_id does, so that the logs of every
// service a user action touches can be joined. OpenStack services accept ids
// of the form "req-" + a UUID.
func WithGlobalRequestID(id string) Option { return func(s *Session) { s.globalRequestID = id } }

type globalRequestIDKey struct{}

// ContextWithGlobalRequestID sends id as X-Openstack-Request-Id on the
// requests made with ctx, overriding the Session's WithGlobalRequestID.
func ContextWithGlobalRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, globalRequestIDKey{}, id)
}

func globalRequestID(ctx context.Context, def string) string {
	if id, ok := ctx.Value(globalRequestIDKey{}).(string); ok {
		return id
	}
	return def
}

// ResponseInfo describes one HTTP exchange the Session made: every attempt
// of a retried request and every hop of a redirect is one.
type ResponseInfo struct {
	Method string
	// URL is the request URL as errors show it: secrets in its query
	// masked, a token in its path hashed.
	URL        string
	StatusCode int // 0 when the exchange failed without an answer
	RequestID  string
	// Elapsed is the time from sending the request to the answer's headers.
	Elapsed time.Duration
	// Attempt counts from 1; a retry is attempt 2 and on.
	Attempt int
	Err     error
}

// WithResponseHook calls fn after every exchange the Session makes (from the
// goroutine that made it; fn must be safe for concurrent use).
func WithResponseHook(fn func(ResponseInfo)) Option { return func(s *Session) { s.hook = fn } }

type hookKey struct{}

type hookList struct {
	fn   func(ResponseInfo)
	next *hookList
}

// ContextWithResponseHook calls fn after every exchange made for requests
// with ctx, in addition to the hooks already there.
func ContextWithResponseHook(ctx context.Context, fn func(ResponseInfo)) context.Context {
	prev, _ := ctx.Value(hookKey{}).(*hookList)
	return context.WithValue(ctx, hookKey{}, &hookList{fn: fn, next: prev})
}

// RequestIDs collects the request ids of the answers to requests made with
// a context from CollectRequestIDs. It is safe for concurrent use.
type RequestIDs struct {
	mu  sync.Mutex
	ids []string
}

// CollectRequestIDs returns a context whose requests' ids (every answer's
// X-Openstack-Request-Id, retries and redirects included) are appended to
// the returned collector.
func CollectRequestIDs(ctx context.Context) (context.Context, *RequestIDs) {
	c := &RequestIDs{}
	return ContextWithResponseHook(ctx, func(r ResponseInfo) {
		if r.RequestID != "" {
			c.mu.Lock()
			c.ids = append(c.ids, r.RequestID)
			c.mu.Unlock()
		}
	}), c
}

// All is every id collected so far, oldest first.
func (c *RequestIDs) All() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.ids...)
}

// Last is the newest id collected, or "".
func (c *RequestIDs) Last() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ids) == 0 {
		return ""
	}
	return c.ids[len(c.ids)-1]
}

// observed reports whether anything watches the exchanges made with ctx,
// so that a call nobody observes does not pay for rendering its URL.
func (s *Session) observed(ctx context.Context) bool {
	return s.timings != nil || s.hook != nil || ctx.Value(hookKey{}) != nil
}

func (s *Session) observe(ctx context.Context, info ResponseInfo) {
	if s.timings != nil {
		s.timings.Add(RequestTiming{Method: info.Method, URL: info.URL, StatusCode: info.StatusCode,
			RequestID: info.RequestID, Elapsed: info.Elapsed, At: time.Now()})
	}
	if s.hook != nil {
		s.hook(info)
	}
	for h, _ := ctx.Value(hookKey{}).(*hookList); h != nil; h = h.next {
		h.fn(info)
	}
}

// redirectStatuses are the answers the Session follows (as keystoneauth; 300
// is a version list, which is an answer in itself).
func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusUseProxy, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// follow sends req and follows redirects up to the Session's limit. Unlike
// net/http it keeps the method and body on 301 and 302 (an API is not a
// browser; keystoneauth does the same) and turns only 303 into a GET. Where
// a redirect may lead is internal/origin's rule: never from https to plain
// http, and to another origin without a credential header and without a
// body; a redirect the rule refuses is an *apierror.CrossOriginError.
func (s *Session) follow(req *http.Request, attempt int) (*http.Response, error) {
	var via []*http.Request
	for {
		resp, err := s.exchange(req, attempt)
		if err != nil {
			return nil, err
		}
		loc := resp.Header.Get("Location")
		if s.maxRedirects == 0 || !isRedirect(resp.StatusCode) || loc == "" {
			return resp, nil
		}
		if len(via) >= s.maxRedirects {
			discard(resp)
			e := apierror.FromResponse(resp, req.Method, redactURL(req), nil)
			e.Message = fmt.Sprintf("stopped after %d redirects (the last to %s)", s.maxRedirects, redact.String(loc))
			return nil, e
		}
		target, err := req.URL.Parse(loc)
		if err != nil {
			discard(resp)
			e := apierror.FromResponse(resp, req.Method, redactURL(req), nil)
			e.Message = "redirect to an invalid Location"
			return nil, e
		}
		next, err := s.redirectRequest(req, target, resp, append(via, req))
		if err != nil {
			if errors.Is(err, http.ErrUseLastResponse) {
				return resp, nil
			}
			discard(resp)
			return nil, err
		}
		if next == nil {
			// The body cannot be sent again: the caller gets the redirect.
			return resp, nil
		}
		discard(resp)
		via = append(via, req)
		req = next
	}
}

func (s *Session) redirectRequest(req *http.Request, target *url.URL, resp *http.Response, via []*http.Request) (*http.Request, error) {
	status := resp.StatusCode
	toGET := status == http.StatusSeeOther && req.Method != http.MethodHead
	chain := make([]*url.URL, len(via))
	for i, r := range via {
		chain[i] = r.URL
	}
	decision, err := origin.Redirect(origin.Hop{Method: req.Method, Chain: chain, Target: target, StatusCode: status,
		RequestID: apierror.RequestID(resp.Header), Body: !toGET && req.Body != nil && req.Body != http.NoBody})
	if err != nil {
		s.logger.LogAttrs(req.Context(), slog.LevelDebug, "redirect not followed", slog.String("error", err.Error()))
		return nil, err
	}
	next := req.Clone(req.Context())
	next.URL = target
	next.Host = ""
	next.RequestURI = ""
	switch {
	case toGET:
		next.Method = http.MethodGet
		next.Body, next.GetBody, next.ContentLength = nil, nil, 0
		next.Header.Del("Content-Type")
		next.Header.Del("Content-Length")
	case req.GetBody != nil:
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		next.Body = body
	case req.Body != nil && req.Body != http.NoBody:
		return nil, nil
	}
	if decision == origin.FollowStripped {
		rulesOf(req.Context()).strip(next.Header)
	}
	if s.userRedirect != nil {
		if err := s.userRedirect(next, via); err != nil {
			if errors.Is(err, http.ErrUseLastResponse) {
				return nil, err
			}
			return nil, &apierror.TransportError{Kind: apierror.ErrUnknownConnection, Method: next.Method, URL: redactURL(next), Err: err}
		}
	}
	return next, nil
}

// exchange makes one HTTP exchange: it waits for the Session's limits, logs,
// times and types it, and bounds the answer's body.
func (s *Session) exchange(req *http.Request, attempt int) (*http.Response, error) {
	ctx := req.Context()
	debug := s.logger.Enabled(ctx, slog.LevelDebug)
	release, err := s.limits.Acquire(ctx)
	if err != nil {
		return nil, &apierror.TransportError{Kind: kindOfContext(err), Method: req.Method, URL: redactURL(req),
			Err: fmt.Errorf("waiting for the session's request limit: %w", err)}
	}
	if debug {
		s.logRequest(ctx, req, attempt)
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	took := time.Since(start)
	if err != nil {
		release()
		kind := netfail.Kind(err)
		terr := &apierror.TransportError{Kind: kind, Method: req.Method, URL: redactURL(req), Err: netfail.Cause(err)}
		s.logger.LogAttrs(ctx, slog.LevelDebug, "http request failed",
			slog.String("method", req.Method), slog.String("url", redactURL(req)), slog.Duration("took", took),
			slog.String("kind", kind.Name()), slog.String("error", terr.Err.Error()))
		s.observe(ctx, ResponseInfo{Method: req.Method, URL: redactURL(req), Elapsed: took, Attempt: attempt, Err: terr})
		return nil, terr
	}
	if resp.Request == nil {
		resp.Request = req
	}
	rid := apierror.RequestID(resp.Header)
	if debug {
		s.logResponse(ctx, req, resp, took)
	}
	resp.Body = &boundedBody{body: resp.Body, left: s.maxResponse, release: release,
		req: req, status: resp.StatusCode, requestID: rid}
	if s.observed(ctx) {
		s.observe(ctx, ResponseInfo{Method: req.Method, URL: redactURL(req), StatusCode: resp.StatusCode,
			RequestID: rid, Elapsed: took, Attempt: attempt})
	}
	return resp, nil
}

func kindOfContext(err error) *apierror.Kind {
	if errors.Is(err, context.DeadlineExceeded) {
		return apierror.ErrTimeout
	}
	return apierror.ErrUnknownConnection
}

// boundedBody is the body of every answer the Session returns: it fails a
// read past the response size limit instead of reading an endless body into
// memory, types the errors of a body that breaks off, and gives the
// Session's concurrency slot back when the body is done.
type boundedBody struct {
	body      io.ReadCloser
	left      int64
	release   func()
	once      sync.Once
	req       *http.Request // for the method and URL of a read error
	status    int
	requestID string
}

// errTooLarge is what reading past the limit returns; it matches
// apierror.ErrResponseTooLarge.
var errTooLarge = fmt.Errorf("%w: the answer is larger than the session's limit", apierror.ErrResponseTooLarge)

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells an exact fit from an overflow.
		var one [1]byte
		n, err := b.body.Read(one[:])
		if n > 0 {
			b.done()
			return 0, errTooLarge
		}
		return 0, b.wrap(err)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.body.Read(p)
	b.left -= int64(n)
	return n, b.wrap(err)
}

func (b *boundedBody) wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case err == io.EOF:
		b.done()
		return io.EOF
	case errors.Is(err, apierror.ErrClient):
		return err
	}
	b.done()
	kind := apierror.ErrIncompleteBody
	if netfail.Kind(err) == apierror.ErrTimeout {
		kind = apierror.ErrTimeout
	}
	return &apierror.TransportError{Kind: kind, Method: b.req.Method, URL: redactURL(b.req), StatusCode: b.status,
		RequestID: b.requestID, Err: fmt.Errorf("reading the answer's body: %w", err)}
}

func (b *boundedBody) done() {
	b.once.Do(func() {
		if b.release != nil {
			b.release()
		}
	})
}

func (b *boundedBody) Close() error {
	b.done()
	return b.body.Close()
}
