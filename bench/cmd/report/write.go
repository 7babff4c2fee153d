package main

import (
	"fmt"
	"slices"
	"strings"
)

// Targets of the benchmark brief.
const (
	targetCallTime   = 1.10 // × raw net/http, per call (in-process)
	targetCallAllocs = 1.30
	targetLookupNs   = 200.0
	targetProcCPU    = 1.15 // × raw net/http client CPU per call, in every mode
	targetPeakRSSMiB = 16.0
)

// Client CPU per call measured on this machine before any SDK code existed
// (Keystone 22, 50 projects), in ms: the brief's reference.
var reference = map[string]map[string]float64{
	"raw":         {"list": 0.29, "validate": 0.17, "auth": 0.16},
	"gophercloud": {"list": 2.4, "validate": 0.24, "auth": 0.40},
	"python":      {"list": 1.2, "validate": 1.2, "auth": 2.6},
}

var (
	perCallCases = []string{"raw", "sdk", "sdk-raw", "session-only", "generated-only", "transport-floor"}
	clients      = []string{"raw", "sdk", "sdk-fixed", "gophercloud", "python"}
	modes        = []string{"list", "validate", "auth"}
)

func (r *report) write(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("# Benchmarks\n\n")
	p("Written by `make bench` (`hack/bench.sh`, then `bench/cmd/report`) from the run of %s; do not edit by hand, run it again.\n", r.meta["date"])
	p("Every figure is a median over repeated runs with its range (min–max) in parentheses; every ratio is taken\n")
	p("between figures of the same round of the same run, and its median and range are over the rounds.\n")
	p("The harness is the separate module `bench/` (see `bench/fixtures.go` for what is measured and how).\n\n")

	p("## Machine\n\n| | |\n|---|---|\n")
	for _, k := range r.metaKey {
		if strings.HasPrefix(k, "cmd ") || k == "date" {
			continue
		}
		p("| %s | %s |\n", k, r.meta[k])
	}
	p("\n")

	r.writeTargets(p)
	r.writePerCall(p)
	r.writeRefresh(p)
	r.writeCatalog(p)
	r.writeProcess(p)
	r.writeColdStart(p)
	r.writeSpecValidation(p)
	r.writeFixes(p)
	r.writeCommands(p)
}

type printer func(format string, a ...any)

func (r *report) perCallRatio(rs rounds, unit string) stat {
	return stats(ratios(rs.get("BenchmarkListProjects/sdk", unit), rs.get("BenchmarkListProjects/raw", unit)))
}

func (r *report) worstLookup(rs rounds) (string, stat) {
	var name string
	worst := stat{med: -1}
	for n := range rs {
		if strings.HasPrefix(n, "BenchmarkCatalogLookup/") {
			if s := stats(rs.get(n, "cpu-ns/op")); s.med > worst.med {
				name, worst = strings.TrimPrefix(n, "BenchmarkCatalogLookup/"), s
			}
		}
	}
	return name, worst
}

func (r *report) lookupAllocs(rs rounds) float64 {
	most := 0.0
	for n := range rs {
		if strings.HasPrefix(n, "BenchmarkCatalogLookup/") {
			most = max(most, stats(rs.get(n, "allocs/op")).hi)
		}
	}
	return most
}

func (r *report) writeTargets(p printer) {
	fixed := r.nFixed > 0
	p("## Targets\n\n")
	p("Time targets are judged on both the paired wall-time ratio and the CPU-time ratio (the larger decides): on a shared\n")
	p("machine either alone can flatter.\n\n")
	if fixed {
		p("| target | measured (tree as it is) | | with the proposed fixes (`bench/fixes/`) | |\n|---|---|---|---|---|\n")
	} else {
		p("| target | measured | |\n|---|---|---|\n")
	}
	row := func(target, asIs string, okAsIs bool, withFix string, okFix bool) {
		if fixed && strings.HasPrefix(withFix, "(") {
			p("| %s | %s | %s | %s | |\n", target, asIs, verdict(okAsIs), withFix)
		} else if fixed && withFix != "" {
			p("| %s | %s | %s | %s | %s |\n", target, asIs, verdict(okAsIs), withFix, verdict(okFix))
		} else if fixed {
			p("| %s | %s | %s | (not affected) | |\n", target, asIs, verdict(okAsIs))
		} else {
			p("| %s | %s | %s |\n", target, asIs, verdict(okAsIs))
		}
	}
	timeRow := func(rs rounds) (string, bool) {
		paired := stats(rs.get("BenchmarkListProjectsPaired", "sdk/raw"))
		cpu := r.perCallRatio(rs, "cpu-ns/op")
		if paired.n == 0 {
			return "", false
		}
		return fmt.Sprintf("%s wall (paired), %s CPU", paired.ratio(), cpu.ratio()),
			max(paired.med, cpu.med) <= targetCallTime
	}
	a, aok := timeRow(r.base)
	f, fok := timeRow(r.fixed)
	row(fmt.Sprintf("1. per call ≤ %.2f× raw net/http time", targetCallTime), a, aok, f, fok)
	allocs, fAllocs := r.perCallRatio(r.base, "allocs/op"), r.perCallRatio(r.fixed, "allocs/op")
	fa := ""
	if fAllocs.n > 0 {
		fa = fAllocs.ratio()
	}
	row(fmt.Sprintf("1. per call ≤ %.2f× raw allocations", targetCallAllocs), allocs.ratio(), allocs.med <= targetCallAllocs,
		fa, fAllocs.med <= targetCallAllocs)
	tok := stats(append(r.base.get("BenchmarkRefreshContention/auth-0s", "token-requests/op"),
		r.base.get("BenchmarkRefreshContention/auth-7ms", "token-requests/op")...))
	row("2. 1,000 goroutines, expired token: exactly 1 token request",
		fmt.Sprintf("%s per refresh, asserted in every iteration and by `TestRefreshUnderContentionMakesOneTokenRequest`", tok.num("%.0f")),
		tok.n > 0 && tok.lo == 1 && tok.hi == 1, "(not affected)", false)
	// A lookup is pure CPU work on one goroutine: its CPU time is its cost,
	// its wall time adds whatever the scheduler took away.
	lookup := func(rs rounds) (string, bool) {
		name, worst := r.worstLookup(rs)
		if worst.n == 0 {
			return "", false
		}
		allocsMax := r.lookupAllocs(rs)
		wall := stats(rs.get("BenchmarkCatalogLookup/"+name, "ns/op"))
		return fmt.Sprintf("slowest case `%s`: CPU %s (wall %s), at most %.0f allocs", name, worst.dur(), wall.dur(), allocsMax),
			worst.med <= targetLookupNs && allocsMax == 0
	}
	a, aok = lookup(r.base)
	f, fok = lookup(r.fixed)
	row(fmt.Sprintf("3. catalog lookup (1,000 endpoints) ≤ %.0f ns, 0 allocs", targetLookupNs), a, aok, f, fok)
	if r.proc != nil {
		procRow := func(client string) (string, bool) {
			var per []string
			worst := stat{med: -1}
			for _, m := range modes {
				s := stats(r.procRatio(client, m))
				if s.n == 0 {
					return "", false
				}
				per = append(per, fmt.Sprintf("%s %s", m, s.ratio()))
				if s.med > worst.med {
					worst = s
				}
			}
			return strings.Join(per, "; "), worst.med <= targetProcCPU
		}
		a, aok := procRow("sdk")
		f, fok := procRow("sdk-fixed")
		row(fmt.Sprintf("4. client CPU per call ≤ %.2f× raw net/http in every mode", targetProcCPU), a, aok, f, fok)
		rssRow := func(client string) (string, bool) {
			rss := stats(r.procValues(client, "", func(x run) float64 { return float64(x.Child.PeakRSSKiB) / 1024 }))
			if rss.n == 0 {
				return "", false
			}
			return rss.num("%.1f") + " MiB (all modes)", rss.hi <= targetPeakRSSMiB
		}
		a, aok = rssRow("sdk")
		f, fok = rssRow("sdk-fixed")
		row(fmt.Sprintf("4. peak memory ≤ %.0f MiB", targetPeakRSSMiB), a, aok, f, fok)
	}
	p("\n")
}

func (r *report) writePerCall(p printer) {
	p("## 1. Per-call overhead (in-process)\n\n")
	p("An authenticated `GET /v3/projects` answered by an in-process `httptest` server with %s: the SDK\n", "100 projects (every field Keystone 22 writes)")
	p("(`identity.NewV3` over an `auth.Session` → the typed `ListProjects`; `sdk-raw` the same call through\n")
	p("`Raw().ListProjectsWithResponse`) against raw `net/http` + `encoding/json`\n")
	p("decoding into plain structs with the generated `Project`'s fields and pointer-ness (`io.ReadAll` + `json.Unmarshal`).\n")
	p("`session-only` is `Session.Do` with the raw decoding; `generated-only` the generated client over a bare `http.Client`;\n")
	p("`transport-floor` the raw GET with the body read and dropped. Figures include the server's share (the same for all):\n")
	p("`cpu-ns/op` is the whole process's CPU time per call, which other processes' load stretches far less than wall time.\n\n")
	p("| case | ns/op | cpu-ns/op | B/op | allocs/op | × raw ns | × raw CPU | × raw allocs |\n|---|---|---|---|---|---|---|---|\n")
	r.ratioRows(p, "BenchmarkListProjects/", perCallCases, "raw")
	p("\nOne password authentication (`BenchmarkPasswordAuth`, a token with Keystone's bootstrap catalog of 3 endpoints): raw POST + decode\n")
	p("%s (CPU %s, %s allocs), SDK `Session` + `Password` %s (CPU %s, %s allocs): **%s** the raw CPU time.\n",
		stats(r.base.get("BenchmarkPasswordAuth/raw", "ns/op")).dur(), stats(r.base.get("BenchmarkPasswordAuth/raw", "cpu-ns/op")).dur(),
		stats(r.base.get("BenchmarkPasswordAuth/raw", "allocs/op")).num("%.0f"),
		stats(r.base.get("BenchmarkPasswordAuth/sdk", "ns/op")).dur(), stats(r.base.get("BenchmarkPasswordAuth/sdk", "cpu-ns/op")).dur(),
		stats(r.base.get("BenchmarkPasswordAuth/sdk", "allocs/op")).num("%.0f"),
		stats(ratios(r.base.get("BenchmarkPasswordAuth/sdk", "cpu-ns/op"), r.base.get("BenchmarkPasswordAuth/raw", "cpu-ns/op"))).ratio())
	p("\nPaired (`BenchmarkListProjectsPaired`: one raw and one SDK call per iteration, alternating which goes first):\n")
	p("raw %s per call, SDK %s per call, **SDK/raw %s**.\n\n",
		stats(r.base.get("BenchmarkListProjectsPaired", "raw-ns/call")).dur(),
		stats(r.base.get("BenchmarkListProjectsPaired", "sdk-ns/call")).dur(),
		stats(r.base.get("BenchmarkListProjectsPaired", "sdk/raw")).ratio())
}

func (r *report) writeRefresh(p printer) {
	p("## 2. Token refresh under contention\n\n")
	p("1,000 goroutines released at once on one `Session` started with an expired token (`auth.WithAccessInfo`), each\n")
	p("listing projects through one `identity.Client` (one project in the answer; the connections are capped at 64 so\n")
	p("that the kernel's connection setup does not dominate). Every iteration asserts exactly one `POST /v3/auth/tokens`.\n\n")
	p("| token request takes | until all 1,000 are served | token requests per refresh |\n|---|---|---|\n")
	for _, d := range []string{"0s", "7ms"} {
		n := "BenchmarkRefreshContention/auth-" + d
		p("| %s | %s | %s |\n", d, stats(r.base.get(n, "ns-until-all-served/op")).dur(), stats(r.base.get(n, "token-requests/op")).num("%.0f"))
	}
	p("\n")
}

func (r *report) writeCatalog(p printer) {
	p("## 3. Catalog lookup and token decode (1,000 endpoints)\n\n")
	p("`catalog.New` with 250 services × 4 endpoints (public, internal, admin in RegionOne, public in a second region; the\n")
	p("first services have official types and the alias `volumev3`), parsed once; then `Catalog.Lookup`.\n\n")
	p("| lookup | CPU per lookup | wall per lookup | allocs/op |\n|---|---|---|---|\n")
	var names []string
	for n := range r.base {
		if strings.HasPrefix(n, "BenchmarkCatalogLookup/") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		p("| `%s` | %s | %s | %s |\n", strings.TrimPrefix(n, "BenchmarkCatalogLookup/"), stats(r.base.get(n, "cpu-ns/op")).dur(),
			stats(r.base.get(n, "ns/op")).dur(), stats(r.base.get(n, "allocs/op")).num("%.0f"))
	}
	p("\nA v3 token with that catalog (%s): decoded through the generated `TokenEnvelope` and turned into a `catalog.Catalog` as\n",
		r.tokenSize())
	p("the Password plugin does; the catalog array alone through `catalog.ParseV3`; the token into hand-written structs (the floor);\n")
	p("and a whole password authentication through a `Session` against the in-process server, next to a raw POST + decode.\n\n")
	p("| decode | ns/op | cpu-ns/op | B/op | allocs/op |\n|---|---|---|---|---|\n")
	for _, c := range []string{"generated-TokenEnvelope+catalog", "catalog.ParseV3", "raw-structs", "password-auth-sdk", "password-auth-raw"} {
		n := "BenchmarkTokenDecode/" + c
		p("| %s | %s | %s | %s | %s |\n", c, stats(r.base.get(n, "ns/op")).dur(), stats(r.base.get(n, "cpu-ns/op")).dur(),
			stats(r.base.get(n, "B/op")).num("%.0f"), stats(r.base.get(n, "allocs/op")).num("%.0f"))
	}
	p("\n")
}

func (r *report) tokenSize() string {
	mbs := stats(r.base.get("BenchmarkTokenDecode/raw-structs", "MB/s")).med
	ns := stats(r.base.get("BenchmarkTokenDecode/raw-structs", "ns/op")).med
	if isNaN(mbs) || isNaN(ns) {
		return "size unknown"
	}
	return fmt.Sprintf("%.0f KB", mbs*ns/1e3/1e3)
}

// procValues is f over the comparison runs of client in mode ("" = all).
func (r *report) procValues(client, mode string, f func(run) float64) []float64 {
	var out []float64
	for _, x := range r.proc.Runs {
		if x.Variant == "" && x.Client == client && (mode == "" || x.Mode == mode) {
			out = append(out, f(x))
		}
	}
	return out
}

func loopCPUPerCall(x run) float64 {
	return float64(x.Child.LoopUserNs+x.Child.LoopSysNs) / float64(max(x.Child.N, 1))
}

// procRatio is client's loop CPU per call over raw's, repeat by repeat.
func (r *report) procRatio(client, mode string) []float64 {
	byRepeat := map[int]float64{}
	for _, x := range r.proc.Runs {
		if x.Variant == "" && x.Client == "raw" && x.Mode == mode {
			byRepeat[x.Repeat] = loopCPUPerCall(x)
		}
	}
	var out []float64
	for _, x := range r.proc.Runs {
		if x.Variant == "" && x.Client == client && x.Mode == mode {
			if raw, ok := byRepeat[x.Repeat]; ok && raw > 0 {
				out = append(out, loopCPUPerCall(x)/raw)
			}
		}
	}
	return out
}

func (r *report) writeProcess(p printer) {
	if r.proc == nil {
		return
	}
	pr := r.proc
	p("## 4. Against the real Keystone (each client its own process)\n\n")
	p("Keystone: %s; API %s at %s; %d projects listed.\n", r.meta["Keystone"], pr.KeystoneAPI, pr.AuthURL, pr.ProjectsListed)
	p("Each client program authenticates (password, project-scoped), makes its first call, then %d more GETs (`list`:\n", pr.Calls)
	p("`GET /v3/projects`; `validate`: `GET /v3/auth/tokens` of its own token) or %d more password authentications (`auth`),\n", pr.AuthCalls)
	p("%d runs each, interleaved (a different client first in each round). *CPU/call* is the process's own user+sys time over\n", pr.Repeats)
	p("the loop (getrusage, all threads) divided by the calls; *process CPU* is the whole process's user+sys from the rusage\n")
	p("the runner reads when the child exits (start-up and interpreter imports included); *peak RSS* is the child's VmHWM\n")
	p("(`ru_maxrss` from wait4 is useless here: Go starts children with vfork, so it is never below the runner's own RSS).\n")
	p("*Wall/call* is dominated by Keystone (Python) and is the same for every client within noise.\n")
	p("The clients: `raw` (net/http + encoding/json into plain structs), `sdk` (this SDK), `gophercloud` v2 (documented usage:\n")
	p("`projects.List(...).AllPages` + `ExtractProjects`, `tokens.Get(...).ExtractToken`, `openstack.AuthenticateV3`), `python`\n")
	p("(keystoneauth1 `v3.Password` + `Session`, keystoneclient v3: `projects.list()`, `tokens.validate()`, re-authentication);\n")
	p("`sdk-fixed`, when present, is `sdk` built from a copy of the tree with the patches of `bench/fixes/` applied.\n\n")
	p("| mode | client | wall/call | CPU/call | × raw CPU | reference CPU/call | process CPU | peak RSS | spawn → first call |\n")
	p("|---|---|---|---|---|---|---|---|---|\n")
	for _, m := range modes {
		for _, c := range clients {
			vals := r.procValues(c, m, func(x run) float64 { return float64(x.Child.LoopWallNs) / float64(max(x.Child.N, 1)) })
			if len(vals) == 0 {
				continue
			}
			ref := "–"
			if v, ok := reference[c][m]; ok {
				ref = fmt.Sprintf("%.2f ms", v)
			}
			p("| %s | %s | %s | %s | %s | %s | %s | %s MiB | %s |\n", m, c, stats(vals).dur(),
				stats(r.procValues(c, m, loopCPUPerCall)).dur(),
				stats(r.procRatio(c, m)).ratio(), ref,
				stats(r.procValues(c, m, func(x run) float64 { return float64(x.UserNs + x.SysNs) })).dur(),
				stats(r.procValues(c, m, func(x run) float64 { return float64(x.Child.PeakRSSKiB) / 1024 })).num("%.1f"),
				stats(r.procValues(c, m, func(x run) float64 { return float64(x.SpawnToFirstCallNs) })).dur())
		}
	}
	p("\n")
}

func (r *report) writeColdStart(p printer) {
	if r.proc == nil {
		return
	}
	p("## 5. Cold start: round trips and time to the first authenticated call\n\n")
	p("New processes (`sdkclient -mode list -n 0`), from just before the runner starts the process to the end of its first\n")
	p("`GET /v3/projects`. A version-discovery cache lives only inside a process (`auth.WithDiscovery` shares one between\n")
	p("sessions); across processes only the token file cache (`auth.WithFileCache`) carries over, and a cached token needs\n")
	p("no discovery either.\n\n")
	p("| process | round trips | spawn → first call |\n|---|---|---|\n")
	var variants []string
	for _, x := range r.proc.Runs {
		if x.Variant != "" && !slices.Contains(variants, x.Variant) {
			variants = append(variants, x.Variant)
		}
	}
	for _, v := range variants {
		var rts, ns []float64
		for _, x := range r.proc.Runs {
			if x.Variant == v {
				rts = append(rts, float64(x.Child.RoundTripsFirstCall))
				ns = append(ns, float64(x.SpawnToFirstCallNs))
			}
		}
		p("| %s | %s | %s |\n", v, stats(rts).num("%.0f"), stats(ns).dur())
	}
	for _, c := range clients {
		rts := r.procValues(c, "list", func(x run) float64 { return float64(x.Child.RoundTripsFirstCall) })
		if len(rts) == 0 {
			continue
		}
		p("| %s (from the `list` runs of §4) | %s | %s |\n", c, stats(rts).num("%.0f"),
			stats(r.procValues(c, "list", func(x run) float64 { return float64(x.SpawnToFirstCallNs) })).dur())
	}
	p("\nInside one process (`bench/cmd/runner/coldstart.go`): a new `Session` on a new connection, from `auth.New` to the end\n")
	p("of its first `ListProjectsWithResponse`.\n\n| session | round trips | time to first call |\n|---|---|---|\n")
	var names []string
	for _, c := range r.proc.ColdStartInProc {
		if !slices.Contains(names, c.Variant) {
			names = append(names, c.Variant)
		}
	}
	for _, v := range names {
		var rts, ns []float64
		for _, c := range r.proc.ColdStartInProc {
			if c.Variant == v {
				rts, ns = append(rts, float64(c.RoundTrips)), append(ns, float64(c.Ns))
			}
		}
		p("| %s | %s | %s |\n", v, stats(rts).num("%.0f"), stats(ns).dur())
	}
	p("\n")
}

func (r *report) writeFixes(p printer) {
	if r.nFixed == 0 {
		return
	}
	p("## Proposed SDK fixes, measured\n\n")
	p("The same benchmarks on a copy of the tree with the patches in `bench/fixes/` applied, each round right after the\n")
	p("round on the tree as it is (so the two are as comparable as figures from one machine can be):\n\n")
	for _, f := range r.fixes {
		p("- %s\n", f)
	}
	p("\n| benchmark | metric | as is | with the fixes | fixed / as is |\n|---|---|---|---|---|\n")
	rows := []struct{ name, unit string }{
		{"BenchmarkListProjectsPaired", "sdk/raw"},
		{"BenchmarkListProjects/sdk", "ns/op"},
		{"BenchmarkListProjects/sdk", "cpu-ns/op"},
		{"BenchmarkListProjects/sdk", "B/op"},
		{"BenchmarkListProjects/sdk", "allocs/op"},
		{"BenchmarkPasswordAuth/sdk", "cpu-ns/op"},
		{"BenchmarkPasswordAuth/sdk", "allocs/op"},
		{"BenchmarkTokenDecode/password-auth-sdk", "cpu-ns/op"},
		{"BenchmarkTokenDecode/password-auth-sdk", "B/op"},
		{"BenchmarkRefreshContention/auth-0s", "ns-until-all-served/op"},
	}
	var names []string
	for n := range r.fixed {
		if strings.HasPrefix(n, "BenchmarkCatalogLookup/") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		rows = append(rows, struct{ name, unit string }{n, "cpu-ns/op"}, struct{ name, unit string }{n, "allocs/op"})
	}
	for _, row := range rows {
		a, f := r.base.get(row.name, row.unit), r.fixed.get(row.name, row.unit)
		if len(f) == 0 {
			continue
		}
		format := func(s stat) string { return s.num("%.0f") }
		switch {
		case row.unit == "sdk/raw":
			format = stat.ratio
		case strings.Contains(row.unit, "ns"):
			format = stat.dur
		}
		p("| %s | %s | %s | %s | %s |\n", strings.TrimPrefix(row.name, "Benchmark"), row.unit, format(stats(a)), format(stats(f)),
			stats(ratios(f, a)).ratio())
	}
	p("\n")
}

func (r *report) writeCommands(p printer) {
	p("## Commands\n\nThe exact commands that produced the figures above (from `bench/`):\n\n```sh\n")
	for _, k := range r.metaKey {
		if strings.HasPrefix(k, "cmd ") {
			p("# %s\n%s\n", strings.TrimPrefix(k, "cmd "), r.meta[k])
		}
	}
	if r.proc != nil {
		p("# client processes started by the runner (first round; the others differ only in order)\n")
		for _, c := range r.proc.Commands {
			p("%s\n", c)
		}
	}
	p("```\n")
}
