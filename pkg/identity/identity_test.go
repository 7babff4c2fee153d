package identity_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

// keystone is a small stand-in: it issues a token whose catalog points at
// itself under /identity/v3, and serves a paginated project list.
func keystone(t *testing.T, pages int) (*httptest.Server, *atomic.Int32) {
	var listCalls atomic.Int32
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("POST /identity/v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Subject-Token", "tok")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u","name":"n"},"expires_at":%q,"issued_at":%q,
			"catalog":[{"type":"identity","name":"keystone","endpoints":[
			{"interface":"public","region_id":"R1","url":"%s/identity/v3/"},
			{"interface":"internal","region_id":"R1","url":"%s/internal/v3"}]}]}}`,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339), srv.URL, srv.URL)
	})
	mux.HandleFunc("GET /identity/v3/projects", func(w http.ResponseWriter, r *http.Request) {
		n := listCalls.Add(1)
		if r.Header.Get("X-Auth-Token") != "tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		page := 1
		fmt.Sscan(r.URL.Query().Get("page"), &page)
		next := "null"
		if page < pages {
			next = fmt.Sprintf("%q", fmt.Sprintf("%s/identity/v3/projects?enabled=%s&page=%d", srv.URL, r.URL.Query().Get("enabled"), page+1))
		}
		truncated := ""
		if page == pages && r.URL.Query().Get("enabled") == "true" {
			truncated = `,"truncated":true`
		}
		_ = n
		fmt.Fprintf(w, `{"projects":[{"id":"p%d-a","name":"a","enabled":true},{"id":"p%d-b","name":"b","enabled":true}],"links":{"self":"x","next":%s}%s}`,
			page, page, next, truncated)
	})
	mux.HandleFunc("GET /identity/v3/projects/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Openstack-Request-Id", "req-7")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error":{"code":404,"title":"Not Found","message":"Could not find project: %s."}}`, r.PathValue("id"))
	})
	mux.HandleFunc("GET /internal/v3/projects", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"projects":[{"id":"internal","name":"i","enabled":true}],"links":{"next":null}}`)
	})
	srv = httptest.NewServer(jsonContent(mux))
	t.Cleanup(srv.Close)
	return srv, &listCalls
}

func session(srv *httptest.Server) *auth.Session {
	return auth.New(&auth.Password{AuthURL: srv.URL + "/identity/v3", UserID: "u", Password: "p"})
}

func TestNewV3ResolvesTheEndpointLazily(t *testing.T) {
	srv, _ := keystone(t, 1)
	c, err := identity.NewV3(session(srv))
	require.NoError(t, err)
	resp, err := c.Raw().ListProjectsWithResponse(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, resp.JSON200.Projects, 2)
	assert.Equal(t, "p1-a", resp.JSON200.Projects[0].ID)

	u, err := c.Endpoint(context.Background())
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/identity/v3", u)
}

func TestInterfaceAndOverride(t *testing.T) {
	srv, _ := keystone(t, 1)
	c, err := identity.NewV3(session(srv), identity.WithInterface("internal"))
	require.NoError(t, err)
	resp, err := c.Raw().ListProjectsWithResponse(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "internal", resp.JSON200.Projects[0].ID)

	c, err = identity.NewV3(session(srv), identity.WithEndpoint(srv.URL+"/internal/v3/"))
	require.NoError(t, err)
	resp, err = c.Raw().ListProjectsWithResponse(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "internal", resp.JSON200.Projects[0].ID)

	c, err = identity.NewV3(session(srv), identity.WithRegion("nowhere"))
	require.NoError(t, err)
	_, err = c.Raw().ListProjectsWithResponse(context.Background(), nil)
	assert.True(t, errors.Is(err, apierror.ErrEndpointNotFound), "%v", err)
}

func TestNotFoundIsTyped(t *testing.T) {
	srv, _ := keystone(t, 1)
	c, err := identity.NewV3(session(srv))
	require.NoError(t, err)
	_, err = c.Raw().GetProjectWithResponse(context.Background(), "nope", nil)
	require.True(t, errors.Is(err, identity.ErrNotFound))
	var e *identity.Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "Could not find project: nope.", e.Message)
	assert.Equal(t, "req-7", e.RequestID)
	assert.True(t, strings.HasSuffix(e.URL, "/identity/v3/projects/nope"))
}

func TestPagerFollowsNextAndReportsTruncation(t *testing.T) {
	srv, calls := keystone(t, 3)
	c, err := identity.NewV3(session(srv))
	require.NoError(t, err)
	enabled := true
	params := &identityv3.ListProjectsParams{Enabled: &enabled}
	pager := identity.NewPager[identityv3.Project]("projects", func(ctx context.Context, ed ...identityv3.RequestEditorFn) (*http.Response, error) {
		return c.Raw().ListProjects(ctx, params, ed...)
	})
	var ids []string
	for p, err := range pager.All(context.Background()) {
		require.NoError(t, err)
		ids = append(ids, p.ID)
	}
	assert.Equal(t, []string{"p1-a", "p1-b", "p2-a", "p2-b", "p3-a", "p3-b"}, ids)
	assert.Equal(t, 3, pager.Pages())
	assert.True(t, pager.Truncated())
	assert.EqualValues(t, 3, calls.Load())

	// Stopping early makes no further request.
	calls.Store(0)
	for range c.Projects(context.Background(), nil) {
		break
	}
	assert.EqualValues(t, 1, calls.Load())
}

func TestPagerYieldsErrors(t *testing.T) {
	srv, _ := keystone(t, 1)
	c, err := identity.NewV3(session(srv))
	require.NoError(t, err)
	var got []error
	for _, err := range identity.All[identityv3.Project](context.Background(), "projects",
		func(ctx context.Context, ed ...identityv3.RequestEditorFn) (*http.Response, error) {
			return c.Raw().GetProject(ctx, "x", nil, ed...)
		}) {
		got = append(got, err)
	}
	require.Len(t, got, 1)
	assert.True(t, errors.Is(got[0], apierror.ErrNotFound))

	got = nil
	for _, err := range identity.All[identityv3.Project](context.Background(), "users", func(ctx context.Context, ed ...identityv3.RequestEditorFn) (*http.Response, error) {
		return c.Raw().ListProjects(ctx, nil, ed...)
	}) {
		got = append(got, err)
	}
	require.Len(t, got, 1)
	assert.True(t, errors.Is(got[0], apierror.ErrInvalidResponse))
}

func TestNilSession(t *testing.T) {
	_, err := identity.NewV3(nil)
	assert.True(t, errors.Is(err, apierror.ErrMissingAuthPlugin))
}

// jsonContent labels every answer as JSON, as Keystone does.
func jsonContent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		next.ServeHTTP(w, r)
	})
}
