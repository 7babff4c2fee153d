package latency

import (
	"errors"
	"math"
	"slices"
	"time"
)

// ErrNoSamples is returned when a summary is asked of no samples.
var ErrNoSamples = errors.New("latency: no samples")

// Summary is the distribution of one run's latencies, in nanoseconds so
// that it reads the same in JSON from any language.
type Summary struct {
	N      int   `json:"n"`
	MinNs  int64 `json:"min_ns"`
	MeanNs int64 `json:"mean_ns"`
	P50Ns  int64 `json:"p50_ns"`
	P90Ns  int64 `json:"p90_ns"`
	P99Ns  int64 `json:"p99_ns"`
	P999Ns int64 `json:"p999_ns"`
	MaxNs  int64 `json:"max_ns"`
}

// Summarize sorts samples in place and summarises them.
func Summarize(samples []time.Duration) (Summary, error) {
	if len(samples) == 0 {
		return Summary{}, ErrNoSamples
	}
	slices.Sort(samples)
	var sum float64
	for _, s := range samples {
		sum += float64(s)
	}
	return Summary{
		N:      len(samples),
		MinNs:  int64(samples[0]),
		MeanNs: int64(math.Round(sum / float64(len(samples)))),
		P50Ns:  int64(Percentile(samples, 50)),
		P90Ns:  int64(Percentile(samples, 90)),
		P99Ns:  int64(Percentile(samples, 99)),
		P999Ns: int64(Percentile(samples, 99.9)),
		MaxNs:  int64(samples[len(samples)-1]),
	}, nil
}

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted:
// the smallest sample such that at least p percent of the samples are no
// larger than it. p ≤ 0 gives the smallest sample; an empty slice gives 0.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	// The rank is computed in integer hundredths of a percent so that
	// 99.9 % of 1,000 samples is rank 999, not 999.0000000000001 → 1000.
	hundredths := int64(math.Round(p * 100))
	rank := int((hundredths*int64(n) + 9999) / 10000)
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}
