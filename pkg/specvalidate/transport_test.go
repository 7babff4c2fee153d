package specvalidate_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/specvalidate"
)

// projectServer answers GET /v3/projects with body and counts the requests
// it was sent.
func projectServer(t *testing.T, body string) (*httptest.Server, *atomic.Int32) {
	var seen atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

const badList = `{"projects": [{"id": 7}], "links": {"self": "x", "next": null, "previous": null}}`

func TestTransportReportsAndPassesTheAnswerOn(t *testing.T) {
	srv, _ := projectServer(t, badList)
	var mu sync.Mutex
	var reported []error
	client := &http.Client{Transport: &specvalidate.Transport{
		Validator: validator(t),
		Report: func(_ context.Context, err error) {
			mu.Lock()
			defer mu.Unlock()
			reported = append(reported, err)
		},
	}}
	resp, err := client.Get(srv.URL + "/v3/projects")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, badList, string(body), "the caller reads the answer as sent")

	require.Len(t, reported, 1)
	var e *specvalidate.Error
	require.ErrorAs(t, reported[0], &e)
	assert.Equal(t, "listProjects", e.Operation)
	assert.Equal(t, 200, e.Status)
	assert.Equal(t, "/projects/0/id", e.Pointer)
}

func TestTransportFailsTheRoundTrip(t *testing.T) {
	srv, seen := projectServer(t, badList)
	client := &http.Client{Transport: &specvalidate.Transport{Validator: validator(t)}}
	_, err := client.Get(srv.URL + "/v3/projects")
	var e *specvalidate.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "/projects/0/id", e.Pointer)
	assert.Equal(t, int32(1), seen.Load())

	// A request the spec refuses is not sent.
	_, err = client.Post(srv.URL+"/v3/projects", "application/json", strings.NewReader(`{"project": {"name": 3}}`))
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "createProject", e.Operation)
	assert.Equal(t, "request body", e.In)
	assert.Equal(t, "/project/name", e.Pointer)
	assert.Equal(t, int32(1), seen.Load())

	// Nor is one to a path the spec does not describe.
	_, err = client.Get(srv.URL + "/v3/nowhere")
	assert.ErrorIs(t, err, specvalidate.ErrNoOperation)
	assert.Equal(t, int32(1), seen.Load())
}

func TestTransportChecksRequestsWithoutConsumingThem(t *testing.T) {
	created := `{"project": {"id": "p1", "name": "p", "domain_id": "default", "enabled": true, "is_domain": false,
		"description": "", "parent_id": "default", "tags": [], "options": {}, "links": {"self": "http://k/v3/projects/p1"}}}`
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, created)
	}))
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: &specvalidate.Transport{Validator: validator(t)}}
	sent := `{"project": {"name": "p"}}`
	// A reader http.NewRequest cannot rewind: the transport reads it and
	// sends the same bytes.
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/v3/projects", io.MultiReader(strings.NewReader(sent)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, sent, got)
}

func TestTransportSkipRequests(t *testing.T) {
	srv, seen := projectServer(t, `{"error": {"code": 400, "title": "Bad Request", "message": "invalid"}}`)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error": {"code": 400, "title": "Bad Request", "message": "invalid"}}`)
	})
	var reported error
	client := &http.Client{Transport: &specvalidate.Transport{
		Validator: validator(t), SkipRequests: true,
		Report: func(_ context.Context, err error) { reported = errors.Join(reported, err) },
	}}
	resp, err := client.Post(srv.URL+"/v3/projects", "application/json", strings.NewReader(`{"project": {"name": 3}}`))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, int32(1), seen.Load())
	assert.NoError(t, reported, "the 400 answer is one the spec declares")
}

func TestTransportWithoutValidatorFails(t *testing.T) {
	srv, seen := projectServer(t, badList)
	client := &http.Client{Transport: &specvalidate.Transport{}}
	_, err := client.Get(srv.URL + "/v3/projects")
	assert.ErrorContains(t, err, "no Validator")
	assert.Equal(t, int32(0), seen.Load())
}
