package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/PID/stat (USER_HZ,
// which Linux fixes at 100 for user space).
const clockTick = 10 * time.Millisecond

// processCPU is the CPU time (user + system) pid and its direct children
// (a uWSGI master's workers) have used so far.
func processCPU(pid int) (time.Duration, error) {
	pids := []int{pid}
	if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid)); err == nil {
		for f := range strings.FieldsSeq(string(data)) {
			if child, err := strconv.Atoi(f); err == nil {
				pids = append(pids, child)
			}
		}
	}
	var total time.Duration
	for _, p := range pids {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			return 0, err
		}
		// The command name (field 2) may hold spaces: count from its closing parenthesis.
		s := string(data)
		rest := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(rest) < 13 {
			return 0, fmt.Errorf("/proc/%d/stat: too few fields", p)
		}
		for _, f := range rest[11:13] { // utime, stime: fields 14 and 15
			ticks, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/stat: %w", p, err)
			}
			total += time.Duration(ticks) * clockTick
		}
	}
	return total, nil
}

// cpuMeter measures the CPU time some processes use between start and stop.
type cpuMeter struct {
	pids   []int
	before []time.Duration
}

func (m *cpuMeter) start() error {
	m.before = m.before[:0]
	for _, p := range m.pids {
		t, err := processCPU(p)
		if err != nil {
			return err
		}
		m.before = append(m.before, t)
	}
	return nil
}

// stop returns each process's CPU time since start, in nanoseconds.
func (m *cpuMeter) stop() ([]int64, error) {
	out := make([]int64, len(m.pids))
	for i, p := range m.pids {
		t, err := processCPU(p)
		if err != nil {
			return nil, err
		}
		out[i] = int64(t - m.before[i])
	}
	return out, nil
}
