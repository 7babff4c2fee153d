package auth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// Version is this SDK's version, as sent in the User-Agent header.
const Version = "0.1.0"

// Defaults of a Session.
const (
	DefaultRefreshMargin   = 120 * time.Second
	DefaultAuthTimeout     = 60 * time.Second
	DefaultMaxResponseSize = 64 << 20
	DefaultMaxRedirects    = 10
	DefaultDiscoveryTTL    = 10 * time.Minute
)

// Session sends requests with a token that it obtains, keeps and renews
// through its Plugin. It is safe for concurrent use; share one per identity.
type Session struct {
	plugin        Plugin
	client        *http.Client
	logger        *slog.Logger
	refreshMargin time.Duration
	authTimeout   time.Duration
	maxResponse   int64
	userAgent     string
	discovery     *catalog.Discovery

	mu     sync.RWMutex
	access *AccessInfo
	flight singleflight.Group
}

// Option configures a Session.
type Option func(*Session)

// WithHTTPClient sends through c (its Transport, Timeout and Jar); the
// Session installs its own redirect policy on a copy of it.
func WithHTTPClient(c *http.Client) Option { return func(s *Session) { s.client = c } }

// WithLogger logs each request at debug level to l. Tokens and other
// secrets are never logged.
func WithLogger(l *slog.Logger) Option { return func(s *Session) { s.logger = l } }

// WithRefreshMargin renews the token when it has less than d left
// (default 120 s).
func WithRefreshMargin(d time.Duration) Option { return func(s *Session) { s.refreshMargin = d } }

// WithAuthTimeout bounds one authentication request (default 60 s), which
// runs on behalf of every goroutine waiting for it.
func WithAuthTimeout(d time.Duration) Option { return func(s *Session) { s.authTimeout = d } }

// WithMaxResponseSize bounds the body read of any one answer (default 64 MiB).
func WithMaxResponseSize(n int64) Option { return func(s *Session) { s.maxResponse = n } }

// WithUserAgent puts the application's name and version in front of the
// SDK's own User-Agent.
func WithUserAgent(app, version string) Option {
	return func(s *Session) {
		if app != "" {
			ua := app
			if version != "" {
				ua += "/" + version
			}
			s.userAgent = ua + " " + s.userAgent
		}
	}
}

// WithDiscovery shares a version-discovery cache between sessions.
func WithDiscovery(d *catalog.Discovery) Option { return func(s *Session) { s.discovery = d } }

// WithAccessInfo starts the Session with a token obtained earlier.
func WithAccessInfo(a *AccessInfo) Option { return func(s *Session) { s.access = a } }

// New returns a Session that authenticates with plugin when it first needs
// a token. It makes no request itself.
func New(plugin Plugin, opts ...Option) *Session {
	s := &Session{
		plugin:        plugin,
		client:        http.DefaultClient,
		logger:        slog.New(slog.DiscardHandler),
		refreshMargin: DefaultRefreshMargin,
		authTimeout:   DefaultAuthTimeout,
		maxResponse:   DefaultMaxResponseSize,
		userAgent:     fmt.Sprintf("keystone-go/%s %s", Version, strings.Replace(runtime.Version(), "go", "Go/", 1)),
	}
	for _, o := range opts {
		o(s)
	}
	if s.discovery == nil {
		s.discovery = catalog.NewDiscovery(DefaultDiscoveryTTL)
	}
	c := *s.client
	c.CheckRedirect = stripCredentialsOnRedirect(s.client.CheckRedirect)
	s.client = &c
	return s
}

// Discovery is the version-discovery cache of the Session.
func (s *Session) Discovery() *catalog.Discovery { return s.discovery }

// HTTPClient is the client the Session sends with.
func (s *Session) HTTPClient() *http.Client { return s.client }

// AccessInfo returns the current token, authenticating first when there is
// none or it expires within the refresh margin.
func (s *Session) AccessInfo(ctx context.Context) (*AccessInfo, error) {
	if a := s.current(); a != nil && !a.WillExpireSoon(s.refreshMargin) {
		return a, nil
	}
	return s.authenticate(ctx, nil)
}

// Token returns the current token string, authenticating when needed.
func (s *Session) Token(ctx context.Context) (string, error) {
	a, err := s.AccessInfo(ctx)
	if err != nil {
		return "", err
	}
	return a.Token, nil
}

// Invalidate drops the current token; the next request authenticates again.
func (s *Session) Invalidate() {
	s.mu.Lock()
	s.access = nil
	s.mu.Unlock()
}

func (s *Session) current() *AccessInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.access
}

// authenticate gets a new token with one plugin call however many
// goroutines ask at once. stale is the token a 401 was answered to: it is
// replaced even if it has not expired, unless another goroutine already did.
func (s *Session) authenticate(ctx context.Context, stale *AccessInfo) (*AccessInfo, error) {
	if s.plugin == nil {
		return nil, fmt.Errorf("%w: the session has no auth plugin", apierror.ErrMissingAuthPlugin)
	}
	ch := s.flight.DoChan("authenticate", func() (any, error) {
		if a := s.current(); a != nil && (stale == nil || a != stale) && !a.WillExpireSoon(s.refreshMargin) {
			return a, nil
		}
		// The request runs on behalf of every waiter, so one caller giving
		// up must not cancel it for the others.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.authTimeout)
		defer cancel()
		start := time.Now()
		a, err := s.plugin.Authenticate(actx, unauthenticated{s})
		if err != nil {
			s.logger.LogAttrs(ctx, slog.LevelDebug, "authentication failed", slog.Duration("took", time.Since(start)), slog.String("error", err.Error()))
			return nil, err
		}
		if a == nil || a.Token == "" {
			return nil, fmt.Errorf("%w: the plugin returned no token", apierror.ErrAuthorization)
		}
		s.logger.LogAttrs(ctx, slog.LevelDebug, "authenticated",
			slog.Duration("took", time.Since(start)), slog.Time("expires_at", a.ExpiresAt))
		s.mu.Lock()
		s.access = a
		s.mu.Unlock()
		return a, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*AccessInfo), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Do sends req with the Session's token. A 401 drops the token, gets a new
// one and sends req once more (when its body can be replayed). Answers
// outside 2xx and 3xx come back as *apierror.Error, with the body closed.
func (s *Session) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	a, err := s.AccessInfo(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := s.send(req, a.Token)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized && replayable(req) {
		discard(resp)
		fresh, err := s.authenticate(ctx, a)
		if err != nil {
			return nil, err
		}
		retry, err := rewind(req)
		if err != nil {
			return nil, err
		}
		if resp, err = s.send(retry, fresh.Token); err != nil {
			return nil, err
		}
	}
	return s.check(req, resp)
}

// Endpoint finds an endpoint in the token's catalog.
func (s *Session) Endpoint(ctx context.Context, f catalog.Filter) (catalog.Endpoint, error) {
	a, err := s.AccessInfo(ctx)
	if err != nil {
		return catalog.Endpoint{}, err
	}
	return a.Catalog.Lookup(f)
}

// VersionedEndpoint finds an endpoint in the catalog and returns the root
// URL of the given major API version under it, through discovery when the
// catalog URL does not name it.
func (s *Session) VersionedEndpoint(ctx context.Context, f catalog.Filter, major int) (string, error) {
	ep, err := s.Endpoint(ctx, f)
	if err != nil {
		return "", err
	}
	return s.discovery.VersionedURL(ctx, unauthenticated{s}, ep.URL, major)
}

// send makes one attempt, with token when it is not empty.
func (s *Session) send(req *http.Request, token string) (*http.Response, error) {
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", s.userAgent)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		kind := classify(err)
		s.logger.LogAttrs(req.Context(), slog.LevelDebug, "request failed",
			slog.String("method", req.Method), slog.String("url", redactURL(req)),
			slog.Duration("took", time.Since(start)), slog.String("error", kind.Name()))
		return nil, &apierror.TransportError{Kind: kind, Method: req.Method, URL: redactURL(req), Err: err}
	}
	resp.Body = &boundedBody{ReadCloser: resp.Body, left: s.maxResponse}
	s.logger.LogAttrs(req.Context(), slog.LevelDebug, "request",
		slog.String("method", req.Method), slog.String("url", redactURL(req)),
		slog.Int("status", resp.StatusCode), slog.Duration("took", time.Since(start)),
		slog.String("request_id", apierror.RequestID(resp.Header)))
	return resp, nil
}

// maxErrorBody bounds what is read of an error answer.
const maxErrorBody = 64 << 10

func (s *Session) check(req *http.Request, resp *http.Response) (*http.Response, error) {
	if resp.StatusCode < 400 {
		return resp, nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	discard(resp)
	return nil, apierror.FromResponse(resp, req.Method, redactURL(req), body)
}

// unauthenticated is the Doer plugins get: no token, same transport,
// errors and limits as the Session.
type unauthenticated struct{ s *Session }

func (u unauthenticated) Do(req *http.Request) (*http.Response, error) {
	resp, err := u.s.send(req, "")
	if err != nil {
		return nil, err
	}
	return u.s.check(req, resp)
}

func (u unauthenticated) Discovery() *catalog.Discovery { return u.s.discovery }

func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func rewind(req *http.Request) (*http.Request, error) {
	retry := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		retry.Body = body
	}
	return retry, nil
}

// discard drains a little of an unwanted body (so the connection can be
// reused) and closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	_ = resp.Body.Close()
}

// redactURL is the request URL without its query string's values, which
// some APIs use for secrets.
func redactURL(req *http.Request) string {
	u := *req.URL
	u.User = nil
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if sensitiveQuery(k) {
				q.Set(k, "***")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func sensitiveQuery(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"token", "secret", "password", "signature", "key"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// credentialHeaders are removed from a request redirected to another host.
var credentialHeaders = []string{"X-Auth-Token", "X-Subject-Token", "X-Service-Token", "Authorization", "Openstack-Auth-Receipt"}

func stripCredentialsOnRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= DefaultMaxRedirects {
			return fmt.Errorf("stopped after %d redirects", DefaultMaxRedirects)
		}
		if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
			for _, h := range credentialHeaders {
				req.Header.Del(h)
			}
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

// classify maps a transport failure onto the error kinds.
func classify(err error) *apierror.Kind {
	var (
		netErr   net.Error
		certErr  *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		recordEr tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &hostErr),
		errors.As(err, &invalid), errors.As(err, &recordEr):
		return apierror.ErrSSL
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return apierror.ErrTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return apierror.ErrConnectionRefused
	}
	return apierror.ErrUnknownConnection
}

// boundedBody fails a read past the Session's response size limit instead
// of reading an endless body into memory.
type boundedBody struct {
	io.ReadCloser
	left int64
}

// errTooLarge is what reading past the limit returns; it matches
// apierror.ErrResponseTooLarge.
var errTooLarge = fmt.Errorf("%w: the answer is larger than the session's limit", apierror.ErrResponseTooLarge)

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells an exact fit from an overflow.
		var one [1]byte
		if n, _ := b.ReadCloser.Read(one[:]); n > 0 {
			return 0, errTooLarge
		}
		return b.ReadCloser.Read(p)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
