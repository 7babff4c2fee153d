package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const section = authtokenBegin + "\n## Token-validating middleware\n\nnew figures\n" + authtokenEnd + "\n"

func TestSpliceAuthtokenReplacesTheSectionAlone(t *testing.T) {
	doc := "# Benchmarks\n\n## 1. Other\n\nkept\n\n" + authtokenBegin + "\nold figures\n" + authtokenEnd +
		"\n\n## Commands\n\nkept too\n"
	got := spliceAuthtoken(doc, section)
	want := "# Benchmarks\n\n## 1. Other\n\nkept\n\n" + section + "\n## Commands\n\nkept too\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestSpliceAuthtokenGoesBeforeCommands(t *testing.T) {
	doc := "# Benchmarks\n\n## 5. Cold start\n\nx\n\n## Commands\n\n```sh\n```\n"
	got := spliceAuthtoken(doc, section)
	want := "# Benchmarks\n\n## 5. Cold start\n\nx\n\n" + section + "\n## Commands\n\n```sh\n```\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestSpliceAuthtokenAppendsWithoutCommands(t *testing.T) {
	got := spliceAuthtoken("# Benchmarks\n\ntext\n", section)
	if want := "# Benchmarks\n\ntext\n\n" + section; got != want {
		t.Errorf("got:\n%q\nwant:\n%q", got, want)
	}
}

// A full run that did not measure the authtoken comparison keeps the
// section the document had; one that did replaces it.
func TestWithAuthtokenKeepsOrReplaces(t *testing.T) {
	fresh := "# Benchmarks\n\n## Commands\n"
	previous := "# Benchmarks\n\n" + section + "\n## Commands\n"
	dir := t.TempDir()
	got, err := withAuthtoken(fresh, dir, previous)
	if err != nil {
		t.Fatal(err)
	}
	if got != previous {
		t.Errorf("without results: got\n%s\nwant the previous section kept:\n%s", got, previous)
	}

	writeAuthResults(t, dir)
	got, err = withAuthtoken(fresh, dir, previous)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "new figures") {
		t.Errorf("the previous section survived a run that measured a new one:\n%s", got)
	}
	if strings.Count(got, authtokenBegin) != 1 || strings.Count(got, authtokenEnd) != 1 {
		t.Errorf("want exactly one section:\n%s", got)
	}
}

func TestAuthtokenSectionFigures(t *testing.T) {
	dir := t.TempDir()
	writeAuthResults(t, dir)
	a, err := loadAuthtoken(filepath.Join(dir, "authtoken"))
	if err != nil {
		t.Fatal(err)
	}
	s := a.section()
	for _, want := range []string{
		// warm: Go 12,000 and 9,000 requests/s against Python 1,000 and 1,000 → 12× and 9×, median 10.5×.
		"| Go warm throughput ≥ 10× Python's | 10.50× (9.00–12.00) | **met** |",
		// warm p99: 2 ms / 40 ms and 4 ms / 40 ms, median 0.075.
		"| Go p99 lower than Python's, warm | 0.08× (0.05–0.10) | **met** |",
		// new p99: Go 300 ms / Python 200 ms in both rounds.
		"| Go p99 lower than Python's, new | 1.50× | **missed** |",
		"| new | python | 30 |",
		// new p99 ratios 1.50 in both rounds: missed, and the rounds agree.
		"| Go p99 lower than Python's, new | 1.50× | **missed** |\n",
		"| Go p99 lower than Python's, warm, memcached | 0.10× | **met** |",
		"| warm, memcached | go | 5000 |",
		"| 3 |\n", // one 503 + two transport errors over the Go new-token rounds
	} {
		if !strings.Contains(s, want) {
			t.Errorf("section lacks %q:\n%s", want, s)
		}
	}
}

func writeAuthResults(t *testing.T, dir string) {
	t.Helper()
	runs := filepath.Join(dir, "authtoken", "runs")
	if err := os.MkdirAll(runs, 0o755); err != nil {
		t.Fatal(err)
	}
	meta := "date: 2026-01-01 00:00 UTC\nrounds: 2\ncmd whole comparison: make bench BENCH_ONLY=authtoken\n"
	files := map[string]string{
		"1-warm-python.json":           `{"mode":"warm","ok":10000,"rps":1000,"latency":{"p50_ns":3000000,"p99_ns":40000000}}`,
		"2-warm-python.json":           `{"mode":"warm","ok":10000,"rps":1000,"latency":{"p50_ns":3000000,"p99_ns":40000000}}`,
		"1-warm-go.json":               `{"mode":"warm","ok":120000,"rps":12000,"latency":{"p50_ns":500000,"p99_ns":2000000}}`,
		"2-warm-go.json":               `{"mode":"warm","ok":90000,"rps":9000,"latency":{"p50_ns":600000,"p99_ns":4000000}}`,
		"1-new-python.json":            `{"mode":"new","ok":600,"rps":30,"latency":{"p50_ns":100000000,"p99_ns":200000000}}`,
		"2-new-python.json":            `{"mode":"new","ok":600,"rps":30,"latency":{"p50_ns":100000000,"p99_ns":200000000}}`,
		"1-new-go.json":                `{"mode":"new","ok":599,"rps":40,"non_200":{"503":1},"latency":{"p50_ns":90000000,"p99_ns":300000000}}`,
		"2-new-go.json":                `{"mode":"new","ok":598,"rps":40,"errors":2,"latency":{"p50_ns":90000000,"p99_ns":300000000}}`,
		"1-warm_memcached-python.json": `{"ok":5000,"rps":500,"latency":{"p50_ns":6000000,"p99_ns":60000000}}`,
		"1-warm_memcached-go.json":     `{"ok":50000,"rps":5000,"latency":{"p50_ns":1000000,"p99_ns":6000000}}`,
	}
	if err := os.WriteFile(filepath.Join(dir, "authtoken", "meta.txt"), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(runs, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuthtokenVerdictSaysWhenRoundsDisagree(t *testing.T) {
	dir := t.TempDir()
	writeAuthResults(t, dir)
	runs := filepath.Join(dir, "authtoken", "runs")
	// Round 2 of the new-token runs: Go's p99 now below Python's (ratios 1.5 and 0.5).
	if err := os.WriteFile(filepath.Join(runs, "2-new-go.json"),
		[]byte(`{"ok":600,"rps":40,"latency":{"p50_ns":90000000,"p99_ns":100000000}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := loadAuthtoken(filepath.Join(dir, "authtoken"))
	if err != nil {
		t.Fatal(err)
	}
	want := "| Go p99 lower than Python's, new | 1.00× (0.50–1.50) | **missed** (but the rounds disagree: no clear difference) |"
	if s := a.section(); !strings.Contains(s, want) {
		t.Errorf("section lacks %q:\n%s", want, s)
	}
}
