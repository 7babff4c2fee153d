// Package spec holds the conformance tests of the OpenAPI documents: every
// document validates, every operation Keystone serves is described, and every
// valid sample of Keystone's API reference validates against the operation it
// documents. A sample the reference gets wrong about Keystone is listed, with
// the reason, in exceptions/<area>.tsv; such a sample must then fail, so a
// fixed sample or a loosened spec shows up as a stale exception.
package spec
