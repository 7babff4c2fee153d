package keystonetest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// DefaultDomainID is the id of the domain keystone-manage bootstrap creates.
const DefaultDomainID = "default"

// V3Server is an in-memory Keystone that serves the Identity v3 API over
// HTTP. Every request it receives and every answer it sends is checked
// against api/identity-v3.yaml; see the package documentation for what it
// models.
//
// All methods are safe for concurrent use.
type V3Server struct {
	srv    *httptest.Server
	tb     testing.TB
	opts   options
	spec   spec
	routes map[string]handlerFunc // "GET /projects/{project_id}"

	mu    sync.Mutex // guards st and admin
	st    *v3State
	admin V3Credentials

	ctlMu      sync.Mutex // guards the controls below
	faults     []*Fault
	log        []Request
	violations []error
}

// V3Credentials are the password credentials of a user and the project
// its tokens are scoped to.
type V3Credentials struct {
	UserID      string
	Username    string
	Password    string
	DomainID    string // the user's and the project's domain
	ProjectID   string
	ProjectName string
}

// NewV3 starts a fake Keystone v3 server seeded as keystone-manage
// bootstrap seeds one: the domain "default", an "admin" project and user
// with the admin role on it, the roles admin, member and reader (admin
// implies member, member implies reader) and an identity service "keystone"
// whose public, internal and admin endpoints in RegionOne are URL.
//
// With a non-nil tb the server is closed when the test ends and every spec
// violation it recorded fails the test. With a nil tb (an Example, a
// TestMain) the caller closes it and reads Violations itself. NewV3 panics
// if it cannot set itself up, as httptest.NewServer does.
func NewV3(tb testing.TB, opts ...Option) *V3Server {
	if tb != nil {
		tb.Helper()
	}
	return start(tb, opts, func(o options) (*V3Server, error) {
		sp, err := v3Spec()
		if err != nil {
			return nil, err
		}
		s := &V3Server{tb: tb, opts: o, spec: sp, st: newV3State()}
		s.routes = s.routeTable()
		s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
		s.seed()
		return s, nil
	})
}

// URL is the v3 endpoint (the server's address followed by /v3): the auth
// URL to give a client, and the identity endpoint of the catalog.
func (s *V3Server) URL() string { return s.srv.URL + "/v3" }

// RootURL is the server's address without a version.
func (s *V3Server) RootURL() string { return s.srv.URL }

// HTTPClient returns a client configured for the server.
func (s *V3Server) HTTPClient() *http.Client { return s.srv.Client() }

// Close shuts the server down and waits for requests in flight.
func (s *V3Server) Close() { s.srv.Close() }

// Admin returns the credentials of the seeded admin user, who has the admin
// role on the seeded admin project.
func (s *V3Server) Admin() V3Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.admin
}

// Violations returns every request or answer the server saw that
// api/identity-v3.yaml does not describe, in the order they happened.
func (s *V3Server) Violations() []error {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	return append([]error(nil), s.violations...)
}

func (s *V3Server) recordViolation(err error) {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	s.violations = append(s.violations, err)
}

func (s *V3Server) now() time.Time { return s.opts.now().UTC() }

// fatalf reports misuse of a seeding method: the test fails, or, without a
// test, the program panics.
func (s *V3Server) fatalf(format string, args ...any) {
	if s.tb != nil {
		s.tb.Helper()
		s.tb.Fatalf("keystonetest: "+format, args...)
	}
	panic(fmt.Sprintf("keystonetest: "+format, args...))
}
