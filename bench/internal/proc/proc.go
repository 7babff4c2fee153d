// Package proc is what the client programs under bench/cmd have in common:
// their flags, the measurement protocol and the one JSON line each prints.
//
// Protocol (python/ksclient.py follows it too): the program authenticates
// and makes its first call ("first call": a GET in modes list and validate,
// the authentication itself in mode auth), notes the time, then makes N
// more calls of the mode, timed as one loop with the process's own CPU time
// (getrusage) read before and after. The runner reads the process's total
// CPU time and peak RSS from its rusage when it exits.
package proc

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Config is what every client program is told.
type Config struct {
	AuthURL   string
	Username  string
	Password  string
	Project   string
	Domain    string
	Mode      string // list | validate | auth
	N         int
	FileCache string // sdk only: auth.WithFileCache directory
}

// Result is the line a client program prints.
type Result struct {
	Client string `json:"client"`
	Mode   string `json:"mode"`
	N      int    `json:"n"`
	// FirstCallUnixNs is when the first call had completed (wall clock,
	// for the runner to subtract its spawn time from).
	FirstCallUnixNs int64 `json:"first_call_unix_ns"`
	// RoundTripsFirstCall is how many HTTP exchanges it took to get there.
	RoundTripsFirstCall int64 `json:"round_trips_first_call"`
	RoundTrips          int64 `json:"round_trips"`
	LoopWallNs          int64 `json:"loop_wall_ns"`
	LoopUserNs          int64 `json:"loop_user_ns"`
	LoopSysNs           int64 `json:"loop_sys_ns"`
	// Items is what the last call returned (projects listed, roles in the
	// validated token, services in the catalog), as a sanity check.
	Items int `json:"items"`
	// PeakRSSKiB is the process's peak resident set (VmHWM) read at the
	// end. The rusage a parent gets from wait4 is no substitute when the
	// parent is a Go program: Go starts children with vfork, so the child's
	// ru_maxrss is never below the parent's own RSS at the time.
	PeakRSSKiB int64 `json:"peak_rss_kib"`
}

// Flags reads the command line; credentials default to the OS_* variables.
func Flags() *Config {
	c := &Config{}
	flag.StringVar(&c.AuthURL, "auth-url", os.Getenv("OS_AUTH_URL"), "Keystone v3 URL")
	flag.StringVar(&c.Username, "user", env("OS_USERNAME", "admin"), "user name")
	flag.StringVar(&c.Password, "password", env("OS_PASSWORD", "secret"), "password")
	flag.StringVar(&c.Project, "project", env("OS_PROJECT_NAME", "admin"), "project name")
	flag.StringVar(&c.Domain, "domain", env("OS_USER_DOMAIN_ID", "default"), "user and project domain id")
	flag.StringVar(&c.Mode, "mode", "list", "list | validate | auth")
	flag.IntVar(&c.N, "n", 1000, "calls after the first")
	flag.StringVar(&c.FileCache, "file-cache", "", "token file cache directory (sdk only)")
	flag.Parse()
	return c
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Counter counts HTTP exchanges.
type Counter struct {
	Next http.RoundTripper
	n    atomic.Int64
}

// RoundTrip counts and sends.
func (c *Counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.Next.RoundTrip(r)
}

// Count is the number of exchanges so far.
func (c *Counter) Count() int64 { return c.n.Load() }

// NewCounter wraps a clone of the default transport.
func NewCounter() *Counter {
	return &Counter{Next: http.DefaultTransport.(*http.Transport).Clone()}
}

func cpu() (user, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// Run makes the first call and n more, and prints the result. call returns
// the item count of its answer.
func Run(client string, cfg *Config, rt *Counter, call func(context.Context) (int, error)) {
	ctx := context.Background()
	items, err := call(ctx)
	if err != nil {
		fail(client, "first call", err)
	}
	res := Result{Client: client, Mode: cfg.Mode, N: cfg.N, FirstCallUnixNs: time.Now().UnixNano(),
		RoundTripsFirstCall: rt.Count()}
	u0, s0 := cpu()
	t0 := time.Now()
	for i := range cfg.N {
		if items, err = call(ctx); err != nil {
			fail(client, fmt.Sprintf("call %d", i+1), err)
		}
	}
	res.LoopWallNs = time.Since(t0).Nanoseconds()
	u1, s1 := cpu()
	res.LoopUserNs, res.LoopSysNs = (u1 - u0).Nanoseconds(), (s1 - s0).Nanoseconds()
	res.Items, res.RoundTrips = items, rt.Count()
	res.PeakRSSKiB = PeakRSS()
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fail(client, "output", err)
	}
}

// PeakRSS is VmHWM from /proc/self/status, in KiB (0 if unreadable).
func PeakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func fail(client, what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %s: %v\n", client, what, err)
	os.Exit(1)
}

// Fail reports a setup error and exits.
func Fail(client string, err error) { fail(client, "setup", err) }
