package auth

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stubKeystone is a Keystone double for the plugin tests: it records every
// request it gets (method, path, headers, body) and answers token requests
// with tokens built from a template the test can change.
type stubKeystone struct {
	*httptest.Server
	t *testing.T

	tokenRequests atomic.Int32
	// versions is the root version document (GET /).
	versions string
	// issue, when set, answers POST /v3/auth/tokens instead of the default.
	issue func(w http.ResponseWriter, r *http.Request, body []byte) bool
	// token holds the fields of issued tokens (merged into a base token).
	token map[string]any
	// lifetime of issued tokens.
	lifetime time.Duration

	mu       sync.Mutex
	requests []stubRequest
	issued   map[string]bool
	minted   int
}

type stubRequest struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

func (r stubRequest) json(t *testing.T) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("request body %q: %v", r.Body, err)
	}
	return m
}

const v3VersionDoc = `{"version":{"id":"v3.14","status":"stable","updated":"2020-04-07T00:00:00Z",
	"links":[{"rel":"self","href":"%s/v3/"}],"media-types":[{"base":"application/json","type":"application/vnd.openstack.identity-v3+json"}]}}`

func newStub(t *testing.T) *stubKeystone {
	return newStubWith(t, func(srv *httptest.Server) { srv.Start() })
}

// newStubWith lets the test configure and start the server (TLS, say).
func newStubWith(t *testing.T, start func(*httptest.Server)) *stubKeystone {
	s := &stubKeystone{t: t, lifetime: time.Hour, issued: map[string]bool{}, token: map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusMultipleChoices)
		if s.versions != "" {
			fmt.Fprintf(w, s.versions, s.URL)
			return
		}
		fmt.Fprintf(w, `{"versions":{"values":[{"id":"v3.14","status":"stable","updated":"2020-04-07T00:00:00Z",
			"links":[{"rel":"self","href":"%s/v3/"}]}]}}`, s.URL)
	})
	mux.HandleFunc("GET /v3/{$}", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, v3VersionDoc, s.URL)
	})
	mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		body := s.record(r)
		s.tokenRequests.Add(1)
		if s.issue != nil && s.issue(w, r, body) {
			return
		}
		s.writeToken(w, http.StatusCreated, s.newToken(), nil)
	})
	mux.HandleFunc("GET /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		subject := r.Header.Get("X-Subject-Token")
		if !s.valid(r.Header.Get("X-Auth-Token")) || !s.valid(subject) {
			unauthorized(w)
			return
		}
		s.writeToken(w, http.StatusOK, subject, nil)
	})
	mux.HandleFunc("POST /v3/OS-OAUTH2/token", func(w http.ResponseWriter, r *http.Request) {
		body := s.record(r)
		id, secret, ok := r.BasicAuth()
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			// Mutual TLS: the certificate stands for the secret.
			form, _ := url.ParseQuery(string(body))
			id, secret, ok = form.Get("client_id"), "client-secret", true
		}
		if !ok || id != "client-id" || secret != "client-secret" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"Client authentication failed."}`)
			return
		}
		tok := s.newToken()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, tok)
	})
	for _, p := range []string{"/v3/auth/projects", "/v3/auth/domains", "/v3/auth/system", "/v3/projects", "/v3/echo"} {
		mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) {
			s.record(r)
			if tok := r.Header.Get("X-Auth-Token"); tok != "" && !s.valid(tok) {
				unauthorized(w)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			switch p {
			case "/v3/auth/projects":
				fmt.Fprint(w, `{"projects":[{"id":"p1","name":"demo","domain_id":"default","enabled":true,"links":{"self":"x"}}],"links":{"self":"x","next":null,"previous":null}}`)
			case "/v3/auth/domains":
				fmt.Fprint(w, `{"domains":[{"id":"default","name":"Default","enabled":true,"links":{"self":"x"}}],"links":{"self":"x","next":null,"previous":null}}`)
			case "/v3/auth/system":
				fmt.Fprint(w, `{"system":[{"all":true}],"links":{"self":"x","next":null,"previous":null}}`)
			default:
				fmt.Fprint(w, `{"projects":[]}`)
			}
		})
	}
	s.Server = httptest.NewUnstartedServer(mux)
	start(s.Server)
	t.Cleanup(s.Close)
	return s
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprint(w, `{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}`)
}

func (s *stubKeystone) record(r *http.Request) []byte {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, stubRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	s.mu.Unlock()
	return body
}

// newToken mints a token id and remembers it as valid.
func (s *stubKeystone) newToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.minted++
	tok := fmt.Sprintf("tok-%d", s.minted)
	s.issued[tok] = true
	return tok
}

func (s *stubKeystone) valid(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued[tok]
}

func (s *stubKeystone) revoke(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.issued, tok)
}

// tokenBody is the JSON of a token: a base token with extra's fields (and
// the stub's template) merged over it.
func (s *stubKeystone) tokenBody(extra map[string]any) []byte {
	now := time.Now().UTC()
	tok := map[string]any{
		"methods":    []string{"password"},
		"user":       map[string]any{"id": "u1", "name": "alice", "domain": map[string]any{"id": "default", "name": "Default"}, "password_expires_at": nil},
		"audit_ids":  []string{"audit-1"},
		"expires_at": now.Add(s.lifetime).Format("2006-01-02T15:04:05.000000Z"),
		"issued_at":  now.Format("2006-01-02T15:04:05.000000Z"),
		"project":    map[string]any{"id": "p1", "name": "demo", "domain": map[string]any{"id": "default", "name": "Default"}},
		"roles":      []map[string]any{{"id": "r1", "name": "member"}},
		"catalog": []map[string]any{{"id": "s1", "type": "identity", "name": "keystone", "endpoints": []map[string]any{
			{"id": "e1", "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": s.URL + "/v3"}}}},
	}
	s.mu.Lock()
	maps.Copy(tok, s.token)
	s.mu.Unlock()
	maps.Copy(tok, extra)
	for k, v := range tok {
		if v == nil && k != "password_expires_at" {
			delete(tok, k)
		}
	}
	b, err := json.Marshal(map[string]any{"token": tok})
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

func (s *stubKeystone) writeToken(w http.ResponseWriter, status int, tok string, extra map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Subject-Token", tok)
	w.WriteHeader(status)
	_, _ = w.Write(s.tokenBody(extra))
}

// tokenPosts are the POST /v3/auth/tokens requests so far.
func (s *stubKeystone) tokenPosts() []stubRequest {
	return s.where("POST", "/v3/auth/tokens")
}

func (s *stubKeystone) where(method, path string) []stubRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []stubRequest
	for _, r := range s.requests {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// session is a Session for plugin with a transport of its own (closed with
// the test, so that no connection outlives the stub).
func (s *stubKeystone) session(plugin Plugin, opts ...Option) *Session {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if s.TLS != nil {
		tr = s.Client().Transport.(*http.Transport).Clone()
	}
	s.t.Cleanup(tr.CloseIdleConnections)
	return New(plugin, append([]Option{WithHTTPClient(&http.Client{Transport: tr})}, opts...)...)
}
