package main

// writeSpecValidation reports BenchmarkSpecValidation: the SDK's list call
// with and without pkg/specvalidate's Transport, from the same rounds.
func (r *report) writeSpecValidation(p printer) {
	off := "BenchmarkSpecValidation/off"
	if len(r.base.get(off, "ns/op")) == 0 {
		return
	}
	p("## Spec validation per exchange (`pkg/specvalidate`)\n\n")
	p("The SDK's `GET /v3/projects` of section 1 (100 projects) without validation (`off`) and through a\n")
	p("`specvalidate.Transport` that checks the request and the answer against `api/identity-v3.yaml` and fails the\n")
	p("call on a mismatch (`on`), side by side in each round. The difference is the cost of leaving validation on.\n\n")
	p("| case | ns/op | cpu-ns/op | B/op | allocs/op | × off ns | × off CPU | × off allocs |\n|---|---|---|---|---|---|---|---|\n")
	r.ratioRows(p, "BenchmarkSpecValidation/", []string{"off", "on"}, "off")
	extra := stats(diffs(r.base.get("BenchmarkSpecValidation/on", "cpu-ns/op"), r.base.get(off, "cpu-ns/op")))
	p("\nValidation adds **%s** of CPU per exchange of this size.\n\n", extra.dur())
}

// diffs is a[i]-b[i] for the rounds both have.
func diffs(a, b []float64) []float64 {
	var out []float64
	for i := range min(len(a), len(b)) {
		out = append(out, a[i]-b[i])
	}
	return out
}

// ratioRows writes one table row per case of a benchmark (prefix + case):
// its figures, and its ratios to the base case's in the same rounds.
func (r *report) ratioRows(p printer, prefix string, cases []string, base string) {
	b := prefix + base
	for _, c := range cases {
		n := prefix + c
		p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", c,
			stats(r.base.get(n, "ns/op")).dur(), stats(r.base.get(n, "cpu-ns/op")).dur(),
			stats(r.base.get(n, "B/op")).num("%.0f"), stats(r.base.get(n, "allocs/op")).num("%.0f"),
			stats(ratios(r.base.get(n, "ns/op"), r.base.get(b, "ns/op"))).ratio(),
			stats(ratios(r.base.get(n, "cpu-ns/op"), r.base.get(b, "cpu-ns/op"))).ratio(),
			stats(ratios(r.base.get(n, "allocs/op"), r.base.get(b, "allocs/op"))).ratio())
	}
}
