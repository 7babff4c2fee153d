package apierror

// Kind is a class of failure. Kinds form a tree: ErrNotFound is an
// ErrHTTPClient, which is an ErrHTTP, which is an ErrClient. errors.Is matches
// an error against its own kind and every ancestor.
type Kind struct {
	name   string
	status int // the HTTP status a leaf kind stands for; 0 for classes
	parent *Kind
}

func newKind(name string, status int, parent *Kind) *Kind {
	return &Kind{name: name, status: status, parent: parent}
}

// Error names the kind, so that a Kind can be returned as an error itself.
func (k *Kind) Error() string { return k.name }

// Name is the kind's name, as python-keystoneclient names the exception.
func (k *Kind) Name() string { return k.name }

// Parent is the broader kind this one belongs to, or nil for ErrClient.
func (k *Kind) Parent() *Kind { return k.parent }

// Is reports whether k is target or descends from it.
func (k *Kind) Is(target error) bool {
	t, ok := target.(*Kind)
	if !ok {
		return false
	}
	for c := k; c != nil; c = c.parent {
		if c == t {
			return true
		}
	}
	return false
}

// The root of every error this SDK returns.
var ErrClient = newKind("ClientException", 0, nil)

// Failures before or around an HTTP exchange.
var (
	ErrConnection          = newKind("ConnectionError", 0, ErrClient)
	ErrConnectionRefused   = newKind("ConnectFailure", 0, ErrConnection)
	ErrTimeout             = newKind("ConnectTimeout", 0, ErrConnection)
	ErrSSL                 = newKind("SSLError", 0, ErrConnection)
	ErrUnknownConnection   = newKind("UnknownConnectionError", 0, ErrConnection)
	ErrRetriesExhausted    = newKind("RetriesExceeded", 0, ErrConnection)
	ErrResponseTooLarge    = newKind("ResponseTooLarge", 0, ErrClient)
	ErrInvalidResponse     = newKind("InvalidResponse", 0, ErrClient)
	ErrDiscoveryFailure    = newKind("DiscoveryFailure", 0, ErrClient)
	ErrVersionNotAvailable = newKind("VersionNotAvailable", 0, ErrDiscoveryFailure)
	ErrCatalog             = newKind("CatalogException", 0, ErrClient)
	ErrEmptyCatalog        = newKind("EmptyCatalog", 0, ErrCatalog)
	ErrEndpointNotFound    = newKind("EndpointNotFound", 0, ErrCatalog)
	ErrAuthPlugin          = newKind("AuthPluginException", 0, ErrClient)
	ErrMissingAuthPlugin   = newKind("MissingAuthPlugin", 0, ErrAuthPlugin)
	ErrMissingAuthOption   = newKind("MissingRequiredOptions", 0, ErrAuthPlugin)
	ErrAuthorization       = newKind("AuthorizationFailure", 0, ErrClient)
	ErrMissingAuthMethods  = newKind("MissingAuthMethods", 0, ErrAuthorization)
	ErrInvalidConfig       = newKind("ConfigException", 0, ErrClient)
)

// HTTP answers, by status class and status.
var (
	ErrHTTP       = newKind("HttpError", 0, ErrClient)
	ErrHTTPClient = newKind("HTTPClientError", 0, ErrHTTP)
	ErrHTTPServer = newKind("HttpServerError", 0, ErrHTTP)
	ErrHTTPOther  = newKind("HttpError", 0, ErrHTTP) // 1xx and 3xx nobody followed

	ErrBadRequest                   = newKind("BadRequest", 400, ErrHTTPClient)
	ErrUnauthorized                 = newKind("Unauthorized", 401, ErrHTTPClient)
	ErrPaymentRequired              = newKind("PaymentRequired", 402, ErrHTTPClient)
	ErrForbidden                    = newKind("Forbidden", 403, ErrHTTPClient)
	ErrNotFound                     = newKind("NotFound", 404, ErrHTTPClient)
	ErrMethodNotAllowed             = newKind("MethodNotAllowed", 405, ErrHTTPClient)
	ErrNotAcceptable                = newKind("NotAcceptable", 406, ErrHTTPClient)
	ErrProxyAuthenticationRequired  = newKind("ProxyAuthenticationRequired", 407, ErrHTTPClient)
	ErrRequestTimeout               = newKind("RequestTimeout", 408, ErrHTTPClient)
	ErrConflict                     = newKind("Conflict", 409, ErrHTTPClient)
	ErrGone                         = newKind("Gone", 410, ErrHTTPClient)
	ErrLengthRequired               = newKind("LengthRequired", 411, ErrHTTPClient)
	ErrPreconditionFailed           = newKind("PreconditionFailed", 412, ErrHTTPClient)
	ErrRequestEntityTooLarge        = newKind("RequestEntityTooLarge", 413, ErrHTTPClient)
	ErrRequestURITooLong            = newKind("RequestUriTooLong", 414, ErrHTTPClient)
	ErrUnsupportedMediaType         = newKind("UnsupportedMediaType", 415, ErrHTTPClient)
	ErrRequestedRangeNotSatisfiable = newKind("RequestedRangeNotSatisfiable", 416, ErrHTTPClient)
	ErrExpectationFailed            = newKind("ExpectationFailed", 417, ErrHTTPClient)
	ErrUnprocessableEntity          = newKind("UnprocessableEntity", 422, ErrHTTPClient)
	ErrTooManyRequests              = newKind("TooManyRequests", 429, ErrHTTPClient)
	ErrInternalServerError          = newKind("InternalServerError", 500, ErrHTTPServer)
	ErrNotImplemented               = newKind("HttpNotImplemented", 501, ErrHTTPServer)
	ErrBadGateway                   = newKind("BadGateway", 502, ErrHTTPServer)
	ErrServiceUnavailable           = newKind("ServiceUnavailable", 503, ErrHTTPServer)
	ErrGatewayTimeout               = newKind("GatewayTimeout", 504, ErrHTTPServer)
	ErrHTTPVersionNotSupported      = newKind("HttpVersionNotSupported", 505, ErrHTTPServer)
)

var statusKinds = func() map[int]*Kind {
	m := map[int]*Kind{}
	for _, k := range []*Kind{
		ErrBadRequest, ErrUnauthorized, ErrPaymentRequired, ErrForbidden, ErrNotFound,
		ErrMethodNotAllowed, ErrNotAcceptable, ErrProxyAuthenticationRequired, ErrRequestTimeout,
		ErrConflict, ErrGone, ErrLengthRequired, ErrPreconditionFailed, ErrRequestEntityTooLarge,
		ErrRequestURITooLong, ErrUnsupportedMediaType, ErrRequestedRangeNotSatisfiable,
		ErrExpectationFailed, ErrUnprocessableEntity, ErrTooManyRequests, ErrInternalServerError,
		ErrNotImplemented, ErrBadGateway, ErrServiceUnavailable, ErrGatewayTimeout,
		ErrHTTPVersionNotSupported,
	} {
		m[k.status] = k
	}
	return m
}()

// KindOfStatus is the most specific kind for an HTTP status.
func KindOfStatus(status int) *Kind {
	if k, ok := statusKinds[status]; ok {
		return k
	}
	switch {
	case status >= 400 && status < 500:
		return ErrHTTPClient
	case status >= 500 && status < 600:
		return ErrHTTPServer
	default:
		return ErrHTTPOther
	}
}
