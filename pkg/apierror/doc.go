// Package apierror defines the errors every keystone-go call returns.
//
// An answer outside 2xx becomes an *Error that carries the HTTP status,
// Keystone's own error code, title and message, the request id Keystone
// logged (X-Openstack-Request-Id), the method and URL of the request, and the
// Retry-After the server asked for. A failure of the connection (refused,
// timeout, TLS, reset, a body that broke off) becomes a *TransportError; a 2xx
// answer with a malformed body an *InvalidResponseError; a redirect or
// links.next that would carry a credential to another origin a
// *CrossOriginError; the catalog and discovery return errors of their own
// that match the kinds below.
//
// The Kind sentinels form the same hierarchy as python-keystoneclient's and
// keystoneauth's exceptions, so a caller tests for as much or as little as it
// cares about:
//
//	errors.Is(err, apierror.ErrNotFound)    // 404
//	errors.Is(err, apierror.ErrHTTPClient)  // any 4xx
//	errors.Is(err, apierror.ErrConnection)  // refused, reset, timeout, TLS, ...
//	errors.Is(err, apierror.ErrCatalog)     // no endpoint, empty catalog
//
// and errors.As(err, &apiErr) gives the details.
//
// The tree (Python class names; KindByName finds a kind by them):
//
//	ClientException                      ErrClient
//	├─ AuthorizationFailure              ErrAuthorization
//	│  ├─ AuthPluginOptionsMissing       ErrAuthPluginOptionsMissing
//	│  ├─ AuthSystemNotFound             ErrAuthSystemNotFound
//	│  ├─ MissingAuthMethods             ErrMissingAuthMethods
//	│  └─ TokenRefreshFailure            ErrTokenRefresh (*TokenRefreshError)
//	├─ CommandError                      ErrCommand
//	├─ ConnectionError                   ErrConnection
//	│  ├─ ConnectFailure                 ErrConnectionRefused (also RetriableConnectionFailure)
//	│  ├─ ConnectTimeout                 ErrTimeout (also RetriableConnectionFailure)
//	│  ├─ SSLError                       ErrSSL
//	│  ├─ UnknownConnectionError         ErrUnknownConnection
//	│  ├─ IncompleteRead                 ErrIncompleteBody
//	│  └─ RetriesExceeded                ErrRetriesExhausted
//	├─ DiscoveryFailure                  ErrDiscoveryFailure
//	│  └─ VersionNotAvailable            ErrVersionNotAvailable
//	├─ InvalidResponse                   ErrInvalidResponse
//	├─ ResponseTooLarge                  ErrResponseTooLarge
//	├─ CrossOriginRefused                ErrCrossOrigin (*CrossOriginError)
//	├─ MethodNotImplemented              ErrMethodNotImplemented
//	├─ NoUniqueMatch                     ErrNoUniqueMatch
//	├─ UnsupportedVersion                ErrUnsupportedVersion
//	├─ ValidationError                   ErrValidation
//	├─ ConfigException                   ErrInvalidConfig
//	├─ AuthPluginException               ErrAuthPlugin
//	│  ├─ MissingAuthPlugin              ErrMissingAuthPlugin
//	│  ├─ NoMatchingPlugin               ErrNoMatchingPlugin
//	│  ├─ UnsupportedParameters          ErrUnsupportedParameters
//	│  └─ OptionError                    ErrOption
//	│     └─ MissingRequiredOptions      ErrMissingAuthOption (also AuthPluginOptionsMissing)
//	├─ CatalogException                  ErrCatalog
//	│  ├─ AmbiguousEndpoints             ErrAmbiguousEndpoints
//	│  └─ EndpointNotFound               ErrEndpointNotFound
//	│     └─ EmptyCatalog                ErrEmptyCatalog
//	└─ HttpError                         ErrHTTP
//	   ├─ HTTPRedirection                ErrHTTPRedirection
//	   │  └─ MultipleChoices (300)       ErrMultipleChoices
//	   ├─ HTTPClientError                ErrHTTPClient: ErrBadRequest (400) … ErrTooManyRequests (429)
//	   ├─ HttpServerError                ErrHTTPServer: ErrInternalServerError (500) … (505)
//	   └─ UnexpectedStatus               ErrHTTPOther (1xx, or beyond 599)
//	RetriableConnectionFailure           ErrRetriableConnection
//	CMSError                             ErrCMS
//	CertificateConfigError               ErrCertificateConfig
//
// ErrTooManyRequests (429), ErrResponseTooLarge, ErrCrossOrigin,
// ErrIncompleteBody, ErrRetriesExhausted, ErrInvalidConfig and ErrHTTPOther
// have no Python
// counterpart; everything else mirrors a class of keystoneclient 5 or
// keystoneauth1 5.
package apierror
