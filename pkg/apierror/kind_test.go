package apierror

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keystoneclientHierarchy is python-keystoneclient 5's exception tree (the
// seed inventory's §9): every class with its parent and HTTP status.
var keystoneclientHierarchy = []struct {
	class, parent string
	status        int
}{
	{"ClientException", "", 0},
	{"CMSError", "", 0},
	{"CertificateConfigError", "", 0},
	{"AuthorizationFailure", "ClientException", 0},
	{"AuthPluginOptionsMissing", "AuthorizationFailure", 0},
	{"AuthSystemNotFound", "AuthorizationFailure", 0},
	{"CommandError", "ClientException", 0},
	{"ConnectionError", "ClientException", 0},
	{"ConnectionRefused", "ConnectionError", 0},
	{"SSLError", "ConnectionError", 0},
	{"DiscoveryFailure", "ClientException", 0},
	{"VersionNotAvailable", "DiscoveryFailure", 0},
	{"InvalidResponse", "ClientException", 0},
	{"MethodNotImplemented", "ClientException", 0},
	{"NoUniqueMatch", "ClientException", 0},
	{"UnsupportedParameters", "ClientException", 0},
	{"UnsupportedVersion", "ClientException", 0},
	{"ValidationError", "ClientException", 0},
	{"AuthPluginException", "ClientException", 0},
	{"MissingAuthPlugin", "AuthPluginException", 0},
	{"NoMatchingPlugin", "AuthPluginException", 0},
	{"CatalogException", "ClientException", 0},
	{"EndpointException", "ClientException", 0},
	{"AmbiguousEndpoints", "CatalogException", 0},
	{"EndpointNotFound", "CatalogException", 0},
	{"EmptyCatalog", "EndpointNotFound", 0},
	{"HttpError", "ClientException", 0},
	{"HTTPError", "ClientException", 0},
	{"HTTPRedirection", "HttpError", 0},
	{"MultipleChoices", "HTTPRedirection", 300},
	{"HTTPClientError", "HttpError", 0},
	{"HttpServerError", "HttpError", 0},
	{"BadRequest", "HTTPClientError", 400},
	{"Unauthorized", "HTTPClientError", 401},
	{"PaymentRequired", "HTTPClientError", 402},
	{"Forbidden", "HTTPClientError", 403},
	{"NotFound", "HTTPClientError", 404},
	{"MethodNotAllowed", "HTTPClientError", 405},
	{"NotAcceptable", "HTTPClientError", 406},
	{"ProxyAuthenticationRequired", "HTTPClientError", 407},
	{"RequestTimeout", "HTTPClientError", 408},
	{"Timeout", "HTTPClientError", 408},
	{"Conflict", "HTTPClientError", 409},
	{"Gone", "HTTPClientError", 410},
	{"LengthRequired", "HTTPClientError", 411},
	{"PreconditionFailed", "HTTPClientError", 412},
	{"RequestEntityTooLarge", "HTTPClientError", 413},
	{"RequestUriTooLong", "HTTPClientError", 414},
	{"UnsupportedMediaType", "HTTPClientError", 415},
	{"RequestedRangeNotSatisfiable", "HTTPClientError", 416},
	{"ExpectationFailed", "HTTPClientError", 417},
	{"UnprocessableEntity", "HTTPClientError", 422},
	{"InternalServerError", "HttpServerError", 500},
	{"HttpNotImplemented", "HttpServerError", 501},
	{"HTTPNotImplemented", "HttpServerError", 501},
	{"BadGateway", "HttpServerError", 502},
	{"ServiceUnavailable", "HttpServerError", 503},
	{"GatewayTimeout", "HttpServerError", 504},
	{"HttpVersionNotSupported", "HttpServerError", 505},
	// keystoneauth1's own classes that keystoneclient re-exports or uses.
	{"ConnectFailure", "ConnectionError", 0},
	{"ConnectTimeout", "ConnectionError", 0},
	{"UnknownConnectionError", "ConnectionError", 0},
	{"RetriableConnectionFailure", "", 0},
	{"MissingRequiredOptions", "AuthPluginException", 0},
	{"OptionError", "AuthPluginException", 0},
	{"MissingAuthMethods", "ClientException", 0},
}

func TestEveryKeystoneclientClassHasAKind(t *testing.T) {
	for _, c := range keystoneclientHierarchy {
		k := KindByName(c.class)
		require.NotNil(t, k, c.class)
		assert.Equal(t, c.status, k.Status(), c.class)
		if c.parent == "" {
			continue
		}
		parent := KindByName(c.parent)
		require.NotNil(t, parent, c.parent)
		assert.True(t, errors.Is(k, parent), "%s descends from %s", c.class, c.parent)
		assert.False(t, errors.Is(parent, k), "%s is not a %s", c.parent, c.class)
		if c.status != 0 {
			assert.Same(t, k, KindOfStatus(c.status), c.class)
			e := FromResponse(answer(c.status, nil), "GET", "u", nil)
			assert.True(t, errors.Is(e, k) && errors.Is(e, parent) && errors.Is(e, ErrClient), c.class)
		}
	}
	assert.Nil(t, KindByName("NoSuchException"))
}

func TestTwoParents(t *testing.T) {
	for _, k := range []*Kind{ErrTimeout, ErrConnectionRefused} {
		assert.True(t, errors.Is(k, ErrConnection))
		assert.True(t, errors.Is(k, ErrRetriableConnection))
		assert.True(t, errors.Is(k, ErrClient))
		assert.Same(t, ErrConnection, k.Parent())
	}
	assert.False(t, errors.Is(ErrSSL, ErrRetriableConnection), "keystoneauth does not retry TLS failures")
	assert.True(t, errors.Is(ErrMissingAuthOption, ErrAuthPluginOptionsMissing))
	assert.True(t, errors.Is(ErrMissingAuthOption, ErrAuthorization))
	assert.True(t, errors.Is(ErrMissingAuthOption, ErrAuthPlugin))
	assert.False(t, errors.Is(ErrCMS, ErrClient))
}

func TestRetryAfterOnTheError(t *testing.T) {
	e := FromResponse(answer(429, http.Header{"Retry-After": {"7"}}), "GET", "u", nil)
	assert.Equal(t, 7*time.Second, e.RetryAfter)
	date := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	e = FromResponse(answer(503, http.Header{"Retry-After": {date}}), "GET", "u", nil)
	assert.InDelta(t, float64(time.Hour), float64(e.RetryAfter), float64(2*time.Second))
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{" 3 ", 3 * time.Second, true},
		{"1.5", 1500 * time.Millisecond, true},
		{"99999999999999999999999", 24 * time.Hour, true},
		{"Wed, 21 Oct 2015 07:28:30 GMT", 30 * time.Second, true},
		{"Wednesday, 21-Oct-15 07:29:00 GMT", time.Minute, true},
		{"Wed Oct 21 07:28:10 2015", 10 * time.Second, true},
		{"Wed, 21 Oct 2015 07:00:00 GMT", 0, true},
		{"Fri, 21 Oct 2016 07:28:00 GMT", 24 * time.Hour, true},
		{"", 0, false},
		{"-1", 0, false},
		{"12s", 0, false},
		{"1.x", 0, false},
		{"soon", 0, false},
	}
	for _, c := range cases {
		got, ok := ParseRetryAfter(c.in, now)
		assert.Equal(t, c.ok, ok, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
}

func TestInvalidResponseError(t *testing.T) {
	err := error(&InvalidResponseError{StatusCode: 200, ContentType: "application/json", RequestID: "req-9",
		Method: "GET", URL: "http://k/v3/projects", Err: errors.New("unexpected end of JSON input")})
	assert.True(t, errors.Is(err, ErrInvalidResponse))
	assert.True(t, errors.Is(err, ErrClient))
	assert.False(t, errors.Is(err, ErrHTTP))
	assert.Contains(t, err.Error(), "req-9")
	var ir *InvalidResponseError
	require.True(t, errors.As(fmt.Errorf("wrapped: %w", err), &ir))
	assert.Equal(t, "GET", ir.Method)
}

func ExampleKindByName() {
	k := KindByName("EmptyCatalog")
	fmt.Println(k.Name(), "is an", k.Parent().Name(), "is a", k.Parent().Parent().Name())
	// Output: EmptyCatalog is an EndpointNotFound is a CatalogException
}

func ExampleParseRetryAfter() {
	now := time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)
	d, _ := ParseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now)
	s, _ := ParseRetryAfter("5", now)
	fmt.Println(d, s)
	// Output: 30s 5s
}
