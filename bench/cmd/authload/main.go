// Command authload is the load generator of the authtoken comparison: a
// fixed number of workers, each on its own keep-alive connection, send GETs
// with X-Auth-Token to a token-validating service and record every
// request's latency; it prints one JSON object (see result).
//
// Two token modes:
//
//   - warm: the first -warm-tokens tokens of the file are sent on every
//     connection once before the clock starts (so every server process behind
//     every connection has validated and cached each of them), then the
//     workers cycle through them for -duration;
//   - new: every request takes the next unused token of the file, so each
//     request makes the middleware validate a token it has never seen; the
//     run ends after -requests requests (default: every token in the file).
//
// Before measuring, every worker opens its connection with a request that
// carries no token and must be refused with 401 (proof that the middleware
// is in front of the handler), and one request with a malformed token must
// be refused too. The warm-up goes one worker after the other. Every measured answer must be 200 (and contain
// -expect-body when given); anything else is counted, not timed.
//
//	authload -url http://127.0.0.1:5610/ -tokens tokens.txt -mode warm -c 8 -duration 10s
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keystone-go/keystone/bench/internal/latency"
)

type config struct {
	url         string
	tokensFile  string
	mode        string
	concurrency int
	duration    time.Duration
	requests    int
	warmTokens  int
	expectBody  string
	label       string
	timeout     time.Duration
	serverPID   int
	keystonePID int
}

// result is what authload prints.
type result struct {
	Label       string         `json:"label,omitempty"`
	Mode        string         `json:"mode"`
	URL         string         `json:"url"`
	Concurrency int            `json:"concurrency"`
	Tokens      int            `json:"tokens"` // distinct tokens sent in the measured phase
	Started     time.Time      `json:"started"`
	ElapsedNs   int64          `json:"elapsed_ns"`
	Requests    int            `json:"requests"` // measured requests sent
	OK          int            `json:"ok"`       // 200 with the expected body
	Non200      map[string]int `json:"non_200"`  // status → count
	BadBody     int            `json:"bad_body"` // 200 without the expected body
	Errors      int            `json:"errors"`   // transport errors
	ErrorSample []string       `json:"error_sample,omitempty"`
	RPS         float64        `json:"rps"` // OK / elapsed
	// CPU time (user + system) of the service's and Keystone's processes
	// during the measured phase, when their pids were given.
	ServerCPUNs   int64 `json:"server_cpu_ns,omitempty"`
	KeystoneCPUNs int64 `json:"keystone_cpu_ns,omitempty"`
	// CPU time of this load generator during the measured phase: on a
	// machine it shares with the services, what it takes they lack.
	ClientCPUNs int64           `json:"client_cpu_ns"`
	Latency     latency.Summary `json:"latency"`
}

func main() {
	var c config
	flag.StringVar(&c.url, "url", "", "URL of the protected service")
	flag.StringVar(&c.tokensFile, "tokens", "", "file of tokens, one a line")
	flag.StringVar(&c.mode, "mode", "warm", "warm | new")
	flag.IntVar(&c.concurrency, "c", 8, "workers (each its own keep-alive connection)")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "warm mode: length of the measured phase")
	flag.IntVar(&c.requests, "requests", 0, "new mode: measured requests (default: every token in the file)")
	flag.IntVar(&c.warmTokens, "warm-tokens", 16, "warm mode: size of the token set")
	flag.StringVar(&c.expectBody, "expect-body", "", "a 200 must contain this string (e.g. the caller's user id)")
	flag.StringVar(&c.label, "label", "", "copied into the output")
	flag.DurationVar(&c.timeout, "timeout", 30*time.Second, "per-request timeout")
	flag.IntVar(&c.serverPID, "server-pid", 0, "pid of the service (with its child processes): its CPU time is recorded")
	flag.IntVar(&c.keystonePID, "keystone-pid", 0, "pid of Keystone (with its child processes): its CPU time is recorded")
	flag.Parse()
	if err := c.check(); err != nil {
		fmt.Fprintln(os.Stderr, "authload:", err)
		flag.Usage()
		os.Exit(2)
	}
	tokens, err := readTokens(c.tokensFile)
	if err != nil {
		log.Fatalf("authload: %v", err)
	}
	r, err := run(context.Background(), c, tokens)
	if err != nil {
		log.Fatalf("authload: %v", err)
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(r); err != nil {
		log.Fatalf("authload: %v", err)
	}
}

func (c *config) check() error {
	switch {
	case c.url == "":
		return errors.New("-url is required")
	case c.tokensFile == "":
		return errors.New("-tokens is required")
	case c.mode != "warm" && c.mode != "new":
		return fmt.Errorf("-mode must be warm or new, not %q", c.mode)
	case c.concurrency < 1:
		return errors.New("-c must be at least 1")
	case c.mode == "warm" && (c.duration <= 0 || c.warmTokens < 1):
		return errors.New("warm mode needs -duration > 0 and -warm-tokens ≥ 1")
	case c.requests < 0:
		return errors.New("-requests must not be negative")
	}
	return nil
}

func readTokens(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var tokens []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			tokens = append(tokens, t)
		}
	}
	return tokens, sc.Err()
}

// worker is one connection and what was measured on it.
type worker struct {
	id      int
	client  *http.Client
	samples []time.Duration
	ok      int
	non200  map[int]int
	badBody int
	errs    []error
}

func newWorker(id int, timeout time.Duration) *worker {
	// One transport per worker, one connection per transport: the
	// connection, and with it the server process behind it, stays the same
	// for the whole run.
	tr := &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, DisableCompression: true}
	return &worker{id: id, client: &http.Client{Transport: tr, Timeout: timeout}, non200: map[int]int{}}
}

// get sends one GET with token (none when empty) and returns the status,
// whether the body held want, and the time to the end of the body.
func (w *worker) get(ctx context.Context, url, token, want string) (int, bool, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, false, 0, err
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	start := time.Now()
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, false, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return 0, false, took, err
	}
	return resp.StatusCode, want == "" || bytes.Contains(body, []byte(want)), took, nil
}

// measure sends one measured request and books it.
func (w *worker) measure(ctx context.Context, c config, token string) {
	code, bodyOK, took, err := w.get(ctx, c.url, token, c.expectBody)
	switch {
	case err != nil:
		w.errs = append(w.errs, err)
	case code != http.StatusOK:
		w.non200[code]++
	case !bodyOK:
		w.badBody++
	default:
		w.ok++
		w.samples = append(w.samples, took)
	}
}

func (w *worker) close() { w.client.CloseIdleConnections() }

// expect sends an unmeasured request that must be answered with status.
func (w *worker) expect(ctx context.Context, url, token string, status int, want string) error {
	code, bodyOK, _, err := w.get(ctx, url, token, want)
	if err != nil {
		return err
	}
	if code != status {
		return fmt.Errorf("want %d, got %d", status, code)
	}
	if status == http.StatusOK && !bodyOK {
		return fmt.Errorf("200 without %q in the body", want)
	}
	return nil
}

func run(ctx context.Context, c config, tokens []string) (*result, error) {
	workers := make([]*worker, c.concurrency)
	for i := range workers {
		workers[i] = newWorker(i, c.timeout)
		defer workers[i].close()
	}
	if err := workers[0].expect(ctx, c.url, "not-a-token", http.StatusUnauthorized, ""); err != nil {
		return nil, fmt.Errorf("a malformed token: %w", err)
	}
	var set []string
	switch c.mode {
	case "warm":
		if len(tokens) < c.warmTokens {
			return nil, fmt.Errorf("warm mode needs %d tokens, %s has %d", c.warmTokens, c.tokensFile, len(tokens))
		}
		set = tokens[:c.warmTokens]
	case "new":
		n := c.requests
		if n == 0 {
			n = len(tokens)
		}
		if len(tokens) < n {
			return nil, fmt.Errorf("new mode needs a token per request: %d requests, %d tokens", n, len(tokens))
		}
		set = tokens[:n]
	}
	// Open every connection before the clock starts and, in warm mode,
	// have every token validated on it: one worker after the other, so that
	// the server never sees the same token validated several times at once
	// (Keystone Zed, with several threads, then answers some of them 403).
	if err := eachWorker(workers, func(w *worker) error {
		if err := w.expect(ctx, c.url, "", http.StatusUnauthorized, ""); err != nil {
			return fmt.Errorf("no token: %w", err)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if c.mode == "warm" {
		for _, w := range workers {
			for i, t := range set {
				if err := w.expect(ctx, c.url, t, http.StatusOK, c.expectBody); err != nil {
					return nil, fmt.Errorf("warming token %d on connection %d: %w", i, w.id, err)
				}
			}
		}
	}

	r := &result{Label: c.label, Mode: c.mode, URL: c.url, Concurrency: c.concurrency, Tokens: len(set),
		Non200: map[string]int{}, Started: time.Now().UTC()}
	meter := &cpuMeter{pids: []int{os.Getpid()}}
	for _, pid := range []int{c.serverPID, c.keystonePID} {
		if pid > 0 {
			meter.pids = append(meter.pids, pid)
		}
	}
	if err := meter.start(); err != nil {
		return nil, err
	}
	start := time.Now()
	switch c.mode {
	case "warm":
		deadline := start.Add(c.duration)
		_ = eachWorker(workers, func(w *worker) error {
			// Workers start at different places in the set so that the
			// same token is not sent by all of them at once.
			for i := w.id; time.Now().Before(deadline); i++ {
				w.measure(ctx, c, set[i%len(set)])
			}
			return nil
		})
	case "new":
		var next atomic.Int64
		_ = eachWorker(workers, func(w *worker) error {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(set) {
					return nil
				}
				w.measure(ctx, c, set[i])
			}
		})
	}
	elapsed := time.Since(start)
	cpu, err := meter.stop()
	if err != nil {
		return nil, err
	}
	r.ClientCPUNs, cpu = cpu[0], cpu[1:]
	if c.serverPID > 0 {
		r.ServerCPUNs, cpu = cpu[0], cpu[1:]
	}
	if c.keystonePID > 0 {
		r.KeystoneCPUNs = cpu[0]
	}

	var all []time.Duration
	for _, w := range workers {
		all = append(all, w.samples...)
		r.OK += w.ok
		r.BadBody += w.badBody
		r.Errors += len(w.errs)
		for code, n := range w.non200 {
			r.Non200[strconv.Itoa(code)] += n
		}
		for _, err := range w.errs {
			if len(r.ErrorSample) < 5 {
				r.ErrorSample = append(r.ErrorSample, err.Error())
			}
		}
	}
	r.Requests = r.OK + r.BadBody + r.Errors
	for _, n := range r.Non200 {
		r.Requests += n
	}
	r.ElapsedNs = int64(elapsed)
	r.RPS = float64(r.OK) / elapsed.Seconds()
	if len(all) > 0 {
		s, err := latency.Summarize(all)
		if err != nil {
			return nil, err
		}
		r.Latency = s
	}
	return r, nil
}

// eachWorker runs f on every worker at once and returns the first error.
func eachWorker(ws []*worker, f func(*worker) error) error {
	errs := make([]error, len(ws))
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Go(func() { errs[i] = f(w) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
