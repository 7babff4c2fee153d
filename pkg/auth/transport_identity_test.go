package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

// The rows of the fault matrix that go through the generated client
// (gen/identityv3 via pkg/identity), where the body is decoded.

// identityKeystone issues a token whose catalog points at itself and serves
// GET /v3/projects with the handler given.
func identityKeystone(t *testing.T, projects http.HandlerFunc) *httptest.Server {
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Subject-Token", "tok")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u"},"expires_at":%q,"issued_at":%q,
			"catalog":[{"id":"s","type":"identity","name":"keystone","endpoints":[{"id":"e","interface":"public","region_id":"R","url":"%s/v3"}]}]}}`,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339), srv.URL)
	})
	mux.HandleFunc("GET /v3/projects", projects)
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func identityClient(t *testing.T, srv *httptest.Server, opts ...auth.Option) *identity.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	sess := auth.New(&auth.Password{AuthURL: srv.URL + "/v3", UserID: "u", Password: "p"},
		append([]auth.Option{auth.WithHTTPClient(&http.Client{Transport: tr})}, opts...)...)
	c, err := identity.NewV3(sess)
	require.NoError(t, err)
	return c
}

func ctx10s(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Row 9: malformed JSON in a 200: the generated client's call fails with a
// typed error that has the request id, not a bare json.SyntaxError.
func TestFaultMalformedJSONThroughTheGeneratedClient(t *testing.T) {
	srv := identityKeystone(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Openstack-Request-Id", "req-bad-json")
		fmt.Fprint(w, `{"projects":[{"id":"p1","name":"a"},{"id":`)
	})
	c := identityClient(t, srv)
	resp, err := c.Raw().ListProjectsWithResponse(ctx10s(t), nil)
	require.Error(t, err)
	assert.Nil(t, resp)
	assert.True(t, errors.Is(err, apierror.ErrInvalidResponse), "%v", err)
	var ir *apierror.InvalidResponseError
	require.True(t, errors.As(err, &ir))
	assert.Equal(t, "req-bad-json", ir.RequestID)
	assert.Equal(t, http.MethodGet, ir.Method)
	assert.Equal(t, srv.URL+"/v3/projects", ir.URL)
	assert.Equal(t, http.StatusOK, ir.StatusCode)
	assert.Contains(t, ir.Err.Error(), "unexpected end of JSON input")

	// The pager gets the same error.
	for _, err := range c.Projects(ctx10s(t), nil) {
		assert.True(t, errors.Is(err, apierror.ErrInvalidResponse), "%v", err)
		break
	}
}

// Row 8 through the generated client: the body breaks off.
func TestFaultBodyStopsHalfwayThroughTheGeneratedClient(t *testing.T) {
	srv := identityKeystone(t, func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		fmt.Fprint(rw, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Openstack-Request-Id: req-cut\r\nContent-Length: 4096\r\n\r\n")
		fmt.Fprint(rw, `{"projects":[{"id":"p1","name":"a"},`)
		_ = rw.Flush()
		_ = conn.Close()
	})
	_, err := identityClient(t, srv).Raw().ListProjectsWithResponse(ctx10s(t), nil)
	assert.True(t, errors.Is(err, apierror.ErrIncompleteBody), "%v", err)
	var terr *apierror.TransportError
	require.True(t, errors.As(err, &terr))
	assert.Equal(t, "req-cut", terr.RequestID)
}

// Row 10 through the generated client: a huge answer ends in
// ErrResponseTooLarge at the Session's limit, with flat memory.
func TestFaultHugeBodyThroughTheGeneratedClient(t *testing.T) {
	srv := identityKeystone(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"projects":[`)
		chunk := strings.Repeat(`{"id":"p","name":"n"},`, 3000)
		for range (1 << 30) / len(chunk) {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	})
	c := identityClient(t, srv, auth.WithMaxResponseSize(1<<20))
	_, err := c.Session().Token(ctx10s(t))
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = c.Raw().ListProjectsWithResponse(ctx10s(t), nil)
	runtime.ReadMemStats(&after)
	assert.True(t, errors.Is(err, apierror.ErrResponseTooLarge), "%v", err)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20))
}

// An HTML page where JSON was expected, on a 200 from a misrouted proxy:
// the generated client has no JSON200 and no error; the caller can tell.
func TestHTMLSuccessPageLeavesJSON200Empty(t *testing.T) {
	srv := identityKeystone(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Welcome to nginx!</body></html>")
	})
	resp, err := identityClient(t, srv).Raw().ListProjectsWithResponse(ctx10s(t), nil)
	require.NoError(t, err)
	assert.Nil(t, resp.JSON200)
	assert.Equal(t, "text/html", resp.HTTPResponse.Header.Get("Content-Type"))
}
