package catalog

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

func TestParseVersionNumber(t *testing.T) {
	ok := map[string]VersionNumber{
		"3": {3, 0}, "v3": {3, 0}, "3.14": {3, 14}, "v2.0": {2, 0}, "v2.1.5": {2, 1},
		"latest": {Latest, Latest}, "3.latest": {3, Latest}, "v3.latest": {3, Latest},
	}
	for in, want := range ok {
		got, err := ParseVersionNumber(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "v", "x", "3.", "-1", "+3", "latest.3", "3.x", "1e3"} {
		_, err := ParseVersionNumber(bad)
		assert.True(t, errors.Is(err, apierror.ErrInvalidConfig), bad)
	}
	assert.Equal(t, "3.latest", VersionNumber{3, Latest}.String())
	assert.Equal(t, "latest", VersionNumber{Latest, Latest}.String())
}

func TestChooseRange(t *testing.T) {
	vs := []Version{
		{ID: "v2.0", Status: "deprecated"}, {ID: "v3.10", Status: "stable"}, {ID: "v3.14", Status: "stable"},
		{ID: "v4.0", Status: "experimental"}, {ID: "v1.0", Status: "current"},
	}
	cases := []struct {
		r    VersionRange
		want string
	}{
		{VersionRange{}, "v3.14"},
		{VersionRange{Min: "latest"}, "v3.14"},
		{VersionRange{Min: "3"}, "v3.14"},
		{VersionRange{Min: "3", Max: "3.12"}, "v3.10"},
		{VersionRange{Min: "3.11", Max: "3.latest"}, "v3.14"},
		{VersionRange{Min: "3.latest"}, "v3.14"},
		{VersionRange{Max: "2.latest"}, "v1.0"}, // deprecated only when nothing else fits
		{VersionRange{Min: "2", Max: "2.latest"}, "v2.0"},
		{MajorVersion(1), "v1.0"},
	}
	for _, c := range cases {
		v, err := ChooseRange(vs, c.r)
		require.NoError(t, err, "%+v", c.r)
		assert.Equal(t, c.want, v.ID, "%+v", c.r)
	}
	_, err := ChooseRange(vs, MajorVersion(4))
	assert.True(t, errors.Is(err, apierror.ErrVersionNotAvailable), "experimental versions are not chosen")
	assert.Contains(t, err.Error(), "v4 is not offered")
	_, err = ChooseRange(vs, VersionRange{Min: "3.15"})
	assert.Contains(t, err.Error(), "version 3.15 or newer is not offered")
	_, err = ChooseRange(vs, VersionRange{Min: "3.5", Max: "3.1"})
	assert.True(t, errors.Is(err, apierror.ErrInvalidConfig))
	_, err = ChooseRange(vs, VersionRange{Min: "3.latest", Max: "3.4"})
	assert.True(t, errors.Is(err, apierror.ErrInvalidConfig))
}

func TestParseVersionsMore(t *testing.T) {
	vs, err := ParseVersions([]byte(`{"id":"v1","links":[{"rel":"self","href":"/v1/"}]}`))
	require.NoError(t, err)
	assert.Equal(t, "current", vs[0].Status)
	vs, err = ParseVersions([]byte(`{"versions":[{"id":"v2.1","status":"CURRENT","version":"2.5","max_version":"2.90",
		"links":[{"rel":"self","href":"http://n/v2.1/"},{"rel":"collection","href":"http://n/"}]}]}`))
	require.NoError(t, err)
	assert.Equal(t, "2.90", vs[0].MaxVersion, "max_version supersedes version")
	assert.Equal(t, "http://n/", vs[0].CollectionURL)
	_, err = ParseVersions([]byte(`[{"name":"container"}]`))
	assert.True(t, errors.Is(err, apierror.ErrDiscoveryFailure), "a list is not a version document")
}

// versionServer serves Keystone-like documents under a path prefix, with
// links that name advertise as the host (a proxy's back end, say).
type versionServer struct {
	*httptest.Server
	hits      sync.Map // path → *atomic.Int32
	advertise string   // host in the links; "" for the request's host
	delay     time.Duration
}

func newVersionServer(t *testing.T) *versionServer {
	vs := &versionServer{}
	vs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := vs.hits.LoadOrStore(strings.TrimRight(r.URL.Path, "/"), new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		time.Sleep(vs.delay)
		host := "http://" + r.Host
		if vs.advertise != "" {
			host = vs.advertise
		}
		w.Header().Set("Content-Type", "application/json")
		switch strings.TrimRight(r.URL.Path, "/") {
		case "/identity":
			w.WriteHeader(http.StatusMultipleChoices)
			fmt.Fprintf(w, `{"versions":{"values":[
				{"id":"v3.14","status":"stable","links":[{"rel":"self","href":"%[1]s/identity/v3/"}]},
				{"id":"v2.0","status":"deprecated","links":[{"rel":"self","href":"%[1]s/identity/v2.0/"}]}]}}`, host)
		case "/identity/v3":
			fmt.Fprintf(w, `{"version":{"id":"v3.14","status":"stable","links":[{"rel":"self","href":"%s/identity/v3/"}]}}`, host)
		case "/relative":
			fmt.Fprint(w, `{"versions":[{"id":"v2.1","status":"current","links":[{"rel":"self","href":"v2.1/"}]},
				{"id":"v2.0","status":"supported","links":[{"rel":"self","href":"v2/"}]}]}`)
		case "/compute":
			fmt.Fprintf(w, `{"versions":[{"id":"v2.1","status":"CURRENT","links":[{"rel":"self","href":"%s/compute/v2.1/"}]}]}`, host)
		case "/swift":
			fmt.Fprint(w, `[{"name":"a"}]`)
		case "/onlyversioned/v3":
			fmt.Fprint(w, `{"version":{"id":"v3.14","status":"stable","links":[]}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(vs.Close)
	return vs
}

func (vs *versionServer) count(path string) int32 {
	n, ok := vs.hits.Load(path)
	if !ok {
		return 0
	}
	return n.(*atomic.Int32).Load()
}

func TestResolve(t *testing.T) {
	vs := newVersionServer(t)
	ctx := context.Background()
	cases := []struct {
		name, url string
		r         VersionRange
		want      string
		wantID    string
	}{
		{"unversioned with a path prefix", "/identity", MajorVersion(3), "/identity/v3", "v3.14"},
		{"trailing slash", "/identity/", MajorVersion(3), "/identity/v3", "v3.14"},
		{"versioned, other version wanted", "/identity/v3", MajorVersion(2), "/identity/v2.0", "v2.0"},
		{"versioned, a newer minor wanted", "/identity/v3", VersionRange{Min: "3.10"}, "/identity/v3", "v3.14"},
		{"newest of all", "/identity", VersionRange{}, "/identity/v3", "v3.14"},
		{"latest", "/identity", VersionRange{Min: "latest"}, "/identity/v3", "v3.14"},
		{"relative links", "/relative", MajorVersion(2), "/relative/v2.1", "v2.1"},
		{"relative links, capped", "/relative", VersionRange{Min: "2.0", Max: "2.0"}, "/relative/v2", "v2.0"},
		{"project id kept", "/compute/v2.1/0123abcd", MajorVersion(2), "/compute/v2.1/0123abcd", "v2.1"},
		{"project id kept through discovery", "/compute/v2/0123abcd", VersionRange{Min: "2.1"}, "/compute/v2.1/0123abcd", "v2.1"},
		{"no root document, the versioned one", "/onlyversioned/v3", VersionRange{Min: "3.4"}, "/onlyversioned/v3", "v3.14"},
		{"no document at all, the URL's own version fits", "/nothing/v3", VersionRange{Min: "3", Max: "4"}, "/nothing/v3", "v3"},
	}
	for _, c := range cases {
		d := NewDiscovery(time.Minute)
		v, err := d.Resolve(ctx, vs.Client(), vs.URL+c.url, c.r)
		require.NoError(t, err, c.name)
		assert.Equal(t, vs.URL+c.want, v.SelfURL, c.name)
		assert.Equal(t, c.wantID, v.ID, c.name)
	}
}

func TestResolveExactURLMakesNoRequest(t *testing.T) {
	vs := newVersionServer(t)
	d := NewDiscovery(time.Minute)
	for _, u := range []string{"/identity/v3", "/identity/v3/", "/anything/v3"} {
		v, err := d.Resolve(context.Background(), vs.Client(), vs.URL+u, MajorVersion(3))
		require.NoError(t, err)
		assert.Equal(t, strings.TrimRight(vs.URL+u, "/"), v.SelfURL)
	}
	v, err := d.Resolve(context.Background(), vs.Client(), vs.URL+"/x/v2.0", VersionRange{})
	require.NoError(t, err)
	assert.Equal(t, vs.URL+"/x/v2.0", v.SelfURL, "no version asked: the catalog's is fine")
	assert.Zero(t, vs.count("/identity")+vs.count("/identity/v3")+vs.count("/anything")+vs.count("/x"))
}

func TestResolveMovesLinksToTheHostAsked(t *testing.T) {
	vs := newVersionServer(t)
	vs.advertise = "http://10.0.0.5:5000"
	d := NewDiscovery(time.Minute)
	v, err := d.Resolve(context.Background(), vs.Client(), vs.URL+"/identity", MajorVersion(3))
	require.NoError(t, err)
	assert.Equal(t, vs.URL+"/identity/v3", v.SelfURL, "the internal address must not leak through")

	assert.Equal(t, "https://cloud.example/identity/v3/", combineURL("https://cloud.example/identity", "http://10.0.0.5:5000/v3/"))
	assert.Equal(t, "https://cloud.example/identity/v3", combineURL("https://cloud.example/identity/v3", "http://10.0.0.5:5000/v3"))
	assert.Equal(t, "https://cloud.example/identity/v3/", combineURL("https://cloud.example/identity/", "v3/"))
	assert.Equal(t, "https://cloud.example/v3/", combineURL("https://cloud.example/identity/", "/v3/"))
	assert.Equal(t, "https://cloud.example/identity/v3/", combineURL("https://cloud.example/identity", "http://cloud.example/identity/v3/"),
		"same host: the scheme asked wins (TLS terminated at the proxy)")
}

func TestResolveFailures(t *testing.T) {
	vs := newVersionServer(t)
	ctx := context.Background()
	d := NewDiscovery(time.Minute)

	_, err := d.Resolve(ctx, vs.Client(), vs.URL+"/identity", MajorVersion(4))
	assert.True(t, errors.Is(err, apierror.ErrVersionNotAvailable), "%v", err)
	assert.Contains(t, err.Error(), "v3.14, v2.0")

	_, err = d.Resolve(ctx, vs.Client(), vs.URL+"/nothing", MajorVersion(3))
	assert.True(t, errors.Is(err, apierror.ErrDiscoveryFailure), "%v", err)
	assert.False(t, errors.Is(err, apierror.ErrVersionNotAvailable))

	_, err = d.Resolve(ctx, vs.Client(), vs.URL+"/swift", MajorVersion(1))
	assert.True(t, errors.Is(err, apierror.ErrDiscoveryFailure), "%v", err)

	_, err = d.Resolve(ctx, vs.Client(), vs.URL+"/nothing/v2", MajorVersion(3))
	assert.True(t, errors.Is(err, apierror.ErrDiscoveryFailure), "the URL's own version does not fit")

	_, err = d.Resolve(ctx, vs.Client(), vs.URL+"/identity", VersionRange{Min: "x"})
	assert.True(t, errors.Is(err, apierror.ErrInvalidConfig))
}

func TestConcurrentLookupsShareOneRequest(t *testing.T) {
	vs := newVersionServer(t)
	vs.delay = 50 * time.Millisecond
	d := NewDiscovery(time.Minute)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			u, err := d.VersionedURL(context.Background(), vs.Client(), vs.URL+"/identity", 3)
			assert.NoError(t, err)
			assert.Equal(t, vs.URL+"/identity/v3", u)
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, vs.count("/identity"))

	// A caller that gives up does not spoil the answer for the others.
	d2 := NewDiscovery(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := d2.Versions(ctx, vs.Client(), vs.URL+"/compute")
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
	assert.True(t, errors.Is(err, apierror.ErrDiscoveryFailure))
	_, err = d2.Versions(context.Background(), vs.Client(), vs.URL+"/compute")
	require.NoError(t, err)
	assert.EqualValues(t, 1, vs.count("/compute"), "the first request finished and was cached")
}

func TestForgetAndClear(t *testing.T) {
	vs := newVersionServer(t)
	d := NewDiscovery(time.Hour)
	get := func() {
		_, err := d.Versions(context.Background(), vs.Client(), vs.URL+"/identity/")
		require.NoError(t, err)
	}
	get()
	get()
	d.Forget(vs.URL + "/identity")
	get()
	d.Clear()
	get()
	assert.EqualValues(t, 3, vs.count("/identity"))
}

func ExampleDiscovery_Resolve() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Keystone behind a proxy: it advertises its internal address.
		w.WriteHeader(http.StatusMultipleChoices)
		fmt.Fprint(w, `{"versions":{"values":[{"id":"v3.14","status":"stable",
			"links":[{"rel":"self","href":"http://10.0.0.5:5000/v3/"}]}]}}`)
	}))
	defer srv.Close()

	d := NewDiscovery(10 * time.Minute) // share it between sessions and clients
	v, err := d.Resolve(context.Background(), srv.Client(), srv.URL+"/identity", VersionRange{Min: "3.10"})
	if err != nil {
		panic(err)
	}
	fmt.Println(v.ID, strings.TrimPrefix(v.SelfURL, srv.URL))
	// Output: v3.14 /identity/v3
}
