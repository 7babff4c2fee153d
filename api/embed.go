// Package api holds the bundled OpenAPI documents of the Identity API, as
// `make generate` writes them from spec/, and embeds them so that programs
// (pkg/specvalidate, cmd/keystone-spec) carry the documents they were built
// with instead of reading them from a checkout.
package api

import (
	"embed"
	"io/fs"
)

//go:embed identity-v3.yaml identity-v2.yaml identity-discovery.yaml
var documents embed.FS

// Document is one bundled OpenAPI document.
type Document struct {
	// File is the document's file name in api/ ("identity-v3.yaml").
	File string
	// Prefix is the path of the version root the document's paths are
	// relative to ("/v3"); empty for the version discovery document, whose
	// paths start at the root.
	Prefix string
}

// Documents lists the bundled documents, the Identity v3 API first.
func Documents() []Document {
	return []Document{
		{File: "identity-v3.yaml", Prefix: "/v3"},
		{File: "identity-discovery.yaml", Prefix: ""},
		{File: "identity-v2.yaml", Prefix: "/v2.0"},
	}
}

// FS is the bundled documents as a file system (one file per document, at
// its root).
func FS() fs.FS { return documents }

// Read returns the bytes of a bundled document by file name.
func Read(file string) ([]byte, error) { return documents.ReadFile(file) }
