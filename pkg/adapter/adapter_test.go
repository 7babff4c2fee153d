package adapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/adapter"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// cloud is a Keystone whose catalog lists a compute service under
// /compute/v2.1 (public, RegionOne; internal, RegionTwo) and an image
// service at an unversioned root, and that service itself. Each compute
// request is recorded.
type cloud struct {
	srv  *httptest.Server
	last atomic.Pointer[http.Request]
	body atomic.Value
}

func newCloud(t testing.TB) *cloud {
	c := &cloud{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /identity/v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Subject-Token", "tok")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u1"},"expires_at":%q,"issued_at":%q,
			"project":{"id":"p1","name":"demo"},
			"catalog":[{"type":"compute","name":"nova","endpoints":[
				{"interface":"public","region_id":"RegionOne","url":"%[3]s/compute/v2.1"},
				{"interface":"internal","region_id":"RegionTwo","url":"%[3]s/internal/compute/v2.1"}]},
			{"type":"image","name":"glance","endpoints":[{"interface":"public","region_id":"RegionOne","url":"%[3]s/image"}]}]}}`,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339), c.srv.URL)
	})
	compute := func(w http.ResponseWriter, r *http.Request) {
		c.last.Store(r)
		data, _ := io.ReadAll(r.Body)
		c.body.Store(string(data))
		if r.Header.Get("X-Auth-Token") != "tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch {
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/compute/v2.1/servers/missing":
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"itemNotFound":{"code":404,"message":"Instance missing could not be found."}}`)
		case r.URL.Path == "/compute/v2.1/broken":
			fmt.Fprint(w, `<html>`)
		default:
			fmt.Fprintf(w, `{"servers":[{"id":"s1","name":"web"}],"path":%q}`, r.URL.Path)
		}
	}
	mux.HandleFunc("/compute/", compute)
	mux.HandleFunc("/internal/compute/", compute)
	mux.HandleFunc("GET /image/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusMultipleChoices)
		fmt.Fprintf(w, `{"versions":[{"id":"v2.17","status":"CURRENT","links":[{"rel":"self","href":"%s/image/v2/"}]},
			{"id":"v1.1","status":"DEPRECATED","links":[{"rel":"self","href":"%s/image/v1/"}]}]}`, c.srv.URL, c.srv.URL)
	})
	mux.HandleFunc("GET /image/v2/images", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"images":[{"id":"i1"}]}`)
	})
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		mux.ServeHTTP(w, r)
	}))
	if t != nil {
		t.Cleanup(c.srv.Close)
	}
	return c
}

func (c *cloud) session() *auth.Session {
	return auth.New(&auth.Password{AuthURL: c.srv.URL + "/identity/v3", UserID: "u1", Password: "secret"})
}

type servers struct {
	Servers []struct{ ID, Name string } `json:"servers"`
	Path    string                      `json:"path"`
}

func TestGetResolvesTheCatalogEndpointAndDecodes(t *testing.T) {
	c := newCloud(t)
	nova, err := adapter.New(c.session(), "compute")
	require.NoError(t, err)
	ctx := t.Context()
	for _, path := range []string{"servers/detail", "/servers/detail"} {
		var out servers
		resp, err := nova.Get(ctx, path, &out)
		require.NoError(t, err, path)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "/compute/v2.1/servers/detail", out.Path, "relative to the endpoint, never to the host's root")
		require.Len(t, out.Servers, 1)
		assert.Equal(t, "web", out.Servers[0].Name)
	}
	u, err := nova.Endpoint(ctx)
	require.NoError(t, err)
	assert.Equal(t, c.srv.URL+"/compute/v2.1", u)
}

func TestInterfaceAndRegionPickTheEndpoint(t *testing.T) {
	c := newCloud(t)
	nova, err := adapter.New(c.session(), "compute", adapter.WithInterface("internal"), adapter.WithRegion("RegionTwo"))
	require.NoError(t, err)
	var out servers
	_, err = nova.Get(t.Context(), "servers", &out)
	require.NoError(t, err)
	assert.Equal(t, "/internal/compute/v2.1/servers", out.Path)

	none, err := adapter.New(c.session(), "compute", adapter.WithRegion("RegionThree"))
	require.NoError(t, err)
	_, err = none.Get(t.Context(), "servers", nil)
	assert.ErrorIs(t, err, apierror.ErrEndpointNotFound)
}

func TestVersionDiscovery(t *testing.T) {
	c := newCloud(t)
	glance, err := adapter.New(c.session(), "image", adapter.WithVersion("2", "2.latest"))
	require.NoError(t, err)
	var out struct {
		Images []struct{ ID string } `json:"images"`
	}
	_, err = glance.Get(t.Context(), "images", &out)
	require.NoError(t, err)
	require.Len(t, out.Images, 1)
	u, err := glance.Endpoint(t.Context())
	require.NoError(t, err)
	assert.Equal(t, c.srv.URL+"/image/v2", u)
}

func TestMicroversionHeaders(t *testing.T) {
	c := newCloud(t)
	nova, err := adapter.New(c.session(), "compute", adapter.WithMicroversion("2.79"), adapter.WithHeader("X-Trace", "on"))
	require.NoError(t, err)
	_, err = nova.Get(t.Context(), "servers", nil)
	require.NoError(t, err)
	r := c.last.Load()
	assert.Equal(t, "compute 2.79", r.Header.Get("OpenStack-API-Version"))
	assert.Equal(t, "2.79", r.Header.Get("X-OpenStack-Nova-API-Version"))
	assert.Equal(t, "on", r.Header.Get("X-Trace"))

	_, err = nova.Microversion("2.1").Get(t.Context(), "servers", nil)
	require.NoError(t, err)
	assert.Equal(t, "compute 2.1", c.last.Load().Header.Get("OpenStack-API-Version"))

	cinder, err := adapter.New(c.session(), "volumev3", adapter.WithEndpoint(c.srv.URL+"/compute/v2.1"), adapter.WithMicroversion("3.59"))
	require.NoError(t, err)
	_, err = cinder.Get(t.Context(), "volumes", nil)
	require.NoError(t, err)
	assert.Equal(t, "volume 3.59", c.last.Load().Header.Get("OpenStack-API-Version"))
	assert.Empty(t, c.last.Load().Header.Get("X-OpenStack-Nova-API-Version"))
}

func TestWriteMethodsSendJSON(t *testing.T) {
	c := newCloud(t)
	nova, err := adapter.New(c.session(), "compute")
	require.NoError(t, err)
	ctx := t.Context()
	in := map[string]any{"server": map[string]string{"name": "db"}}
	for _, send := range []func() (*http.Response, error){
		func() (*http.Response, error) { return nova.Post(ctx, "servers", in, nil) },
		func() (*http.Response, error) { return nova.Put(ctx, "servers/s1", in, nil) },
		func() (*http.Response, error) {
			return nova.Patch(ctx, "servers/s1", json.RawMessage(`{"server":{"name":"db"}}`), nil)
		},
	} {
		resp, err := send()
		require.NoError(t, err)
		r := c.last.Load()
		assert.Equal(t, resp.Request.Method, r.Method)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		assert.JSONEq(t, `{"server":{"name":"db"}}`, c.body.Load().(string))
	}
	resp, err := nova.Delete(ctx, "servers/s1")
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	resp, err = nova.Head(ctx, "servers/s1")
	require.NoError(t, err)
	assert.Equal(t, http.MethodHead, c.last.Load().Method)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestErrorsAreTyped(t *testing.T) {
	c := newCloud(t)
	nova, err := adapter.New(c.session(), "compute")
	require.NoError(t, err)
	ctx := t.Context()
	_, err = nova.Get(ctx, "servers/missing", nil)
	assert.ErrorIs(t, err, apierror.ErrNotFound)
	var out servers
	_, err = nova.Get(ctx, "broken", &out)
	assert.ErrorIs(t, err, apierror.ErrInvalidResponse)
	_, err = nova.Post(ctx, "servers", func() {}, nil)
	assert.ErrorIs(t, err, apierror.ErrValidation)
	_, err = nova.Get(ctx, "https://elsewhere.example/steal", nil)
	assert.ErrorIs(t, err, apierror.ErrCrossOrigin)

	_, err = adapter.New(nil, "compute")
	assert.ErrorIs(t, err, apierror.ErrMissingAuthPlugin)
	_, err = adapter.New(c.session(), "")
	assert.ErrorIs(t, err, apierror.ErrInvalidConfig)
}

func TestAbsoluteLinksStayOnTheEndpointsOrigin(t *testing.T) {
	c := newCloud(t)
	nova, err := adapter.New(c.session(), "compute")
	require.NoError(t, err)
	var out servers
	_, err = nova.Get(t.Context(), c.srv.URL+"/compute/v2.1/servers?marker=s1", &out)
	require.NoError(t, err)
	assert.Equal(t, "/compute/v2.1/servers", out.Path)
	assert.Equal(t, "marker=s1", c.last.Load().URL.RawQuery)
}

func Example() {
	c := newCloud(nil)
	defer c.srv.Close()
	ctx := context.Background()
	sess := auth.New(&auth.Password{AuthURL: c.srv.URL + "/identity/v3", UserID: "u1", Password: "secret"})

	// The same session that authenticates to Keystone calls Nova.
	nova, err := adapter.New(sess, "compute", adapter.WithMicroversion("2.79"))
	if err != nil {
		fmt.Println(err)
		return
	}
	var out struct {
		Servers []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"servers"`
	}
	if _, err := nova.Get(ctx, "servers", &out); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Servers[0].ID, out.Servers[0].Name)

	_, err = nova.Get(ctx, "servers/missing", nil)
	fmt.Println(errors.Is(err, apierror.ErrNotFound))
	// Output:
	// s1 web
	// true
}
