// Package jsonbody checks that a 2xx answer labelled JSON is one whole JSON
// object or array before a decoder reads it, so that an HTML page from a
// proxy or a body cut short fails as an *apierror.InvalidResponseError
// (with the answer's request id, method and redacted URL) instead of a bare
// encoding/json syntax error. Buffer reads the body into memory for callers
// that read it more than once (the Session's token answers); Check watches a
// body go by for callers that read it once (the generated clients, through
// pkg/identity), at no extra copy or scan.
//
// It lives apart from pkg/auth so that pkg/identity can use it without
// pkg/auth exporting it to users.
package jsonbody
