// Package apierror defines the errors every keystone-go call returns.
//
// An answer outside 2xx becomes an *Error that carries the HTTP status,
// Keystone's own error code, title and message, the request id Keystone
// logged, and the method and URL of the request. A failure before any answer
// (refused connection, timeout, TLS, no endpoint in the catalog, ...) becomes
// a *TransportError or a plain error wrapping one of the Kind sentinels.
//
// The sentinels form the same hierarchy as python-keystoneclient's and
// keystoneauth's exceptions, so a caller tests for as much or as little as it
// cares about:
//
//	errors.Is(err, apierror.ErrNotFound)    // 404
//	errors.Is(err, apierror.ErrHTTPClient)  // any 4xx
//	errors.Is(err, apierror.ErrConnection)  // refused, reset, DNS, ...
//
// and errors.As(err, &apiErr) gives the details.
package apierror
