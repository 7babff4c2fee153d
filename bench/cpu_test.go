package bench

import (
	"syscall"
	"testing"
	"time"
)

// processCPU is the CPU time (user + system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter reports the process's CPU time per op as "cpu-ns/op": on a
// shared machine, other processes' load stretches wall time much more than
// CPU time. It covers every goroutine of the process, the in-process
// server's included.
type cpuMeter struct{ start time.Duration }

func startCPU() cpuMeter { return cpuMeter{start: processCPU()} }

func (m cpuMeter) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64((processCPU()-m.start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
