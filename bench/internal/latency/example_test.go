package latency_test

import (
	"fmt"
	"time"

	"github.com/keystone-go/keystone/bench/internal/latency"
)

func ExampleSummarize() {
	samples := []time.Duration{4 * time.Millisecond, 1 * time.Millisecond, 3 * time.Millisecond, 2 * time.Millisecond}
	s, err := latency.Summarize(samples)
	if err != nil {
		panic(err)
	}
	fmt.Println(s.N, time.Duration(s.P50Ns), time.Duration(s.P99Ns))
	// Output: 4 2ms 4ms
}
