package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/specdrift"
	"github.com/keystone-go/keystone/pkg/specvalidate"
)

type driftResult struct {
	Endpoint string `json:"endpoint"`
	*specdrift.Report
	Unexpected int `json:"unexpected"`
}

func runDrift(ctx context.Context, s streams, args []string) int {
	fs := newFlags("drift", s, "[--cloud NAME] [--release SERIES] [--from FILE] [--json]\n\n"+
		"Asks the cloud's Keystone (OS_CLOUD, or the OS_* variables; --cloud names another cloud\n"+
		"of clouds.yaml) for its JSON-home document and reports the routes it announces that the\n"+
		"spec lacks, and the spec's v3 paths it does not announce. Known differences are listed\n"+
		"with their reason and do not count. Exit status 1 when something unexpected remains.")
	cloud := fs.String("cloud", "", "the cloud of clouds.yaml (default: OS_CLOUD, else the OS_* variables)")
	release := fs.String("release", "", "the Keystone `SERIES` the cloud runs (2022.2, 2025.1, 2026.2): "+
		"operations the spec limits to other series are then expected to be missing, and reported when served")
	from := fs.String("from", "", "read a saved JSON-home document from `FILE` (- for standard input) instead of asking a cloud")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	timeout := fs.Duration("timeout", time.Minute, "give up on the cloud after this long")
	if ok, code := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(s, fs, "unexpected arguments %q", fs.Args())
	}
	if *from != "" && *cloud != "" {
		return usageError(s, fs, "--from and --cloud exclude each other")
	}
	v, err := specvalidate.Default()
	if err != nil {
		return failure(s, "drift", err)
	}
	var home *specdrift.Home
	endpoint := *from
	if *from != "" {
		data, err := readInput(s, *from)
		if err == nil {
			home, err = specdrift.Parse(data)
		}
		if err != nil {
			return failure(s, "drift", err)
		}
	} else {
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		sess, client, err := identity.FromCloud(ctx, *cloud)
		if err != nil {
			return failure(s, "drift", err)
		}
		if endpoint, err = client.Endpoint(ctx); err != nil {
			return failure(s, "drift", err)
		}
		if home, err = specdrift.Fetch(ctx, sess, endpoint); err != nil {
			return failure(s, "drift", err)
		}
	}
	rep := specdrift.Compare(v, home, *release)
	res := driftResult{Endpoint: endpoint, Report: rep, Unexpected: len(rep.Unexpected())}
	if res.Findings == nil {
		res.Findings = []specdrift.Finding{}
	}
	if *asJSON {
		if err := writeJSON(s.stdout, res); err != nil {
			return failure(s, "drift", err)
		}
	} else {
		printDrift(s.stdout, res)
	}
	if res.Unexpected > 0 {
		return exitInvalid
	}
	return exitOK
}

func printDrift(w io.Writer, res driftResult) {
	series := res.Series
	if series == "" {
		series = "series not given"
	}
	fmt.Fprintf(w, "%s (%s): %d routes announced, %d v3 paths in the spec\n", res.Endpoint, series, res.Routes, res.Paths)
	var known []specdrift.Finding
	if res.Unexpected == 0 {
		fmt.Fprintln(w, "nothing unexpected")
	} else {
		fmt.Fprintf(w, "\n%d unexpected:\n", res.Unexpected)
	}
	for _, f := range res.Findings {
		if f.Expected {
			known = append(known, f)
			continue
		}
		fmt.Fprintf(w, "  %s\n", describe(f))
	}
	if len(known) > 0 {
		fmt.Fprintf(w, "\n%d known differences:\n", len(known))
		for _, f := range known {
			fmt.Fprintf(w, "  %s\n    %s\n", describe(f), f.Reason)
		}
	}
}

func describe(f specdrift.Finding) string {
	switch f.Kind {
	case specdrift.Undocumented:
		return fmt.Sprintf("served, not in the spec: %s (%s)", f.Path, strings.Join(f.Relations, ", "))
	case specdrift.OutOfRelease:
		return fmt.Sprintf("served, though the spec limits it to %s: %s (%s)", strings.Join(f.Releases, ", "),
			f.Path, strings.Join(f.Operations, ", "))
	default:
		return fmt.Sprintf("in the spec, not announced: %s (%s)", f.Path, strings.Join(f.Operations, ", "))
	}
}
