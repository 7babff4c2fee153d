package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/keystone-go/keystone/internal/jsonbody"
	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/internal/transport"
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
	// DefaultLogBodyLimit is the largest body logged at debug level.
	DefaultLogBodyLimit = 64 << 10
)

// Session sends requests with a token that it obtains, keeps and renews
// through its Plugin, and is the one place where transport concerns live:
// endpoint resolution, retries and back-off, redirects, limits, TLS, timings,
// typed errors and logging (the service-agnostic mechanisms among them are
// in internal/transport). It is safe for concurrent use; share one per
// identity.
type Session struct {
	plugin        Plugin
	client        *http.Client
	logger        *slog.Logger
	refreshMargin time.Duration
	// mandatoryMargin is the part of the refresh window in which the
	// token is no longer sent (refresh.go).
	mandatoryMargin time.Duration
	authTimeout     time.Duration
	maxResponse     int64
	userAgent       string
	discovery       *catalog.Discovery

	retry           RetryPolicy
	maxRedirects    int
	userRedirect    func(*http.Request, []*http.Request) error
	globalRequestID string
	limits          transport.Limits
	timings         *transport.Record[RequestTiming]
	hook            func(ResponseInfo)
	tls             *TLSOptions
	timeout         time.Duration
	logBodyLimit    int
	interfaces      []string
	region          string
	overrides       map[string]string
	// configErr is a mistake in the options (an unreadable CA file, say),
	// returned by every request.
	configErr error
	// stateKey seals and checks exported state (cacheproof.go).
	stateKey []byte
	// unprovenCache lets cached tokens go to plugins that cannot prove
	// their whole secret (WithUnprovenCache).
	unprovenCache bool
	// initialState is WithState's, imported once every option is applied
	// (the state key and WithUnprovenCache may come after it).
	initialState []byte

	// now is the local clock (a fake one in tests).
	now func() time.Time

	mu     sync.RWMutex
	access *AccessInfo
	// refused is the token Keystone last refused (401), until a new one
	// comes: a caller that then waits for a token and gets none learns
	// why (refreshError).
	refused *AccessInfo
	flight  singleflight.Group
	// advisory is the background renewal; serverClock the estimate of
	// Keystone's clock (refresh.go).
	advisory    advisoryRefresh
	serverClock serverClock
}

// Option configures a Session.
type Option func(*Session)

// WithHTTPClient sends through c (its Transport, Timeout and Jar). The
// Session follows redirects itself; c's CheckRedirect, if any, can still
// veto one.
func WithHTTPClient(c *http.Client) Option { return func(s *Session) { s.client = c } }

// WithLogger logs to l: each request and answer at debug level (with every
// token hashed and every password and secret masked), retries at info, an
// insecure TLS configuration at warn.
func WithLogger(l *slog.Logger) Option {
	return func(s *Session) {
		if l == nil {
			l = slog.New(slog.DiscardHandler) // nil means no logging, not a panic later
		}
		s.logger = l
	}
}

// WithLogBodyLimit logs bodies up to n bytes (default 64 KiB); 0 logs none.
// To log an answer of unknown length at debug level, the Session reads up to
// n bytes of it before handing it over (a streaming answer waits for them).
func WithLogBodyLimit(n int) Option { return func(s *Session) { s.logBodyLimit = n } }

// WithAuthTimeout bounds one authentication request (default 60 s), which
// runs on behalf of every goroutine waiting for it.
func WithAuthTimeout(d time.Duration) Option { return func(s *Session) { s.authTimeout = d } }

// WithTimeout bounds each HTTP exchange, body included (http.Client.Timeout).
// The caller's context bounds the whole call, retries included.
func WithTimeout(d time.Duration) Option { return func(s *Session) { s.timeout = d } }

// WithMaxResponseSize bounds the body read of any one answer (default 64 MiB).
func WithMaxResponseSize(n int64) Option { return func(s *Session) { s.maxResponse = n } }

// WithMaxRedirects follows at most n redirects per request (default 10); a
// further one is an error of kind apierror.ErrHTTPRedirection. With 0 the
// Session follows none and returns the 3xx answer as it is. Whatever the
// limit, a redirect from https to plain http, or one to another origin
// that would re-send the request's body, is not followed but returned as
// an *apierror.CrossOriginError; one to another origin without a body is
// followed without the credential headers.
func WithMaxRedirects(n int) Option { return func(s *Session) { s.maxRedirects = max(n, 0) } }

// WithUserAgent puts the application's name and version in front of the
// SDK's own User-Agent ("myapp/1.2 keystone-go/0.1.0 Go/1.26.0").
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

// WithInterface sets the interface preference of endpoint lookups that do
// not name one (default public): "internal", "admin", "public", or v2's
// "internalURL" ...
func WithInterface(interfaces ...string) Option {
	return func(s *Session) { s.interfaces = append([]string(nil), interfaces...) }
}

// WithRegion sets the region of endpoint lookups that do not name one.
func WithRegion(region string) Option { return func(s *Session) { s.region = region } }

// WithEndpointOverride skips the catalog for one service type (or any of its
// aliases): its endpoint is url.
func WithEndpointOverride(serviceType, url string) Option {
	return func(s *Session) {
		if s.overrides == nil {
			s.overrides = map[string]string{}
		}
		s.overrides[catalog.CanonicalServiceType(serviceType)] = strings.TrimRight(url, "/")
	}
}

// New returns a Session that authenticates with plugin when it first needs
// a token. It makes no request itself.
func New(plugin Plugin, opts ...Option) *Session {
	s := &Session{
		plugin:          plugin,
		client:          http.DefaultClient,
		logger:          slog.New(slog.DiscardHandler),
		refreshMargin:   DefaultRefreshMargin,
		mandatoryMargin: DefaultMandatoryRefreshMargin,
		now:             time.Now,
		authTimeout:     DefaultAuthTimeout,
		maxResponse:     DefaultMaxResponseSize,
		userAgent:       fmt.Sprintf("keystone-go/%s %s", Version, strings.Replace(runtime.Version(), "go", "Go/", 1)),
		retry:           DefaultRetryPolicy(),
		maxRedirects:    DefaultMaxRedirects,
		logBodyLimit:    DefaultLogBodyLimit,
	}
	for _, o := range opts {
		o(s)
	}
	if s.stateKey == nil {
		s.stateKey = NewStateKey()
	}
	if s.initialState != nil {
		_ = s.ImportState(s.initialState) // a state that does not fit is a cache miss
		s.initialState = nil
	}
	if s.discovery == nil {
		s.discovery = catalog.NewDiscovery(DefaultDiscoveryTTL)
	}
	c := *s.client
	// Redirects are followed by the Session (follow), which keeps the
	// method, holds each hop to internal/origin's rule and logs it.
	s.userRedirect = s.client.CheckRedirect
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if s.timeout > 0 {
		c.Timeout = s.timeout
	}
	if s.tls != nil {
		t, err := s.tls.transport(c.Transport)
		if err != nil {
			s.configErr = err
		} else {
			c.Transport = t
		}
		if s.tls.Insecure {
			s.logger.Warn("TLS certificate verification is DISABLED for this session: any server can impersonate Keystone and read its tokens and passwords",
				slog.String("option", "auth.WithTLS(auth.TLSOptions{Insecure: true})"))
		}
	}
	s.client = &c
	return s
}

// Err reports a mistake in the Session's options (an unreadable CA or
// client certificate file, say); every request fails with it too.
func (s *Session) Err() error { return s.configErr }

// Discovery is the version-discovery cache of the Session.
func (s *Session) Discovery() *catalog.Discovery { return s.discovery }

// HTTPClient is the client the Session sends with.
func (s *Session) HTTPClient() *http.Client { return s.client }

// Plugin is the plugin the Session authenticates with.
func (s *Session) Plugin() Plugin { return s.plugin }

// AccessInfo returns the current token, authenticating first when there is
// none or it is within the mandatory refresh margin of its expiry (see
// WithMandatoryRefreshMargin); within the advisory margin it returns the
// current token and renews it in the background (WithRefreshMargin). A
// renewal that the caller waited for and that failed is an
// *apierror.TokenRefreshError wrapping the cause.
func (s *Session) AccessInfo(ctx context.Context) (*AccessInfo, error) {
	a := s.current()
	switch s.refreshNeed(a) {
	case tokenFresh:
		return a, nil
	case tokenAdvisory:
		s.refreshInBackground(ctx, a)
		return a, nil
	}
	fresh, err := s.authenticate(ctx, nil)
	if err != nil {
		if a != nil {
			return nil, s.refreshError(a, "", err)
		}
		if refused := s.lastRefused(); refused != nil {
			return nil, s.refreshError(refused, refusedReason, err)
		}
	}
	return fresh, err
}

// Token returns the current token string, authenticating when needed.
func (s *Session) Token(ctx context.Context) (string, error) {
	a, err := s.AccessInfo(ctx)
	if err != nil {
		return "", err
	}
	return a.Token, nil
}

// tokenRejecter is a plugin that keeps tokens beyond the session (the file
// cache), told when Keystone refuses one so that nobody is handed it again.
type tokenRejecter interface {
	tokenRejected(ctx context.Context, a *AccessInfo)
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
	if s.configErr != nil {
		return nil, s.configErr
	}
	renew := func() (any, error) {
		if a := s.current(); a != nil && (stale == nil || a != stale) && s.refreshNeed(a) == tokenFresh {
			return a, nil
		}
		// The request runs on behalf of every waiter, so one caller giving
		// up must not cancel it for the others.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.authTimeout)
		defer cancel()
		start, sent := time.Now(), s.now()
		a, err := s.plugin.Authenticate(actx, unauthenticated{s})
		if err != nil {
			s.logger.LogAttrs(ctx, slog.LevelDebug, "authentication failed", slog.Duration("took", time.Since(start)), slog.String("error", err.Error()))
			return nil, err
		}
		if !usableAccess(a) {
			return nil, fmt.Errorf("%w: the plugin returned no token", apierror.ErrAuthorization)
		}
		if !a.fromCache {
			s.serverClock.observeIssued(a.IssuedAt, sent)
		}
		s.logger.LogAttrs(ctx, slog.LevelDebug, "authenticated",
			slog.Duration("took", time.Since(start)), slog.Time("expires_at", a.ExpiresAt))
		s.mu.Lock()
		s.access, s.refused = a, nil
		s.mu.Unlock()
		return a, nil
	}
	if ctx.Done() == nil {
		// Nothing can end this caller's wait early, so it may as well run
		// the renewal itself: no goroutine to start and hand over to.
		v, err, _ := s.flight.Do("authenticate", renew)
		if err != nil {
			return nil, err
		}
		return v.(*AccessInfo), nil
	}
	ch := s.flight.DoChan("authenticate", func() (any, error) {
		growStack(0)
		return renew()
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

// Do sends req with the Session's token, retrying and following redirects
// as configured. A 401 drops the token, gets a new one and sends req once
// more (when its body can be replayed). Answers outside 2xx and 3xx come back
// as *apierror.Error, with the body closed; failures of the connection as
// *apierror.TransportError. The body of a successful answer is bounded by
// the response size limit, and a read error from it is typed as well.
func (s *Session) Do(req *http.Request) (*http.Response, error) {
	if s.configErr != nil {
		return nil, s.configErr
	}
	ctx := req.Context()
	a, err := s.AccessInfo(ctx)
	if err != nil {
		return nil, err
	}
	if err := decorateRequest(s.plugin, req, a); err != nil {
		return nil, err
	}
	resp, err := s.send(req, a.Token)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized && replayable(req) {
		discard(resp)
		s.refuse(ctx, a)
		fresh, err := s.authenticate(ctx, a)
		if err != nil {
			return nil, s.refreshError(a, refusedReason, err)
		}
		retry, err := rewind(req)
		if err != nil {
			return nil, err
		}
		if err := decorateRequest(s.plugin, retry, fresh); err != nil {
			return nil, err
		}
		if resp, err = s.send(retry, fresh.Token); err != nil {
			return nil, err
		}
	}
	return s.check(req, resp)
}

// withDefaults completes f with the Session's interface and region.
func (s *Session) withDefaults(f catalog.Filter) catalog.Filter {
	if len(f.Interfaces) == 0 && len(s.interfaces) > 0 {
		f.Interfaces = s.interfaces
	}
	if f.Region == "" {
		f.Region = s.region
	}
	return f
}

// Endpoint finds an endpoint: an override set with WithEndpointOverride, or
// the token's catalog (with the Session's interface and region for what f
// leaves empty).
func (s *Session) Endpoint(ctx context.Context, f catalog.Filter) (catalog.Endpoint, error) {
	f = s.withDefaults(f)
	if u, ok := s.overrides[catalog.CanonicalServiceType(f.ServiceType)]; ok && f.ServiceType != "" {
		iface := catalog.InterfacePublic
		if len(f.Interfaces) > 0 {
			iface = catalog.NormalizeInterface(f.Interfaces[0])
		}
		return catalog.Endpoint{URL: u, Interface: iface, Region: f.Region, RegionID: f.Region,
			ServiceType: f.ServiceType, ServiceName: f.ServiceName, ServiceID: f.ServiceID}, nil
	}
	a, err := s.AccessInfo(ctx)
	if err != nil {
		return catalog.Endpoint{}, err
	}
	return lookupEndpoint(a, f)
}

// VersionedEndpoint finds an endpoint and returns the root URL of the given
// major API version under it, through discovery when the endpoint's URL does
// not name it.
func (s *Session) VersionedEndpoint(ctx context.Context, f catalog.Filter, major int) (string, error) {
	v, err := s.ResolveEndpoint(ctx, f, catalog.MajorVersion(major))
	if err != nil {
		return "", err
	}
	return v.SelfURL, nil
}

// ResolveEndpoint finds an endpoint and, through the Session's discovery
// cache, the API version in r behind it; the version's SelfURL is the root
// to send requests to. Discovery asks without a token first and with one
// when the server answers 401, as keystoneauth does.
func (s *Session) ResolveEndpoint(ctx context.Context, f catalog.Filter, r catalog.VersionRange) (catalog.Version, error) {
	ep, err := s.Endpoint(ctx, f)
	if err != nil {
		return catalog.Version{}, err
	}
	return s.discovery.Resolve(ctx, discoveryDoer{s}, ep.URL, r)
}

// send sends req (with token when it is not empty), retrying and following
// redirects as the Session's policy says.
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
	if req.Header.Get(requestIDHeader) == "" {
		if id := globalRequestID(req.Context(), s.globalRequestID); id != "" {
			req.Header.Set(requestIDHeader, id)
		}
	}
	resp, err := s.sendWithRetries(req)
	if err == nil {
		s.serverClock.observeDate(resp.Header.Get("Date"), s.now())
	}
	return resp, err
}

// maxErrorBody bounds what is read of an error answer.
const maxErrorBody = 64 << 10

func (s *Session) check(req *http.Request, resp *http.Response) (*http.Response, error) {
	if resp.StatusCode < 400 {
		return resp, nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	discard(resp)
	e := ResponseError(req, resp, body)
	s.logger.LogAttrs(req.Context(), slog.LevelDebug, "http error", slog.String("method", e.Method),
		slog.String("url", e.URL), slog.Int("status", e.StatusCode), slog.String("request_id", e.RequestID),
		slog.String("error", e.Error()))
	return nil, e
}

// ResponseError is the *apierror.Error of an answer outside 2xx and 3xx to
// req, with no credential of the request in it: the URL as redactURL shows
// it, and Keystone's message scrubbed of the request's credentials, since
// Keystone names what it did not find ("Could not find token: ...") and a
// token in the path is exactly that. Session.Do returns such errors itself;
// plugins that talk to an identity provider through an http.Client of
// their own (the federation plugins) build theirs with it. body is what
// was read of the answer.
func ResponseError(req *http.Request, resp *http.Response, body []byte) *apierror.Error {
	final := req
	if resp.Request != nil {
		final = resp.Request
	}
	if final == nil {
		return apierror.FromResponse(resp, "", "", body)
	}
	e := apierror.FromResponse(resp, final.Method, redactURL(final), body)
	rules := rulesOf(final.Context())
	if req == nil {
		req = final
	}
	secrets := append(requestSecrets(final, rules), requestSecrets(req, rules)...)
	secrets = append(secrets, bodySecrets(final)...)
	if req != final {
		secrets = append(secrets, bodySecrets(req)...) // a 303 dropped the body on the way
	}
	e.Message, e.Title = scrub(e.Message, secrets), scrub(e.Title, secrets)
	return e
}

// DoWithoutToken sends req as Do does (retries, redirects, typed errors,
// the response size limit) but without authenticating first and without a
// token: for the operations that need none, such as a user changing an
// expired password (with which no token can be had) or a token request. A
// 401 is the answer, not a reason to authenticate and send req again, so a
// wrong password is tried once, not twice (Keystone counts each towards
// lockout).
func (s *Session) DoWithoutToken(req *http.Request) (*http.Response, error) {
	if s.configErr != nil {
		return nil, s.configErr
	}
	resp, err := s.send(req, "")
	if err != nil {
		return nil, err
	}
	return s.check(req, resp)
}

// unauthenticated is the Doer plugins get: DoWithoutToken, with JSON
// answers checked whole.
type unauthenticated struct{ s *Session }

func (u unauthenticated) Do(req *http.Request) (*http.Response, error) {
	resp, err := u.s.DoWithoutToken(req)
	if err != nil {
		return nil, err
	}
	if err := jsonbody.Buffer(resp); err != nil {
		return nil, err
	}
	return resp, nil
}

func (u unauthenticated) Discovery() *catalog.Discovery { return u.s.discovery }

// Session lets a plugin that sends through an http.Client of its own (the
// federation plugins, for identity providers) use the Session's: its
// transport, TLS settings and timeout.
func (u unauthenticated) Session() *Session { return u.s }

// discoveryDoer fetches version documents without a token, and with one
// when the server insists.
type discoveryDoer struct{ s *Session }

func (d discoveryDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := unauthenticated(d).Do(req)
	if errors.Is(err, apierror.ErrUnauthorized) && replayable(req) {
		retry, rerr := rewind(req)
		if rerr != nil {
			return nil, err
		}
		return d.s.Do(retry)
	}
	return resp, err
}

func (d discoveryDoer) Discovery() *catalog.Discovery { return d.s.discovery }

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

// redactURL is the request URL as the SDK shows it (internal/redact): no
// user info, secrets of the query masked, tokens in the path hashed.
func redactURL(req *http.Request) string {
	if req == nil {
		return ""
	}
	return redact.URL(req.URL)
}

// growStack grows the stack of the goroutine singleflight starts for an
// authentication to what decoding a token answer needs, in one step while
// the stack is still shallow: left to itself the runtime doubles a new
// goroutine's 8 KiB stack several times in the middle of encoding/json's
// recursion, copying a deep stack each time (about a tenth of the CPU time
// of an authentication).
//
//go:noinline
func growStack(i int) byte {
	var frame [24 << 10]byte
	frame[i] = 1
	return frame[len(frame)-1-i]
}
