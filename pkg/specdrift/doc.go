// Package specdrift compares the routes a live Keystone announces in its
// JSON-home document (GET /v3 with Accept: application/json-home) with the
// operations of the bundled Identity v3 document: routes Keystone serves that
// the spec lacks, and spec paths Keystone does not route.
//
// JSON-home names paths, not methods, so the comparison is by path template
// (parameter names ignored). It also leaves out some routes Keystone serves:
// Known lists them with the reason, and a Finding for one of them is marked
// Expected rather than hidden. Operations the spec limits to some Keystone
// series (x-keystone-releases) are expected to be missing from other series.
package specdrift
