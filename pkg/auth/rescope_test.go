package auth

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

func TestRescope(t *testing.T) {
	ks := newStub(t)
	ks.issue = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		// Unscoped tokens have no project and no catalog.
		if string(body) == `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"u1","password":"pw"}}},"scope":"unscoped"}}` {
			ks.writeToken(w, http.StatusCreated, ks.newToken(), map[string]any{"project": nil, "roles": nil, "catalog": nil})
			return true
		}
		return false
	}
	parent := ks.session(&Password{AuthURL: ks.URL + "/v3", UserID: "u1", Password: "pw", Scope: Scope{Unscoped: true}})
	projects, err := AvailableProjects(bg(t), parent)
	require.NoError(t, err)
	require.Len(t, projects, 1)
	assert.Equal(t, "demo", *projects[0].Name)
	domains, err := AvailableDomains(bg(t), parent)
	require.NoError(t, err)
	require.Len(t, domains, 1)
	assert.Equal(t, "Default", *domains[0].Name)
	system, err := SystemScopeAvailable(bg(t), parent)
	require.NoError(t, err)
	assert.True(t, system)
	for _, path := range []string{"/v3/auth/projects", "/v3/auth/domains", "/v3/auth/system"} {
		r := ks.where("GET", path)
		require.Len(t, r, 1, path)
		assert.Equal(t, "tok-1", r[0].Header.Get("X-Auth-Token"), path)
	}

	scoped, err := Rescope(bg(t), parent, Scope{ProjectID: *projects[0].ID})
	require.NoError(t, err)
	posts := ks.tokenPosts()
	require.Len(t, posts, 2, "the exchange happened in Rescope")
	assert.JSONEq(t, `{"auth":{"identity":{"methods":["token"],"token":{"id":"tok-1"}},"scope":{"project":{"id":"p1"}}}}`, string(posts[1].Body))
	a, err := scoped.AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, "tok-2", a.Token)
	assert.Equal(t, "p1", a.ProjectID())
	pa, err := parent.AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, "tok-1", pa.Token, "the parent keeps its own token")
	assert.Same(t, parent.HTTPClient(), scoped.HTTPClient())
	assert.Same(t, parent.Discovery(), scoped.Discovery())

	// The rescoped session renews by exchanging the parent's token again.
	scoped.Invalidate()
	_, err = scoped.AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Len(t, ks.tokenPosts(), 3)
	assert.JSONEq(t, `{"auth":{"identity":{"methods":["token"],"token":{"id":"tok-1"}},"scope":{"project":{"id":"p1"}}}}`, string(ks.tokenPosts()[2].Body))

	// Its state names its own identity.
	assert.NotEqual(t, CacheID(parent.plugin), CacheID(scoped.plugin))
	assert.NotEmpty(t, CacheID(scoped.plugin))

	// A bad scope fails before any request; a refused one fails in Rescope.
	_, err = Rescope(bg(t), parent, Scope{ProjectID: "p", DomainID: "d"})
	assert.True(t, errors.Is(err, apierror.ErrInvalidConfig))
	assert.Len(t, ks.tokenPosts(), 3)
	ks.issue = func(w http.ResponseWriter, r *http.Request, body []byte) bool { unauthorized(w); return true }
	s, err := Rescope(bg(t), parent, Scope{ProjectID: "elsewhere"})
	assert.Nil(t, s)
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
	_, err = Rescope(bg(t), nil, Scope{})
	assert.True(t, errors.Is(err, apierror.ErrMissingAuthPlugin))
}
