package transport

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/keystone-go/keystone/pkg/apierror"
)

func TestBackoff(t *testing.T) {
	for n, nominal := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		nominal *= time.Millisecond
		for range 50 {
			d := Backoff(n, 100*time.Millisecond, time.Second)
			assert.GreaterOrEqual(t, d, nominal/2, "retry %d", n)
			assert.LessOrEqual(t, d, nominal, "retry %d", n)
		}
	}
}

func TestRetriable(t *testing.T) {
	get := httptest.NewRequest(http.MethodGet, "http://k/v3/x", nil)
	post := httptest.NewRequest(http.MethodPost, "http://k/v3/x", nil)
	assert.True(t, StatusRetriable(get, 503, []int{503}, false))
	assert.False(t, StatusRetriable(post, 503, []int{503}, false), "a POST may have created something")
	assert.True(t, StatusRetriable(post, 503, []int{503}, true))
	assert.False(t, StatusRetriable(get, 500, []int{503}, false))

	reset := &apierror.TransportError{Kind: apierror.ErrConnection, Err: errors.New("connection reset")}
	dial := &apierror.TransportError{Kind: apierror.ErrConnection, Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}
	assert.True(t, ErrorRetriable(get, reset, false))
	assert.False(t, ErrorRetriable(post, reset, false), "the server may have seen it")
	assert.True(t, ErrorRetriable(post, dial, false), "never sent")
	assert.False(t, ErrorRetriable(get, errors.New("not a transport error"), true))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.False(t, ErrorRetriable(get.WithContext(ctx), reset, false), "the caller gave up")
}

func TestRetryAfter(t *testing.T) {
	resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"3"}}}
	d, ok := RetryAfter(resp)
	assert.True(t, ok)
	assert.Equal(t, 3*time.Second, d)
	resp.StatusCode = http.StatusBadGateway
	_, ok = RetryAfter(resp)
	assert.False(t, ok, "only 429 and 503 carry one")
}
