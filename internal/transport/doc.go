// Package transport is the service-agnostic HTTP runtime behind pkg/auth's
// Session: when a failed exchange may be sent again and how long to wait
// first (back-off with jitter, Retry-After, the caller's deadline),
// concurrency and rate limits, building a TLS configuration from
// keystoneauth-style options, and the bounded record of exchange timings.
//
// pkg/auth keeps the options and types users see (RetryPolicy, TLSOptions,
// WithRateLimit, RequestTiming, ...) and their documentation; this package
// holds the mechanisms, so that they can be read and tested without a
// Session. It knows nothing of Keystone, tokens or sessions and must not
// import pkg/auth.
package transport
