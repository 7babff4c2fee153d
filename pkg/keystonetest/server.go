package keystonetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/routers"

	"github.com/keystone-go/keystone/gen/identityv2server"
)

// DefaultTokenTTL is how long the tokens of a V2Server live unless
// WithTokenTTL says otherwise (Keystone's default [token] expiration).
const DefaultTokenTTL = time.Hour

// DefaultRegion is the region of the seeded identity endpoint.
const DefaultRegion = "RegionOne"

// MemberRoleID is the id of the _member_ role, Keystone's default
// [DEFAULT] member_role_id: creating a user with a tenantId grants it.
const MemberRoleID = "9fe2ff9ee4384b1894a90878d3e92bab"

// V2Server is an in-memory Keystone that serves the Identity v2.0 API over
// HTTP. Every request it receives and every response it sends is validated
// against api/identity-v2.yaml; see the package documentation.
//
// All methods are safe for concurrent use.
type V2Server struct {
	srv    *httptest.Server
	tb     testing.TB
	opts   options
	router routers.Router
	api    *opMux // the generated routes, behind validation
	certs  certificates

	mu    sync.Mutex // guards st
	st    *state
	admin Credentials

	statsMu    sync.Mutex // guards calls and violations
	calls      map[string]int
	violations []error
}

// Credentials are the password credentials of a user and the tenant to
// scope its tokens to.
type Credentials struct {
	UserID     string
	Username   string
	Password   string
	TenantID   string
	TenantName string
}

// Option configures a V2Server.
type Option func(*options)

type options struct {
	tokenTTL      time.Duration
	now           func() time.Time
	region        string
	adminPassword string
	release       string // OpenStack series the v3 fake answers as; "" for none in particular
}

// WithRelease makes a NewV3 server answer as the Keystone of one OpenStack
// series ("2022.2", "2025.1", "2026.2": the verified releases of
// hack/keystone-releases.tsv) where api/identity-v3.yaml says releases
// differ: an operation that release does not serve answers 404, a query
// parameter it refuses 400. Without it, the server takes whatever any
// verified release takes. NewV2 ignores it.
func WithRelease(series string) Option {
	return func(o *options) { o.release = series }
}

// WithTokenTTL sets how long issued tokens stay valid.
func WithTokenTTL(d time.Duration) Option {
	return func(o *options) { o.tokenTTL = d }
}

// WithClock makes the server read the time from now, so that a test can let
// tokens expire without waiting.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithRegion sets the region of the seeded identity endpoint.
func WithRegion(name string) Option {
	return func(o *options) { o.region = name }
}

// WithAdminPassword sets the seeded admin user's password (random otherwise).
func WithAdminPassword(password string) Option {
	return func(o *options) { o.adminPassword = password }
}

// NewV2 starts a fake Keystone v2.0 server seeded with an admin user, an
// admin tenant, the admin and _member_ roles and an identity service whose
// endpoint is the server itself.
//
// With a non-nil tb the server is closed when the test ends, and every spec
// violation it recorded fails the test. With a nil tb (an Example, a
// TestMain) the caller closes the server and can read Violations itself.
// NewV2 panics if it cannot set itself up, as httptest.NewServer does.
func NewV2(tb testing.TB, opts ...Option) *V2Server {
	if tb != nil {
		tb.Helper()
	}
	return start(tb, opts, func(o options) (*V2Server, error) { return newServer(tb, o) })
}

func newServer(tb testing.TB, o options) (*V2Server, error) {
	certs, err := newCertificates(o.now())
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	router, err := specRouter()
	if err != nil {
		return nil, err
	}
	s := &V2Server{
		tb:     tb,
		opts:   o,
		router: router,
		certs:  certs,
		st:     newState(),
		calls:  map[string]int{},
	}
	mux := &opMux{handlers: map[string]http.HandlerFunc{}}
	strict := identityv2server.NewStrictHandlerWithOptions(&handlers{s}, []identityv2server.StrictMiddlewareFunc{s.serialize},
		identityv2server.StrictHTTPServerOptions{
			RequestErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
				writeError(w, badRequest("%v", err))
			},
			ResponseErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
				var ae *apiError
				if !errors.As(err, &ae) {
					ae = &apiError{status: http.StatusInternalServerError, title: "Internal Server Error", message: err.Error()}
				}
				writeError(w, ae)
			},
		})
	s.api = mux
	// The returned handler is mux itself; serveHTTP dispatches through it.
	_ = identityv2server.HandlerWithOptions(strict, identityv2server.StdHTTPServerOptions{
		BaseURL:    versionPrefix,
		BaseRouter: mux,
		ErrorHandlerFunc: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeError(w, badRequest("%v", err))
		},
	})
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.seed()
	return s, nil
}

// serialize runs every operation under mu, for its whole run: a request sees
// and leaves a consistent state. (The answer is written after, from what the
// handler returned.)
func (s *V2Server) serialize(next identityv2server.StrictHandlerFunc, _ string) identityv2server.StrictHandlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, req any) (any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return next(ctx, w, r, req)
	}
}

// URL is the v2.0 endpoint: the server's address followed by /v2.0, the
// URL to give a v2.0 client or to authenticate against.
func (s *V2Server) URL() string { return s.srv.URL + versionPrefix }

// RootURL is the server's address without a version; GET on it answers the
// version list (300 Multiple Choices) as Keystone does.
func (s *V2Server) RootURL() string { return s.srv.URL }

// HTTPClient returns a client configured for the server.
func (s *V2Server) HTTPClient() *http.Client { return s.srv.Client() }

// Close shuts the server down and waits for requests in flight.
func (s *V2Server) Close() { s.srv.Close() }

// Admin returns the credentials of the seeded admin user, who has the admin
// role on the seeded admin tenant.
func (s *V2Server) Admin() Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.admin
}

// TokenRequests is the number of POST /v2.0/tokens requests the server has
// answered, successful or not. Tests of token caching compare it before and
// after.
func (s *V2Server) TokenRequests() int { return s.Calls("issueToken") }

// Calls is the number of requests the server has routed to the operation
// with this operationId (as in api/identity-v2.yaml, e.g. "issueToken",
// "listTenants"), whatever their outcome.
func (s *V2Server) Calls(operationID string) int {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return s.calls[lowerFirst(operationID)]
}

// Violations returns every request or response the server saw that
// api/identity-v2.yaml does not describe, in the order they happened.
func (s *V2Server) Violations() []error {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return append([]error(nil), s.violations...)
}

// CACertificatePEM is the PEM of the CA the server answers on
// GET /v2.0/certificates/ca.
func (s *V2Server) CACertificatePEM() string { return s.certs.caPEM }

// SigningCertificatePEM is the PEM the server answers on
// GET /v2.0/certificates/signing; the CA signed it.
func (s *V2Server) SigningCertificatePEM() string { return s.certs.signingPEM }

// recordCall counts a request. The embedded spec carries the operationIds
// as oapi-codegen rewrote them (IssueToken), so both spellings are keyed as
// the spec writes them (issueToken).
func (s *V2Server) recordCall(operationID string) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.calls[lowerFirst(operationID)]++
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func (s *V2Server) recordViolation(err error) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.violations = append(s.violations, err)
}

// fatalf reports misuse of a seeding method: the test fails, or, without a
// test, the program panics.
func (s *V2Server) fatalf(format string, args ...any) {
	if s.tb != nil {
		s.tb.Helper()
		s.tb.Fatalf("keystonetest: "+format, args...)
	}
	panic(fmt.Sprintf("keystonetest: "+format, args...))
}

func (s *V2Server) now() time.Time { return s.opts.now().UTC() }

func newID() string { return hex.EncodeToString(randomBytes(16)) }

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b
}

type ctxKey int

const authTokenKey ctxKey = iota

func authTokenFrom(ctx context.Context) string {
	tok, _ := ctx.Value(authTokenKey).(string)
	return tok
}
