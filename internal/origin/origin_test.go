package origin

import (
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

func u(t *testing.T, raw string) *url.URL {
	t.Helper()
	p, err := url.Parse(raw)
	require.NoError(t, err)
	return p
}

func TestOf(t *testing.T) {
	assert.True(t, Same(u(t, "https://K.example/v3"), u(t, "https://k.example:443/other")))
	assert.True(t, Same(u(t, "http://k:80/"), u(t, "HTTP://k/")))
	assert.False(t, Same(u(t, "https://k/"), u(t, "http://k/")))
	assert.False(t, Same(u(t, "https://k:5000/"), u(t, "https://k:5001/")))
	assert.False(t, Same(u(t, "https://k/"), u(t, "https://k.evil/")))
	assert.Equal(t, "https://[::1]:443", Of(u(t, "https://[::1]/")).String())
}

func TestRedirect(t *testing.T) {
	from := u(t, "https://k/v3/auth/tokens")
	for _, c := range []struct {
		target string
		body   bool
		want   Decision
	}{
		{"https://k/v3/auth/tokens2", true, Follow},
		{"https://k:443/x", false, Follow},
		{"https://other/x", false, FollowStripped},
		{"https://other/x", true, Refuse},
		{"https://k:8443/x", true, Refuse},
		{"http://k/x", false, Refuse},
		{"http://other/x", false, Refuse},
	} {
		got, err := Redirect(Hop{Method: "POST", Chain: []*url.URL{from}, Target: u(t, c.target), StatusCode: 307, Body: c.body})
		assert.Equal(t, c.want, got, c.target)
		if c.want == Refuse {
			var coe *apierror.CrossOriginError
			require.True(t, errors.As(err, &coe))
			assert.Equal(t, "https://k/v3/auth/tokens", coe.URL)
			assert.True(t, errors.Is(err, apierror.ErrCrossOrigin))
			assert.True(t, errors.Is(err, apierror.ErrHTTPRedirection))
		} else {
			assert.NoError(t, err)
		}
	}
	// Back to the first origin after a hop elsewhere: the chain has left
	// the origin, so nothing is restored; from https nothing goes to http.
	chain := []*url.URL{from, u(t, "https://other/x")}
	got, _ := Redirect(Hop{Chain: chain, Target: u(t, "https://k/y")})
	assert.Equal(t, FollowStripped, got)
	got, _ = Redirect(Hop{Chain: []*url.URL{u(t, "http://k/"), u(t, "https://k/")}, Target: u(t, "http://k/z")})
	assert.Equal(t, Refuse, got, "once on https, never back to http")
}

func TestLink(t *testing.T) {
	page := u(t, "https://k/identity/v3/projects?limit=2")
	for next, want := range map[string]string{
		"https://k/identity/v3/projects?marker=p2":     "https://k/identity/v3/projects?marker=p2",
		"http://k/identity/v3/projects?marker=p2":      "https://k/identity/v3/projects?marker=p2",
		"http://k:5000/identity/v3/projects?marker=p2": "https://k/identity/v3/projects?marker=p2",
		"/identity/v3/projects?marker=p2":              "https://k/identity/v3/projects?marker=p2",
		"projects?marker=p3":                           "https://k/identity/v3/projects?marker=p3",
		"HTTP://K/identity/v3/projects?marker=p4":      "https://k/identity/v3/projects?marker=p4",
	} {
		got, err := Link("GET", page, next)
		require.NoError(t, err, next)
		assert.Equal(t, want, got.String(), next)
	}
	for _, next := range []string{"https://other/identity/v3/projects", "http://other/v3/projects", "ftp://k/x", "//other/v3"} {
		_, err := Link("GET", page, next)
		var coe *apierror.CrossOriginError
		require.True(t, errors.As(err, &coe), next)
		assert.Zero(t, coe.StatusCode)
		assert.True(t, errors.Is(err, apierror.ErrCrossOrigin))
		assert.False(t, errors.Is(err, apierror.ErrHTTPRedirection))
	}
}

func TestLinkFromAPageOfUnknownURL(t *testing.T) {
	page := &url.URL{Path: "/projects"}
	got, err := Link("GET", page, "/projects?marker=p2")
	require.NoError(t, err)
	assert.Equal(t, "/projects?marker=p2", got.String())
	_, err = Link("GET", page, "https://k/v3/projects?marker=p2")
	var coe *apierror.CrossOriginError
	require.True(t, errors.As(err, &coe))
	assert.Contains(t, coe.Reason, "not known")
}

func TestEndpoint(t *testing.T) {
	assert.NoError(t, Endpoint("x", u(t, "https://idp/.well-known"), u(t, "https://other/token")))
	assert.NoError(t, Endpoint("x", u(t, "http://idp/.well-known"), u(t, "http://idp/token")))
	err := Endpoint("the token_endpoint", u(t, "https://idp/.well-known"), u(t, "http://idp/token?client_secret=s"))
	require.ErrorIs(t, err, apierror.ErrCrossOrigin)
	assert.Contains(t, err.Error(), "http://idp/token?client_secret=%2A%2A%2A")
}
