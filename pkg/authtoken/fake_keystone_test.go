package authtoken_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/authtoken"
)

// fakeKeystone answers GET /v3/auth/tokens for the tokens it was given,
// counting validations, as Keystone would: 404 for an unknown token and
// for an expired one unless allow_expired.
type fakeKeystone struct {
	srv         *httptest.Server
	mu          sync.Mutex
	tokens      map[string]fakeToken
	validations atomic.Int32
	down        atomic.Bool
	gate        chan struct{} // when set, validations wait for it to close
	lastRules   atomic.Value
	lastQuery   atomic.Value
}

type fakeToken struct {
	body    string
	expired bool
}

func newFakeKeystone(t testing.TB) *fakeKeystone {
	k := &fakeKeystone{tokens: map[string]fakeToken{}}
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k.down.Load() { // a Keystone gone away: the connection drops
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			_ = conn.Close()
			return
		}
		if r.Method != http.MethodGet || r.URL.Path != "/v3/auth/tokens" {
			http.NotFound(w, r)
			return
		}
		k.validations.Add(1)
		k.lastRules.Store(r.Header.Get("OpenStack-Identity-Access-Rules"))
		k.lastQuery.Store(r.URL.RawQuery)
		k.mu.Lock()
		gate := k.gate
		tok, ok := k.tokens[r.Header.Get("X-Subject-Token")]
		k.mu.Unlock()
		if gate != nil {
			<-gate
		}
		w.Header().Set("Content-Type", "application/json")
		allowExpired := r.URL.Query().Get("allow_expired")
		if r.Header.Get("X-Auth-Token") != "service-token" || !ok || tok.expired && allowExpired != "true" && allowExpired != "1" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"code":404,"title":"Not Found","message":"Failed to validate token"}}`)
			return
		}
		w.Header().Set("X-Subject-Token", r.Header.Get("X-Subject-Token"))
		fmt.Fprint(w, tok.body)
	}))
	t.Cleanup(k.srv.Close)
	return k
}

func (k *fakeKeystone) set(token string, tok fakeToken) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.tokens[token] = tok
}

func (k *fakeKeystone) revoke(token string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.tokens, token)
}

// tokenBody is a project-scoped v3 token body; extra members are spliced in.
func tokenBody(user, project string, roles []string, expires time.Time, extra string) string {
	var rs []string
	for i, r := range roles {
		rs = append(rs, fmt.Sprintf(`{"id":"r%d","name":%q}`, i, r))
	}
	if extra != "" {
		extra = "," + extra
	}
	return fmt.Sprintf(`{"token":{"methods":["password"],"expires_at":%q,"issued_at":%q,"audit_ids":["a1"],
		"user":{"id":"%s-id","name":%q,"domain":{"id":"default","name":"Default"}},
		"project":{"id":"%s-id","name":%q,"domain":{"id":"default","name":"Default"}},
		"is_admin_project":false,
		"roles":[%s],
		"catalog":[{"type":"compute","name":"nova","endpoints":[
			{"interface":"public","region":"R1","region_id":"R1","url":"https://nova.example/v2.1"},
			{"interface":"internal","region":"R1","region_id":"R1","url":"http://nova.internal/v2.1"}]}]%s}}`,
		expires.UTC().Format(time.RFC3339), expires.Add(-time.Hour).UTC().Format(time.RFC3339),
		user, user, project, project, strings.Join(rs, ","), extra)
}

// clock is a settable time for the cache's times.
type clock struct{ t atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.t.Store(time.Now().UnixNano())
	return c
}
func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }
func (k *fakeKeystone) session() *auth.Session {
	return auth.New(&auth.TokenEndpoint{Endpoint: k.srv.URL + "/v3", Token: "service-token"})
}

func newValidator(t testing.TB, k *fakeKeystone, cfg authtoken.Config, opts ...authtoken.Option) *authtoken.Validator {
	t.Helper()
	v, err := authtoken.New(k.session(), cfg, append([]authtoken.Option{authtoken.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	require.NoError(t, err)
	return v
}
