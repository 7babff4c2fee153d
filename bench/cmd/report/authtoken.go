package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The authtoken comparison (hack/authbench.sh) has a section of its own in
// docs/benchmarks.md, between these markers, so that it can be rewritten
// alone (report -only authtoken) and survives a full run that did not
// measure it.
const (
	authtokenBegin = "<!-- authtoken:begin -->"
	authtokenEnd   = "<!-- authtoken:end -->"
	// The project's target: the Go middleware's warm throughput against
	// keystonemiddleware's.
	targetAuthtokenWarmRatio = 10.0
)

var (
	authSides = []string{"python", "go"}
	// The headline modes (in-process caches), then the same with memcached
	// (hack/authbench.sh with AUTHBENCH_MEMCACHED=1).
	authModes = []string{"warm", "new", "warm_memcached", "new_memcached"}
)

// modeName is how a mode reads in the tables.
func modeName(mode string) string {
	if m, ok := strings.CutSuffix(mode, "_memcached"); ok {
		return m + ", memcached"
	}
	return mode
}

// authRun is one bench/cmd/authload output.
type authRun struct {
	Label         string         `json:"label"`
	Mode          string         `json:"mode"`
	Concurrency   int            `json:"concurrency"`
	Tokens        int            `json:"tokens"`
	ElapsedNs     int64          `json:"elapsed_ns"`
	Requests      int            `json:"requests"`
	OK            int            `json:"ok"`
	Non200        map[string]int `json:"non_200"`
	BadBody       int            `json:"bad_body"`
	Errors        int            `json:"errors"`
	RPS           float64        `json:"rps"`
	ServerCPUNs   int64          `json:"server_cpu_ns"`
	KeystoneCPUNs int64          `json:"keystone_cpu_ns"`
	ClientCPUNs   int64          `json:"client_cpu_ns"`
	Latency       struct {
		P50Ns int64 `json:"p50_ns"`
		P99Ns int64 `json:"p99_ns"`
	} `json:"latency"`
}

// authResults is one run of hack/authbench.sh.
type authResults struct {
	meta    map[string]string
	metaKey []string
	rounds  int
	// runs[mode][side] holds one run per round, in round order (nil where
	// a round lacks it).
	runs map[string]map[string][]*authRun
}

// loadAuthtoken reads dir (bench/results/authtoken); no such directory is
// no results, not an error.
func loadAuthtoken(dir string) (*authResults, error) {
	data, err := os.ReadFile(filepath.Join(dir, "meta.txt"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a := &authResults{meta: map[string]string{}, runs: map[string]map[string][]*authRun{}}
	for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			if _, seen := a.meta[k]; !seen {
				a.metaKey = append(a.metaKey, k)
			}
			a.meta[k] = v
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "runs", "*.json"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		// ROUND-MODE-SIDE.json
		parts := strings.Split(strings.TrimSuffix(filepath.Base(f), ".json"), "-")
		if len(parts) != 3 {
			continue
		}
		round, err := strconv.Atoi(parts[0])
		if err != nil || round < 1 {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		run := &authRun{}
		if err := json.Unmarshal(data, run); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		mode, side := parts[1], parts[2]
		if a.runs[mode] == nil {
			a.runs[mode] = map[string][]*authRun{}
		}
		for len(a.runs[mode][side]) < round {
			a.runs[mode][side] = append(a.runs[mode][side], nil)
		}
		a.runs[mode][side][round-1] = run
		a.rounds = max(a.rounds, round)
	}
	return a, nil
}

// series is one figure of the runs of mode and side, round by round (NaN
// where a round lacks the run).
func (a *authResults) series(mode, side string, f func(*authRun) float64) []float64 {
	out := make([]float64, a.rounds)
	for i := range out {
		out[i] = nan
		if runs := a.runs[mode][side]; i < len(runs) && runs[i] != nil {
			out[i] = f(runs[i])
		}
	}
	return out
}

func rps(r *authRun) float64 { return r.RPS }
func p50(r *authRun) float64 { return float64(r.Latency.P50Ns) }
func p99(r *authRun) float64 { return float64(r.Latency.P99Ns) }

func perRequest(ns func(*authRun) int64) func(*authRun) float64 {
	return func(r *authRun) float64 {
		if r.OK == 0 {
			return nan
		}
		return float64(ns(r)) / float64(r.OK)
	}
}

func failures(r *authRun) int {
	n := r.BadBody + r.Errors
	for _, c := range r.Non200 {
		n += c
	}
	return n
}

// section is the whole authtoken section, markers included.
func (a *authResults) section() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("%s\n## Token-validating middleware: Go `pkg/authtoken` against Python keystonemiddleware\n\n", authtokenBegin)
	p("Written by `make bench BENCH_ONLY=authtoken` (`hack/authbench.sh`, then `bench/cmd/report -only authtoken`, which\n")
	p("rewrites this section alone) from the run of %s. The same load (`bench/cmd/authload`) against\n", a.meta["date"])
	p("the Go middleware in front of a trivial Go handler (`examples/protected-service`) and against keystonemiddleware's\n")
	p("`auth_token` in front of a trivial WSGI app (`bench/python/authtoken_app.py`), the two services running side by\n")
	p("side on this machine against the same Keystone and measured alternately, %d rounds (who goes first alternates).\n", a.rounds)
	p("**warm**: a small set of tokens, validated once on every connection before the clock starts, so the token cache\n")
	p("answers; **new**: every request carries a token issued before the run and never seen by the service, so each one\n")
	p("is validated against Keystone; \"memcached\" rows: the same with memcached as both middlewares' token cache (one\n")
	p("memcached each). Only 200 answers that echo the caller's user id count; anything else is in the last\n")
	p("column. CPU per request is the CPU time the service's (or Keystone's, or the load generator's) processes used during\n")
	p("the run divided by the validated requests (counted in 10 ms ticks, so a figure under a few µs is noise). Figures are medians over the rounds with the range in parentheses; ratios are taken round by round.\n\n")

	p("| | |\n|---|---|\n")
	for _, k := range a.metaKey {
		if !strings.HasPrefix(k, "cmd ") && k != "date" {
			p("| %s | %s |\n", k, a.meta[k])
		}
	}
	p("\n")

	ratio := func(mode string, f func(*authRun) float64) stat {
		return stats(ratios(a.series(mode, "go", f), a.series(mode, "python", f)))
	}
	goMeasured := len(a.runs["warm"]["go"]) > 0
	p("| target | measured (Go / Python) | |\n|---|---|---|\n")
	if goMeasured {
		warm := ratio("warm", rps)
		p("| Go warm throughput ≥ %.0f× Python's | %s | %s |\n", targetAuthtokenWarmRatio, warm.ratio(), verdict(warm.med >= targetAuthtokenWarmRatio))
		for _, mode := range authModes {
			if len(a.runs[mode]["go"]) == 0 {
				continue
			}
			r := ratio(mode, p99)
			v := verdict(r.n > 0 && r.med < 1)
			if r.lo < 1 && r.hi > 1 {
				v += " (but the rounds disagree: no clear difference)"
			}
			p("| Go p99 lower than Python's, %s | %s | %s |\n", modeName(mode), r.ratio(), v)
		}
	} else {
		p("| every target | the Go side was %s | |\n", a.meta["go side"])
	}
	p("\n")

	p("| mode | service | validated requests/s | p50 | p99 | service CPU / request | Keystone CPU / request | load generator CPU / request | not 200 / errors |\n")
	p("|---|---|---|---|---|---|---|---|---|\n")
	for _, mode := range authModes {
		for _, side := range authSides {
			if len(a.runs[mode][side]) == 0 {
				continue
			}
			bad := 0
			for _, r := range a.runs[mode][side] {
				if r != nil {
					bad += failures(r)
				}
			}
			p("| %s | %s | %s | %s | %s | %s | %s | %s | %d |\n", modeName(mode), side,
				stats(a.series(mode, side, rps)).num("%.0f"),
				stats(a.series(mode, side, p50)).dur(), stats(a.series(mode, side, p99)).dur(),
				stats(a.series(mode, side, perRequest(func(r *authRun) int64 { return r.ServerCPUNs }))).dur(),
				stats(a.series(mode, side, perRequest(func(r *authRun) int64 { return r.KeystoneCPUNs }))).dur(),
				stats(a.series(mode, side, perRequest(func(r *authRun) int64 { return r.ClientCPUNs }))).dur(),
				bad)
		}
	}
	p("\n")
	if goMeasured {
		p("| mode | Go / Python: requests/s | p50 | p99 | service CPU / request |\n|---|---|---|---|---|\n")
		for _, mode := range authModes {
			if len(a.runs[mode]["go"]) == 0 {
				continue
			}
			p("| %s | %s | %s | %s | %s |\n", modeName(mode), ratio(mode, rps).ratio(), ratio(mode, p50).ratio(), ratio(mode, p99).ratio(),
				ratio(mode, perRequest(func(r *authRun) int64 { return r.ServerCPUNs })).ratio())
		}
		p("\n")
	}

	p("Reading the figures: with new tokens each request costs Keystone far more CPU than either middleware spends\n")
	p("(the Keystone column), so throughput and latency there are Keystone's, and the two sides can only tie; what the\n")
	p("middleware adds shows in its own CPU per request. keystonemiddleware's in-process cache is a pool of per-thread\n")
	p("dictionaries (`_CachePool` of `_FakeClient`), so a token one thread cached can miss in another and be validated\n")
	p("again (the Keystone CPU of its warm rows); the Go cache is one per process. The Python service has a uWSGI process\n")
	p("per core (the GIL runs one thread of a process at a time) and as many threads in all as there are client\n")
	p("connections (uWSGI's `--http11-socket` keeps a keep-alive connection on the thread that accepted it; the threads\n")
	p("also overlap the waits on Keystone); the Go service is one process using every core. The machine is shared: the load\n")
	p("averages above include other work, which the alternation spreads over both sides.\n\n")
	p("Commands (from the repository's root; `authload` and `authtokens` are `bench/cmd/...`):\n\n```sh\n")
	for _, k := range a.metaKey {
		if strings.HasPrefix(k, "cmd ") {
			p("# %s\n%s\n", strings.TrimPrefix(k, "cmd "), a.meta[k])
		}
	}
	p("```\n%s\n", authtokenEnd)
	return b.String()
}

// authtokenSection is the section in doc, markers included, or "".
func authtokenSection(doc string) string {
	i := strings.Index(doc, authtokenBegin)
	j := strings.Index(doc, authtokenEnd)
	if i < 0 || j < i {
		return ""
	}
	return doc[i:j+len(authtokenEnd)] + "\n"
}

// spliceAuthtoken puts section in doc: in place of the one there, else
// before the closing "## Commands" section, else at the end.
func spliceAuthtoken(doc, section string) string {
	if old := authtokenSection(doc); old != "" {
		return strings.Replace(doc, old, section, 1)
	}
	if i := strings.Index(doc, "\n## Commands\n"); i >= 0 {
		return doc[:i+1] + section + "\n" + doc[i+1:]
	}
	if doc != "" && !strings.HasSuffix(doc, "\n\n") {
		doc = strings.TrimRight(doc, "\n") + "\n\n"
	}
	return doc + section
}

// withAuthtoken adds the authtoken section to a freshly written doc: from
// the results when this run measured it, else the one previousDoc has.
func withAuthtoken(doc, resultsDir, previousDoc string) (string, error) {
	a, err := loadAuthtoken(filepath.Join(resultsDir, "authtoken"))
	if err != nil {
		return "", err
	}
	if a != nil {
		return spliceAuthtoken(doc, a.section()), nil
	}
	if old := authtokenSection(previousDoc); old != "" {
		return spliceAuthtoken(doc, old), nil
	}
	return doc, nil
}

// onlyAuthtoken rewrites the authtoken section of the document at path,
// leaving the rest of it as it is.
func onlyAuthtoken(resultsDir, path string) error {
	a, err := loadAuthtoken(filepath.Join(resultsDir, "authtoken"))
	if err != nil {
		return err
	}
	if a == nil {
		return fmt.Errorf("no authtoken results in %s", resultsDir)
	}
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	doc := string(old)
	if doc == "" {
		doc = "# Benchmarks\n\n"
	}
	return os.WriteFile(path, []byte(spliceAuthtoken(doc, a.section())), 0o644)
}
