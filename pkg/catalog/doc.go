// Package catalog reads Keystone's service catalog and version documents.
//
// A Catalog holds the services and endpoints of a token, from either the v3
// format ("catalog") or the v2.0 format ("serviceCatalog"), and answers
// endpoint lookups by service type, service name, service id, endpoint id,
// interface preference (public, internal, admin, or v2's publicURL, ...) and
// region. Service types follow OpenStack's service-types-authority, with
// os-service-types' rules: a request for the official type ("block-storage")
// finds a catalog entry under an alias ("volumev3"), and the reverse, but one
// alias never finds another ("volumev2" does not find "volumev3"). When
// several types match, the one asked for wins, then the official type and
// aliases in the authority's order; within a type, the first interface of
// the preference list that it offers. This is keystoneauth's choice, made
// without an allocation. A lookup that finds nothing is a *NotFoundError
// naming what was asked and what the catalog offered.
//
// The discovery half parses version documents (a version list, a single
// version, or a bare version object), chooses a version by range
// (VersionRange: min and max as "3", "3.10", "3.latest", "latest") and turns
// a catalog URL, versioned or not and with any path prefix ("/identity"),
// into the root URL of the version chosen. Discovery caches the documents
// for a while; one Discovery is meant to be shared by every session and
// client of a program.
package catalog
