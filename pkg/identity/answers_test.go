package identity_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

// brokenAnswers is a Keystone whose token works and whose project list
// answers 200 in a way the client cannot use, chosen by the path prefix.
func brokenAnswers(t *testing.T) *httptest.Server {
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Subject-Token", "tok")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u","name":"n"},"expires_at":%q,"catalog":[]}}`,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	})
	raw := func(w http.ResponseWriter, head, body string, stall time.Duration) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		// The connection ends with each answer, and the answer says so:
		// otherwise the next token request could go out on it as it closes.
		defer conn.Close()
		fmt.Fprint(rw, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Openstack-Request-Id: req-broken\r\nConnection: close\r\n"+head+"\r\n"+body)
		_ = rw.Flush()
		if stall > 0 {
			_ = conn.SetReadDeadline(time.Now().Add(stall))
			_, _ = conn.Read(make([]byte, 1)) // until the client hangs up or the stall ends
		}
	}
	mux.HandleFunc("GET /html/projects", func(w http.ResponseWriter, r *http.Request) {
		raw(w, "Content-Length: 27\r\n", "<html>Service down</html>\r\n", 0)
	})
	mux.HandleFunc("GET /cut/projects", func(w http.ResponseWriter, r *http.Request) {
		raw(w, "Content-Length: 1000\r\n", `{"projects":[{"id":"p1",`, 0)
	})
	mux.HandleFunc("GET /stall/projects", func(w http.ResponseWriter, r *http.Request) {
		raw(w, "Content-Length: 1000\r\n", `{"projects":[{"id":"p1",`, 5*time.Second)
	})
	mux.HandleFunc("GET /scalar/projects", func(w http.ResponseWriter, r *http.Request) {
		raw(w, "Content-Length: 4\r\n", `true`, 0)
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// Whatever breaks in a 2xx answer reaches the caller as a typed error that
// names the request, never as a bare decoder error.
func TestBrokenAnswersAreTyped(t *testing.T) {
	srv := brokenAnswers(t)
	for _, tc := range []struct {
		prefix string
		kind   *apierror.Kind
	}{
		{"html", apierror.ErrInvalidResponse},
		{"cut", apierror.ErrIncompleteBody},
		{"stall", apierror.ErrTimeout},
		{"scalar", apierror.ErrInvalidResponse},
	} {
		t.Run(tc.prefix, func(t *testing.T) {
			c, err := identity.NewV3(auth.New(&auth.Password{AuthURL: srv.URL + "/v3", UserID: "u", Password: "p"}), identity.WithEndpoint(srv.URL+"/"+tc.prefix))
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err = c.Raw().ListProjectsWithResponse(ctx, nil)
			require.Error(t, err)
			assert.Less(t, time.Since(start), 3*time.Second)
			assert.True(t, errors.Is(err, tc.kind), "%T %v", err, err)
		})
	}
}
