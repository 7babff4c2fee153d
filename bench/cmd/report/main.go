// Command report turns one run of hack/bench.sh into docs/benchmarks.md:
// the go test -bench rounds (for the tree as it is, and with the proposed
// fixes when bench.sh measured them), the runner's process.json and the
// machine facts bench.sh collected.
//
//	report -results bench/results -out docs/benchmarks.md
//	report -only authtoken -results bench/results -out docs/benchmarks.md   (that section alone)
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	dir := flag.String("results", "results", "the directory bench.sh wrote")
	out := flag.String("out", "../docs/benchmarks.md", "")
	only := flag.String("only", "", "rewrite only this section of -out (authtoken), leaving the rest as it is")
	flag.Parse()
	switch *only {
	case "":
	case "authtoken":
		if err := onlyAuthtoken(*dir, *out); err != nil {
			log.Fatalf("report: %v", err)
		}
		return
	default:
		log.Fatalf("report: -only %q: the only section written alone is authtoken", *only)
	}
	r, err := load(*dir)
	if err != nil {
		log.Fatalf("report: %v", err)
	}
	var b strings.Builder
	r.write(&b)
	previous, _ := os.ReadFile(*out) // its authtoken section is kept when this run did not measure one
	doc, err := withAuthtoken(b.String(), *dir, string(previous))
	if err != nil {
		log.Fatalf("report: %v", err)
	}
	if err := os.WriteFile(*out, []byte(doc), 0o644); err != nil {
		log.Fatalf("report: %v", err)
	}
}

// bench is one benchmark's figures over the rounds: metric unit → value per
// round (in round order; a round that lacks it has none).
type bench map[string][]float64

// rounds is every benchmark of one set of rounds, by name without the
// -GOMAXPROCS suffix.
type rounds map[string]bench

type report struct {
	meta    map[string]string
	metaKey []string
	base    rounds
	fixed   rounds
	nBase   int
	nFixed  int
	proc    *processOutput
	fixes   []string
}

type processOutput struct {
	Started         time.Time `json:"started"`
	Finished        time.Time `json:"finished"`
	AuthURL         string    `json:"auth_url"`
	KeystoneAPI     string    `json:"keystone_api"`
	ProjectsListed  int       `json:"projects_listed"`
	Calls           int       `json:"calls"`
	AuthCalls       int       `json:"auth_calls"`
	Repeats         int       `json:"repeats"`
	Commands        []string  `json:"commands"`
	Runs            []run     `json:"runs"`
	ColdStartInProc []struct {
		Variant    string `json:"variant"`
		Repeat     int    `json:"repeat"`
		RoundTrips int64  `json:"round_trips"`
		Ns         int64  `json:"ns"`
	} `json:"cold_start_in_process"`
}

type run struct {
	Client             string `json:"client"`
	Variant            string `json:"variant"`
	Mode               string `json:"mode"`
	Repeat             int    `json:"repeat"`
	SpawnToFirstCallNs int64  `json:"spawn_to_first_call_ns"`
	WallNs             int64  `json:"wall_ns"`
	UserNs             int64  `json:"user_ns"`
	SysNs              int64  `json:"sys_ns"`
	Child              struct {
		N                   int   `json:"n"`
		RoundTripsFirstCall int64 `json:"round_trips_first_call"`
		LoopWallNs          int64 `json:"loop_wall_ns"`
		LoopUserNs          int64 `json:"loop_user_ns"`
		LoopSysNs           int64 `json:"loop_sys_ns"`
		Items               int   `json:"items"`
		PeakRSSKiB          int64 `json:"peak_rss_kib"`
	} `json:"child"`
}

func load(dir string) (*report, error) {
	r := &report{meta: map[string]string{}}
	data, err := os.ReadFile(filepath.Join(dir, "meta.txt"))
	if err != nil {
		return nil, err
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		if _, seen := r.meta[k]; !seen {
			r.metaKey = append(r.metaKey, k)
		}
		r.meta[k] = v
	}
	if r.base, r.nBase, err = readRounds(filepath.Join(dir, "gotest", "base-*.txt")); err != nil {
		return nil, err
	}
	if r.fixed, r.nFixed, err = readRounds(filepath.Join(dir, "gotest", "fixed-*.txt")); err != nil {
		return nil, err
	}
	if data, err := os.ReadFile(filepath.Join(dir, "process.json")); err == nil {
		r.proc = &processOutput{}
		if err := json.Unmarshal(data, r.proc); err != nil {
			return nil, err
		}
	}
	if data, err := os.ReadFile(filepath.Join(dir, "fixes.txt")); err == nil {
		for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
			if line != "" {
				r.fixes = append(r.fixes, line)
			}
		}
	}
	return r, nil
}

// readRounds parses the go test -bench outputs matching pattern, one file
// per round.
func readRounds(pattern string) (rounds, int, error) {
	files, err := filepath.Glob(pattern)
	if err != nil {
		return nil, 0, err
	}
	slices.SortFunc(files, func(a, b string) int { return roundNo(a) - roundNo(b) })
	rs := rounds{}
	for i, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, 0, err
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
				continue
			}
			name := fields[0]
			if i := strings.LastIndexByte(name, '-'); i > 0 {
				if _, err := strconv.Atoi(name[i+1:]); err == nil {
					name = name[:i]
				}
			}
			b := rs[name]
			if b == nil {
				b = bench{}
				rs[name] = b
			}
			for k := 2; k+1 < len(fields); k += 2 {
				v, err := strconv.ParseFloat(fields[k], 64)
				if err != nil {
					continue
				}
				unit := fields[k+1]
				for len(b[unit]) < i {
					b[unit] = append(b[unit], nan)
				}
				b[unit] = append(b[unit], v)
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			return nil, 0, err
		}
	}
	return rs, len(files), nil
}

func roundNo(path string) int {
	base := strings.TrimSuffix(filepath.Base(path), ".txt")
	n, _ := strconv.Atoi(base[strings.LastIndexByte(base, '-')+1:])
	return n
}

var nan = func() float64 { var z float64; return z / z }()

func isNaN(f float64) bool { return f != f }

// stat is a median with its range.
type stat struct {
	med, lo, hi float64
	n           int
}

func stats(vs []float64) stat {
	var xs []float64
	for _, v := range vs {
		if !isNaN(v) {
			xs = append(xs, v)
		}
	}
	if len(xs) == 0 {
		return stat{med: nan, lo: nan, hi: nan}
	}
	slices.Sort(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	return stat{med: m, lo: xs[0], hi: xs[len(xs)-1], n: len(xs)}
}

// ratios is a/b round by round.
func ratios(a, b []float64) []float64 {
	out := make([]float64, 0, len(a))
	for i := range min(len(a), len(b)) {
		out = append(out, a[i]/b[i])
	}
	return out
}

func (r rounds) get(name, unit string) []float64 {
	if b, ok := r[name]; ok {
		return b[unit]
	}
	return nil
}

// fmtDur prints nanoseconds in a readable unit.
func fmtDur(ns float64) string {
	switch {
	case isNaN(ns):
		return "–"
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func (s stat) dur() string {
	if s.n == 0 {
		return "–"
	}
	if s.n == 1 {
		return fmtDur(s.med)
	}
	return fmt.Sprintf("%s (%s–%s)", fmtDur(s.med), fmtDur(s.lo), fmtDur(s.hi))
}

func (s stat) num(format string) string {
	if s.n == 0 {
		return "–"
	}
	if s.n == 1 || s.lo == s.hi {
		return fmt.Sprintf(format, s.med)
	}
	return fmt.Sprintf(format+" ("+format+"–"+format+")", s.med, s.lo, s.hi)
}

func (s stat) ratio() string {
	if s.n == 0 {
		return "–"
	}
	f := func(v float64) string {
		if v < 0.05 {
			return fmt.Sprintf("1/%.0f", 1/v)
		}
		return fmt.Sprintf("%.2f", v)
	}
	if s.n == 1 || s.lo == s.hi {
		return f(s.med) + "×"
	}
	return fmt.Sprintf("%s× (%s–%s)", f(s.med), f(s.lo), f(s.hi))
}

func verdict(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**missed**"
}
