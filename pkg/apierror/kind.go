package apierror

import "strings"

// Kind is a class of failure. Kinds form a tree, like the exception classes
// of python-keystoneclient and keystoneauth they are named after: ErrNotFound
// is an ErrHTTPClient, which is an ErrHTTP, which is an ErrClient. errors.Is
// matches an error against its own kind and every ancestor.
//
// A few kinds have two parents, as their Python classes have two bases:
// ErrTimeout and ErrConnectionRefused are both ErrConnection and
// ErrRetriableConnection.
type Kind struct {
	name    string
	status  int // the HTTP status a leaf kind stands for; 0 for classes
	parents []*Kind
}

func newKind(name string, status int, parents ...*Kind) *Kind {
	k := &Kind{name: name, status: status, parents: parents}
	kindsByName[strings.ToLower(name)] = k
	if status != 0 {
		statusKinds[status] = k
	}
	return k
}

// kindsByName and statusKinds are filled by newKind while the package
// initializes, and only read afterwards.
var (
	kindsByName = map[string]*Kind{}
	statusKinds = map[int]*Kind{}
)

// Error names the kind, so that a Kind can be returned as an error itself.
func (k *Kind) Error() string { return k.name }

// Name is the kind's name, as python-keystoneclient (or keystoneauth, for the
// kinds keystoneclient does not have) names the exception.
func (k *Kind) Name() string { return k.name }

// Status is the HTTP status the kind stands for, or 0 for a class of
// statuses or a failure without an HTTP answer.
func (k *Kind) Status() int { return k.status }

// Parent is the broader kind this one belongs to (the first, for a kind with
// two), or nil for a root such as ErrClient.
func (k *Kind) Parent() *Kind {
	if len(k.parents) == 0 {
		return nil
	}
	return k.parents[0]
}

// Parents are all the broader kinds this one directly belongs to.
func (k *Kind) Parents() []*Kind { return k.parents }

// Is reports whether k is target or descends from it.
func (k *Kind) Is(target error) bool {
	t, ok := target.(*Kind)
	if !ok {
		return false
	}
	return k.descends(t)
}

func (k *Kind) descends(t *Kind) bool {
	if k == t {
		return true
	}
	for _, p := range k.parents {
		if p.descends(t) {
			return true
		}
	}
	return false
}

// KindByName finds a kind by the name of the Python exception class it
// mirrors ("NotFound", "EndpointNotFound", "ConnectFailure"; case does not
// matter). The aliases keystoneclient defines are accepted too
// ("ConnectionRefused", "EndpointException", "HTTPError", "Timeout", ...).
func KindByName(name string) *Kind {
	n := strings.ToLower(name)
	if a, ok := kindAliases[n]; ok {
		return a
	}
	return kindsByName[n]
}

// The root of every error this SDK returns about a request.
var ErrClient = newKind("ClientException", 0)

// Roots outside ClientException, as in Python, where these derive from
// Exception directly.
var (
	// ErrRetriableConnection marks connection failures worth another try
	// (keystoneauth's RetriableConnectionFailure).
	ErrRetriableConnection = newKind("RetriableConnectionFailure", 0)
	// ErrCMS is a failure reading or verifying a CMS (PKI) document.
	ErrCMS = newKind("CMSError", 0)
	// ErrCertificateConfig is a missing or unreadable certificate file.
	ErrCertificateConfig = newKind("CertificateConfigError", 0)
)

// Failures before or around an HTTP exchange.
var (
	ErrConnection        = newKind("ConnectionError", 0, ErrClient)
	ErrConnectionRefused = newKind("ConnectFailure", 0, ErrConnection, ErrRetriableConnection)
	ErrTimeout           = newKind("ConnectTimeout", 0, ErrConnection, ErrRetriableConnection)
	ErrSSL               = newKind("SSLError", 0, ErrConnection)
	ErrUnknownConnection = newKind("UnknownConnectionError", 0, ErrConnection)
	// ErrIncompleteBody is an answer whose body ended early: the connection
	// was reset or closed before the length the server announced.
	ErrIncompleteBody   = newKind("IncompleteRead", 0, ErrConnection)
	ErrRetriesExhausted = newKind("RetriesExceeded", 0, ErrConnection)
	ErrResponseTooLarge = newKind("ResponseTooLarge", 0, ErrClient)
	// ErrCrossOrigin is a redirect or a link the SDK would not follow
	// because the credentials of the request would go to another origin
	// (scheme, host and port), or from https to plain http
	// (*CrossOriginError).
	ErrCrossOrigin     = newKind("CrossOriginRefused", 0, ErrClient)
	ErrInvalidResponse = newKind("InvalidResponse", 0, ErrClient)

	ErrDiscoveryFailure    = newKind("DiscoveryFailure", 0, ErrClient)
	ErrVersionNotAvailable = newKind("VersionNotAvailable", 0, ErrDiscoveryFailure)

	ErrCatalog            = newKind("CatalogException", 0, ErrClient)
	ErrEndpointNotFound   = newKind("EndpointNotFound", 0, ErrCatalog)
	ErrEmptyCatalog       = newKind("EmptyCatalog", 0, ErrEndpointNotFound)
	ErrAmbiguousEndpoints = newKind("AmbiguousEndpoints", 0, ErrCatalog)

	ErrAuthPlugin        = newKind("AuthPluginException", 0, ErrClient)
	ErrMissingAuthPlugin = newKind("MissingAuthPlugin", 0, ErrAuthPlugin)
	ErrNoMatchingPlugin  = newKind("NoMatchingPlugin", 0, ErrAuthPlugin)
	ErrOption            = newKind("OptionError", 0, ErrAuthPlugin)
	// ErrUnsupportedParameters is a ClientException in keystoneclient and an
	// AuthPluginException in keystoneauth; under ErrAuthPlugin it is both.
	ErrUnsupportedParameters = newKind("UnsupportedParameters", 0, ErrAuthPlugin)

	ErrAuthorization            = newKind("AuthorizationFailure", 0, ErrClient)
	ErrAuthPluginOptionsMissing = newKind("AuthPluginOptionsMissing", 0, ErrAuthorization)
	ErrAuthSystemNotFound       = newKind("AuthSystemNotFound", 0, ErrAuthorization)
	ErrMissingAuthMethods       = newKind("MissingAuthMethods", 0, ErrAuthorization)
	// ErrTokenRefresh is a token the session could not renew when a caller
	// needed the new one (*TokenRefreshError); the cause is wrapped.
	ErrTokenRefresh = newKind("TokenRefreshFailure", 0, ErrAuthorization)
	// ErrMissingAuthOption is keystoneauth's MissingRequiredOptions (an
	// OptionError) and keystoneclient's AuthPluginOptionsMissing at once.
	ErrMissingAuthOption = newKind("MissingRequiredOptions", 0, ErrOption, ErrAuthPluginOptionsMissing)

	ErrInvalidConfig        = newKind("ConfigException", 0, ErrClient)
	ErrCommand              = newKind("CommandError", 0, ErrClient)
	ErrMethodNotImplemented = newKind("MethodNotImplemented", 0, ErrClient)
	ErrNoUniqueMatch        = newKind("NoUniqueMatch", 0, ErrClient)
	ErrUnsupportedVersion   = newKind("UnsupportedVersion", 0, ErrClient)
	ErrValidation           = newKind("ValidationError", 0, ErrClient)
)

// HTTP answers, by status class and status.
var (
	ErrHTTP            = newKind("HttpError", 0, ErrClient)
	ErrHTTPRedirection = newKind("HTTPRedirection", 0, ErrHTTP)
	ErrHTTPClient      = newKind("HTTPClientError", 0, ErrHTTP)
	ErrHTTPServer      = newKind("HttpServerError", 0, ErrHTTP)
	// ErrHTTPOther is any other status outside 2xx (1xx, or beyond 599).
	ErrHTTPOther = newKind("UnexpectedStatus", 0, ErrHTTP)

	ErrMultipleChoices = newKind("MultipleChoices", 300, ErrHTTPRedirection)

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

// kindAliases are the other names keystoneclient gives the same classes.
var kindAliases = map[string]*Kind{
	"connectionrefused": ErrConnectionRefused,
	"endpointexception": ErrCatalog,
	"httperror":         ErrHTTP,
	"timeout":           ErrRequestTimeout,
}

// KindOfStatus is the most specific kind for an HTTP status.
func KindOfStatus(status int) *Kind {
	if k, ok := statusKinds[status]; ok {
		return k
	}
	switch {
	case status >= 300 && status < 400:
		return ErrHTTPRedirection
	case status >= 400 && status < 500:
		return ErrHTTPClient
	case status >= 500 && status < 600:
		return ErrHTTPServer
	default:
		return ErrHTTPOther
	}
}
