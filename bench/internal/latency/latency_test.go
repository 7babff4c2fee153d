package latency

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

func ms(vs ...int) []time.Duration {
	out := make([]time.Duration, len(vs))
	for i, v := range vs {
		out[i] = time.Duration(v) * time.Millisecond
	}
	return out
}

func TestPercentileNearestRank(t *testing.T) {
	// 1..100 ms: the p-th percentile of 100 samples is the p-th one.
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i)*time.Millisecond)
	}
	cases := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"median of 100", hundred, 50, 50 * time.Millisecond},
		{"p99 of 100", hundred, 99, 99 * time.Millisecond},
		{"p100 is the largest", hundred, 100, 100 * time.Millisecond},
		{"p1 of 100", hundred, 1, 1 * time.Millisecond},
		{"p0 is the smallest", hundred, 0, 1 * time.Millisecond},
		{"p99.9 of 100 rounds up to the largest", hundred, 99.9, 100 * time.Millisecond},
		{"median of an odd count is the middle", ms(10, 20, 30, 40, 50), 50, 30 * time.Millisecond},
		{"median of an even count is the lower middle", ms(10, 20, 30, 40), 50, 20 * time.Millisecond},
		{"just above a rank moves to the next sample", ms(10, 20, 30, 40), 50.01, 30 * time.Millisecond},
		{"one sample is every percentile", ms(7), 99, 7 * time.Millisecond},
		{"p99 of 10 is the largest", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"p90 of 10 is the ninth", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Millisecond},
		{"empty", nil, 50, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Percentile(c.sorted, c.p); got != c.want {
				t.Errorf("Percentile(p=%v) = %v, want %v", c.p, got, c.want)
			}
		})
	}
}

func TestPercentileOfThousandAtPointNine(t *testing.T) {
	// Rank 999 exactly: a floating-point rank would spill over to 1000.
	s := make([]time.Duration, 1000)
	for i := range s {
		s[i] = time.Duration(i + 1)
	}
	if got := Percentile(s, 99.9); got != 999 {
		t.Errorf("p99.9 of 1..1000 = %d, want 999", got)
	}
}

func TestSummarizeSortsAndSummarises(t *testing.T) {
	s := ms(40, 10, 30, 20, 1000, 50, 60, 70, 80, 90)
	got, err := Summarize(s)
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{
		N:      10,
		MinNs:  int64(10 * time.Millisecond),
		MeanNs: int64(145 * time.Millisecond),
		P50Ns:  int64(50 * time.Millisecond),
		P90Ns:  int64(90 * time.Millisecond),
		P99Ns:  int64(1000 * time.Millisecond),
		P999Ns: int64(1000 * time.Millisecond),
		MaxNs:  int64(1000 * time.Millisecond),
	}
	if got != want {
		t.Errorf("Summarize = %+v\nwant        %+v", got, want)
	}
	for i := 1; i < len(s); i++ {
		if s[i-1] > s[i] {
			t.Fatalf("samples not sorted in place: %v", s)
		}
	}
}

func TestSummarizeNoSamples(t *testing.T) {
	if _, err := Summarize(nil); !errors.Is(err, ErrNoSamples) {
		t.Errorf("Summarize(nil) error = %v, want ErrNoSamples", err)
	}
}

// The percentiles of a shuffled sample set must not depend on the order
// the samples arrived in, and must be ordered among themselves.
func TestSummarizeIndependentOfOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := make([]time.Duration, 5000)
	for i := range base {
		base[i] = time.Duration(r.ExpFloat64() * float64(time.Millisecond))
	}
	first, err := Summarize(append([]time.Duration(nil), base...))
	if err != nil {
		t.Fatal(err)
	}
	r.Shuffle(len(base), func(i, j int) { base[i], base[j] = base[j], base[i] })
	second, err := Summarize(base)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Errorf("summary depends on order: %+v vs %+v", first, second)
	}
	if !(first.MinNs <= first.P50Ns && first.P50Ns <= first.P90Ns && first.P90Ns <= first.P99Ns &&
		first.P99Ns <= first.P999Ns && first.P999Ns <= first.MaxNs) {
		t.Errorf("percentiles out of order: %+v", first)
	}
	// Nearest rank: exactly 4,950 of the 5,000 samples are ≤ p99 when the samples are distinct.
	atOrBelow := 0
	for _, s := range base {
		if int64(s) <= first.P99Ns {
			atOrBelow++
		}
	}
	if atOrBelow != 4950 {
		t.Errorf("%d samples ≤ p99, want 4950", atOrBelow)
	}
}
