package bench

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// fake is a minimal Keystone v3 for the in-process benchmarks: it answers
// from bytes prepared up front, so that its own share of each measurement
// is small and the same for every client measured against it.
type fake struct {
	srv           *httptest.Server
	projects      []byte
	token         []byte
	authDelay     time.Duration
	tokenRequests atomic.Int64
}

type fakeOptions struct {
	projects  int
	catalog   CatalogSpec
	authDelay time.Duration
}

func newFake(tb testing.TB, o fakeOptions) *fake {
	tb.Helper()
	f := &fake{authDelay: o.authDelay}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		f.tokenRequests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		if f.authDelay > 0 {
			time.Sleep(f.authDelay)
		}
		w.Header().Set("X-Subject-Token", FakeToken)
		writeJSON(w, http.StatusCreated, f.token)
	})
	mux.HandleFunc("GET /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Auth-Token") != FakeToken {
			writeJSON(w, http.StatusUnauthorized, []byte(`{"error":{"code":401,"title":"Unauthorized","message":"bad token"}}`))
			return
		}
		w.Header().Set("X-Subject-Token", r.Header.Get("X-Subject-Token"))
		writeJSON(w, http.StatusOK, f.token)
	})
	mux.HandleFunc("GET /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Auth-Token") != FakeToken {
			writeJSON(w, http.StatusUnauthorized, []byte(`{"error":{"code":401,"title":"Unauthorized","message":"bad token"}}`))
			return
		}
		writeJSON(w, http.StatusOK, f.projects)
	})
	f.srv = httptest.NewServer(mux)
	tb.Cleanup(f.srv.Close)
	base := f.srv.URL + "/v3"
	f.projects = ProjectListJSON(o.projects, base)
	cat := o.catalog
	if cat.Services == 0 {
		cat = CatalogSpec{Services: 1, PerService: 3}
	}
	f.token = TokenJSON(cat, f.srv.URL, time.Now().Add(time.Hour))
	return f
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Vary"] = []string{"X-Auth-Token"}
	h["X-Openstack-Request-Id"] = []string{"req-8f133052-4628-4722-8e18-50f3ae7c2e58"}
	// Keystone (uWSGI) announces the length; without it net/http would
	// chunk anything over 2 KB.
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (f *fake) authURL() string { return f.srv.URL + "/v3" }

// password is the plugin the sessions of the benchmarks use.
func (f *fake) password() *auth.Password {
	return &auth.Password{AuthURL: f.authURL(), Username: "admin", UserDomainID: "default", Password: "secret",
		Scope: auth.Scope{ProjectName: "admin", ProjectDomainID: "default"}}
}

// access is what a Password plugin would have built from the fake's token,
// expiring at expires: a session started with it makes no token request
// while it is fresh.
func (f *fake) access(tb testing.TB, expires time.Time) *auth.AccessInfo {
	tb.Helper()
	var env identityv3.TokenEnvelope
	if err := json.Unmarshal(f.token, &env); err != nil {
		tb.Fatal(err)
	}
	env.Token.ExpiresAt.Time = expires
	return &auth.AccessInfo{Token: FakeToken, ExpiresAt: expires, IssuedAt: expires.Add(-time.Hour),
		AuthURL: f.authURL(), Catalog: catalogOf(&env.Token), Body: &env.Token}
}

// catalogOf converts a generated token's catalog as the Password plugin
// does (pkg/auth accessFromToken).
func catalogOf(t *identityv3.Token) *catalog.Catalog {
	services := make([]catalog.Service, len(t.Catalog))
	for i, s := range t.Catalog {
		eps := make([]catalog.Endpoint, len(s.Endpoints))
		for j, e := range s.Endpoints {
			eps[j] = catalog.Endpoint{ID: deref(e.ID), Interface: deref(e.Interface), Region: deref(e.Region),
				RegionID: deref(e.RegionID), URL: e.URL}
		}
		services[i] = catalog.Service{ID: deref(s.ID), Type: deref(s.Type), Name: deref(s.Name), Endpoints: eps}
	}
	return catalog.New(services)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// newTransport is a fresh transport per client measured, so that no
// client inherits another's warm connections.
func newTransport(conns int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = conns
	t.MaxConnsPerHost = conns
	return t
}
