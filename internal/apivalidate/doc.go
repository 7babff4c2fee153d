// Package apivalidate checks HTTP requests and answers against the bundled
// OpenAPI documents in api/, with kin-openapi. The end-to-end suite sends
// every answer of the real Keystone through it, the sample tests every
// api-ref sample, and the fake servers their own traffic: an answer the spec
// does not describe is an error.
package apivalidate
