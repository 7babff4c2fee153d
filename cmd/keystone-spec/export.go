package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/keystone-go/keystone/api"
)

func runExport(_ context.Context, s streams, args []string) int {
	fs := newFlags("export", s, "[--dir DIR] [--json]\n\n"+
		"Writes the bundled OpenAPI documents (identity-v3.yaml, identity-discovery.yaml,\n"+
		"identity-v2.yaml) into DIR, for other languages' generators.")
	dir := fs.String("dir", ".", "the directory to write into (created when missing)")
	asJSON := fs.Bool("json", false, "print the files written as JSON")
	if ok, code := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(s, fs, "unexpected arguments %q", fs.Args())
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return failure(s, "export", err)
	}
	written := []string{}
	for _, d := range api.Documents() {
		data, err := api.Read(d.File)
		if err != nil {
			return failure(s, "export", err)
		}
		path := filepath.Join(*dir, d.File)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return failure(s, "export", err)
		}
		written = append(written, path)
	}
	if *asJSON {
		if err := writeJSON(s.stdout, written); err != nil {
			return failure(s, "export", err)
		}
		return exitOK
	}
	for _, p := range written {
		fmt.Fprintln(s.stdout, p)
	}
	return exitOK
}
