// Package catalog reads Keystone's service catalog and version documents.
//
// A Catalog holds the services and endpoints of a token, from either the v3
// format ("catalog") or the v2.0 format ("serviceCatalog"), and answers
// endpoint lookups by service type (with the official aliases), service name,
// service id, endpoint id, interface preference and region. Lookups allocate
// nothing once the catalog is built.
//
// The discovery half parses version documents (a version list, or a single
// version) and turns a catalog URL into the URL of the API version wanted,
// with a cache that sessions and clients share.
package catalog
