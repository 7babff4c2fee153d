package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/keystone-go/keystone/pkg/specvalidate"
)

type operationRow struct {
	Name     string   `json:"name"`
	ID       string   `json:"id"`
	Method   string   `json:"method"`
	Path     string   `json:"path"`
	Document string   `json:"document"`
	Releases []string `json:"releases"`
	Summary  string   `json:"summary,omitempty"`
}

func runOperations(_ context.Context, s streams, args []string) int {
	fs := newFlags("operations", s, "[--json]\n\n"+
		"Lists every operation: its name (for validate --operation), method, path and the Keystone\n"+
		"series it applies to (x-keystone-releases; v2.0 is served by none of the verified ones).")
	asJSON := fs.Bool("json", false, "print the operations as JSON")
	if ok, code := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(s, fs, "unexpected arguments %q", fs.Args())
	}
	v, err := specvalidate.Default()
	if err != nil {
		return failure(s, "operations", err)
	}
	rows := []operationRow{}
	for op := range v.Operations() {
		rows = append(rows, operationRow{Name: op.Name, ID: op.ID, Method: op.Method, Path: op.Path,
			Document: op.Document, Releases: append([]string{}, op.Releases...), Summary: op.Summary})
	}
	if *asJSON {
		if err := writeJSON(s.stdout, rows); err != nil {
			return failure(s, "operations", err)
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(s.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tMETHOD\tPATH\tRELEASES")
	for _, r := range rows {
		releases := strings.Join(r.Releases, ",")
		if releases == "" {
			releases = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.Method, r.Path, releases)
	}
	if err := tw.Flush(); err != nil {
		return failure(s, "operations", err)
	}
	return exitOK
}
