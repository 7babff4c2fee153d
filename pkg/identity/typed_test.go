package identity_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

// typedKeystone answers the few operations the typed-method tests call.
func typedKeystone(t *testing.T) *identity.Client {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var in struct {
			Project struct {
				Name string `json:"name"`
			} `json:"project"`
		}
		if json.Unmarshal(body, &in) != nil || in.Project.Name == "" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":{"code":400,"title":"Bad Request","message":"no envelope: %s"}}`, body)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"project":{"id":"p1","name":%q,"domain_id":"default","enabled":true}}`, in.Project.Name)
	})
	mux.HandleFunc("GET /v3/projects/p1", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"project":{"id":"p1","name":"one","domain_id":"default","enabled":true}}`)
	})
	mux.HandleFunc("DELETE /v3/projects/p1", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("HEAD /v3/groups/g/users/{user}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("user") == "member" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusNotFound)
	})
	mux.HandleFunc("HEAD /v3/groups/forbidden/users/{user}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	})
	mux.HandleFunc("GET /v3/roles", func(w http.ResponseWriter, r *http.Request) {
		next := "null"
		if r.URL.Query().Get("page") == "" {
			next = `"` + "http://" + r.Host + `/v3/roles?page=2"`
		}
		fmt.Fprintf(w, `{"roles":[{"id":"r-%s","name":"n"}],"links":{"next":%s}}`, r.URL.Query().Get("page"), next)
	})
	mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Subject-Token", "subject")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"token":{"methods":["password"],"expires_at":"2030-01-01T00:00:00Z","issued_at":"2029-01-01T00:00:00Z",
			"user":{"id":"u","name":"n","domain":{"id":"default","name":"Default"}},"audit_ids":["a"]}}`)
	})
	srv := httptest.NewServer(jsonContent(mux))
	t.Cleanup(srv.Close)
	sess := auth.New(&auth.Password{AuthURL: srv.URL + "/v3", UserID: "u", Password: "p"})
	c, err := identity.NewV3(sess, identity.WithEndpoint(srv.URL+"/v3"))
	require.NoError(t, err)
	return c
}

func TestTypedMethods(t *testing.T) {
	c := typedKeystone(t)
	ctx := t.Context()

	created, err := c.CreateProject(ctx, identityv3.ProjectCreate{Name: "acme"})
	require.NoError(t, err, "the body goes in its envelope")
	assert.Equal(t, "acme", created.Name)

	got, err := c.GetProject(ctx, "p1", nil)
	require.NoError(t, err)
	assert.Equal(t, "one", got.Name)

	require.NoError(t, c.DeleteProject(ctx, "p1"), "a 204 is nil")

	_, err = c.GetProject(ctx, "nope", nil)
	var apiErr *apierror.Error
	require.ErrorAs(t, err, &apiErr)
	assert.True(t, errors.Is(err, identity.ErrNotFound))

	member, err := c.CheckUserInGroup(ctx, "g", "member")
	require.NoError(t, err)
	assert.True(t, member)
	member, err = c.CheckUserInGroup(ctx, "g", "stranger")
	require.NoError(t, err, "a 404 answers the check")
	assert.False(t, member)
	_, err = c.CheckUserInGroup(ctx, "forbidden", "x")
	assert.ErrorIs(t, err, identity.ErrForbidden, "other errors stay errors")

	roles, err := c.ListRoles(ctx, nil)
	require.NoError(t, err)
	require.Len(t, roles, 2, "every page")
	assert.Equal(t, "r-", roles[0].ID)
	assert.Equal(t, "r-2", roles[1].ID)
	var ids []string
	for r, err := range c.Roles(ctx, nil) {
		require.NoError(t, err)
		ids = append(ids, r.ID)
	}
	assert.Equal(t, []string{"r-", "r-2"}, ids)
}

// Raw clients stay usable with a plain http.Client, and the typed layer over
// one types the errors the Session would have.
func TestTypedOverAPlainHTTPClient(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v3/projects/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Openstack-Request-Id", "req-1")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":{"code":404,"title":"Not Found","message":"Could not find project"}}`)
	})
	mux.HandleFunc("POST /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK) // the spec says 201
		fmt.Fprint(w, `{"project":{"id":"p"}}`)
	})
	srv := httptest.NewServer(jsonContent(mux))
	t.Cleanup(srv.Close)
	raw, err := identityv3.NewClientWithResponses(srv.URL + "/v3")
	require.NoError(t, err)
	c := identityv3.NewTypedClient(raw)

	_, err = c.GetProject(t.Context(), "x", nil)
	var apiErr *apierror.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "req-1", apiErr.RequestID)
	assert.ErrorIs(t, err, apierror.ErrNotFound)

	_, err = c.CreateProject(t.Context(), identityv3.ProjectCreate{Name: "x"})
	assert.ErrorIs(t, err, apierror.ErrInvalidResponse, "a 2xx the operation does not document")
}

func TestIssueTokenReturnsTheSubjectToken(t *testing.T) {
	c := typedKeystone(t)
	tok, subject, err := c.IssueToken(t.Context(), nil, identityv3.Auth{})
	require.NoError(t, err)
	assert.Equal(t, "subject", subject)
	assert.Equal(t, "u", *tok.User.ID)
}
