// Package specvalidate checks Identity API traffic against the OpenAPI
// documents this SDK is generated from, which it embeds (package api): a
// request or an answer, found by operation id or by method and path, or
// every exchange of an http.Client through Transport.
//
// A Validator is built once (loading the documents takes a fraction of a
// second) and is then safe for concurrent use: it is read-only, and its
// routes are resolved into a tree when it is built, so a lookup costs a walk
// over the path's segments.
//
// Every mismatch is an *Error naming the operation, the status, the JSON
// pointer in the body and what the spec expected; a check that finds several
// returns them joined (errors.As finds the first, Errors lists them all).
// Paths are matched without the deployment's base path (WithBasePath) and
// with the version root the documents are relative to: /v3/... for
// Identity v3, /v2.0/... for v2.0, / for version discovery.
package specvalidate
