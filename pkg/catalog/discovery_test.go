package catalog

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

const keystoneRoot = `{"versions": {"values": [{"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
 "links": [{"rel": "self", "href": "http://k:5000/v3/"}],
 "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]}]}}`

func TestParseVersionShapes(t *testing.T) {
	vs, err := ParseVersions([]byte(keystoneRoot))
	require.NoError(t, err)
	require.Len(t, vs, 1)
	assert.Equal(t, 3, vs[0].Major())
	assert.Equal(t, 14, vs[0].Minor())
	assert.Equal(t, "http://k:5000/v3/", vs[0].SelfURL)

	vs, err = ParseVersions([]byte(`{"version": {"id": "v2.0", "status": "deprecated", "links": [{"rel":"self","href":"http://k/v2.0/"}]}}`))
	require.NoError(t, err)
	assert.Equal(t, "v2.0", vs[0].ID)

	vs, err = ParseVersions([]byte(`{"versions": [{"id": "v2.1", "status": "CURRENT", "version": "2.95", "min_version": "2.1", "links": []}]}`))
	require.NoError(t, err)
	assert.Equal(t, "current", vs[0].Status)
	assert.Equal(t, "2.95", vs[0].MaxVersion)

	for _, bad := range []string{`[]`, `{}`, `{"versions": {"values": []}}`, `<html>`} {
		_, err := ParseVersions([]byte(bad))
		assert.True(t, errors.Is(err, apierror.ErrDiscoveryFailure), bad)
	}
}

func TestChoose(t *testing.T) {
	vs := []Version{{ID: "v2.0", Status: "deprecated"}, {ID: "v3.10", Status: "stable"}, {ID: "v3.14", Status: "stable"}}
	v, err := Choose(vs, 3)
	require.NoError(t, err)
	assert.Equal(t, "v3.14", v.ID)
	v, err = Choose(vs, 0)
	require.NoError(t, err)
	assert.Equal(t, "v3.14", v.ID)
	v, err = Choose(vs, 2)
	require.NoError(t, err)
	assert.Equal(t, "v2.0", v.ID)
	_, err = Choose(vs, 4)
	assert.True(t, errors.Is(err, apierror.ErrVersionNotAvailable))
	assert.Contains(t, err.Error(), "v2.0, v3.10, v3.14")
}

func TestVersionedURL(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/identity", "/identity/":
			w.WriteHeader(http.StatusMultipleChoices)
			fmt.Fprintf(w, `{"versions":{"values":[{"id":"v3.14","status":"stable","links":[{"rel":"self","href":"http://%s/identity/v3/"}]},`+
				`{"id":"v2.0","status":"deprecated","links":[{"rel":"self","href":"http://%s/identity/v2.0/"}]}]}}`, r.Host, r.Host)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	d := NewDiscovery(time.Minute)
	ctx := context.Background()

	u, err := d.VersionedURL(ctx, srv.Client(), srv.URL+"/identity/v3", 3)
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/identity/v3", u)
	assert.Zero(t, hits.Load(), "a URL that names the version needs no request")

	u, err = d.VersionedURL(ctx, srv.Client(), srv.URL+"/identity", 3)
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/identity/v3", u)
	u, err = d.VersionedURL(ctx, srv.Client(), srv.URL+"/identity/", 2)
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/identity/v2.0", u)
	assert.EqualValues(t, 1, hits.Load(), "the second lookup comes from the cache")

	// a v3 URL when v2 is wanted: the parent document is asked
	u, err = d.VersionedURL(ctx, srv.Client(), srv.URL+"/identity/v3", 2)
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/identity/v2.0", u)

	_, err = d.VersionedURL(ctx, srv.Client(), srv.URL+"/nothing", 3)
	assert.True(t, errors.Is(err, apierror.ErrDiscoveryFailure))
}

func TestDiscoveryCacheExpires(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, keystoneRoot)
	}))
	defer srv.Close()
	now := time.Unix(1000, 0)
	d := NewDiscovery(time.Minute)
	d.now = func() time.Time { return now }
	for range 3 {
		_, err := d.Versions(context.Background(), srv.Client(), srv.URL)
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, hits.Load())
	now = now.Add(2 * time.Minute)
	_, err := d.Versions(context.Background(), srv.Client(), srv.URL)
	require.NoError(t, err)
	assert.EqualValues(t, 2, hits.Load())
}
