package apierror

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func answer(status int, header http.Header) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{StatusCode: status, Header: header}
}

func TestKeystoneErrorBody(t *testing.T) {
	h := http.Header{"X-Openstack-Request-Id": {"req-42"}}
	body := []byte(`{"error":{"code":404,"title":"Not Found","message":"Could not find project: p1."}}`)
	err := error(FromResponse(answer(404, h), "GET", "http://k/v3/projects/p1", body))

	assert.True(t, errors.Is(err, ErrNotFound))
	assert.True(t, errors.Is(err, ErrHTTPClient))
	assert.True(t, errors.Is(err, ErrHTTP))
	assert.True(t, errors.Is(err, ErrClient))
	assert.False(t, errors.Is(err, ErrConflict))
	assert.False(t, errors.Is(err, ErrHTTPServer))

	wrapped := fmt.Errorf("listing: %w", err)
	var e *Error
	require.True(t, errors.As(wrapped, &e))
	assert.Equal(t, 404, e.StatusCode)
	assert.Equal(t, 404, e.Code)
	assert.Equal(t, "Not Found", e.Title)
	assert.Equal(t, "Could not find project: p1.", e.Message)
	assert.Equal(t, "req-42", e.RequestID)
	assert.Equal(t, "GET http://k/v3/projects/p1: 404 Not Found: Could not find project: p1. (request id req-42)", e.Error())
}

func TestHTMLBody(t *testing.T) {
	body := []byte("<!doctype html>\n<html><head><title>404 Not Found</title><style>p{}</style></head>" +
		"<body><h1>Not Found</h1><p>The requested URL was not found &amp; that's that.</p></body></html>")
	e := FromResponse(answer(404, nil), "GET", "http://k/v2.0", body)
	assert.Equal(t, "404 Not Found Not Found The requested URL was not found & that's that.", e.Message)
	assert.True(t, errors.Is(e, ErrNotFound))
}

func TestLongGarbageIsBounded(t *testing.T) {
	body := make([]byte, 1<<20)
	for i := range body {
		body[i] = 'x'
	}
	e := FromResponse(answer(502, nil), "GET", "u", body)
	assert.LessOrEqual(t, len(e.Message), maxMessage+len("…"))
	assert.True(t, errors.Is(e, ErrBadGateway))
	assert.True(t, errors.Is(e, ErrHTTPServer))
}

func TestMultiFactorRules(t *testing.T) {
	body := []byte(`{"receipt":{"methods":["password"]},"error":{"code":401,"title":"Unauthorized",` +
		`"message":"Additional authentications steps required.","identity":{"methods":["password","totp"]}}}`)
	h := http.Header{"Openstack-Auth-Receipt": {"r-1"}}
	e := FromResponse(answer(401, h), "POST", "u", body)
	require.NotNil(t, e.Identity)
	assert.Equal(t, []string{"password", "totp"}, e.Identity.Methods)
	assert.Equal(t, "r-1", e.Header.Get("Openstack-Auth-Receipt"))
	assert.True(t, errors.Is(e, ErrUnauthorized))
}

func TestAuthReceiptBody(t *testing.T) {
	body := []byte(`{"receipt":{"methods":["password"],"expires_at":"2018-07-05T08:39:23.000000Z"},` +
		`"required_auth_methods":[["totp","password"]]}`)
	e := FromResponse(answer(401, http.Header{"Openstack-Auth-Receipt": {"rcpt"}}), "POST", "u", body)
	require.NotNil(t, e.Identity)
	assert.Equal(t, []string{"password"}, e.Identity.Methods)
	assert.Equal(t, [][]string{{"totp", "password"}}, e.Identity.RequiredAuthMethods)
	assert.True(t, errors.Is(e, ErrUnauthorized))
}

func TestUnknownStatusFallsIntoItsClass(t *testing.T) {
	assert.Same(t, ErrHTTPClient, KindOfStatus(418))
	assert.Same(t, ErrHTTPServer, KindOfStatus(599))
	assert.Same(t, ErrHTTPRedirection, KindOfStatus(302))
	assert.Same(t, ErrMultipleChoices, KindOfStatus(300))
	assert.Same(t, ErrHTTPOther, KindOfStatus(101))
	assert.Same(t, ErrHTTPOther, KindOfStatus(999))
	assert.True(t, errors.Is(FromResponse(answer(418, nil), "GET", "u", nil), ErrHTTPClient))
}

func TestTransportError(t *testing.T) {
	err := error(&TransportError{Kind: ErrTimeout, Method: "GET", URL: "u", Err: context.DeadlineExceeded})
	assert.True(t, errors.Is(err, ErrTimeout))
	assert.True(t, errors.Is(err, ErrConnection))
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
	assert.False(t, errors.Is(err, ErrHTTP))
	assert.Contains(t, err.Error(), "ConnectTimeout")
}

func ExampleError() {
	resp := &http.Response{StatusCode: 409, Header: http.Header{"X-Openstack-Request-Id": {"req-1"}}}
	err := error(FromResponse(resp, "POST", "http://keystone/v3/projects",
		[]byte(`{"error":{"code":409,"title":"Conflict","message":"Duplicate project."}}`)))

	var apiErr *Error
	if errors.Is(err, ErrConflict) && errors.As(err, &apiErr) {
		fmt.Println(apiErr.Message, apiErr.RequestID)
	}
	// Output: Duplicate project. req-1
}
