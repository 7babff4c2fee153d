package load_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// counting wraps a plugin and counts the tokens it is asked for.
type counting struct {
	auth.Plugin
	calls atomic.Int32
}

func (c *counting) Authenticate(ctx context.Context, client auth.Doer) (*auth.AccessInfo, error) {
	c.calls.Add(1)
	return c.Plugin.Authenticate(ctx, client)
}

const (
	calls      = 5000
	goroutines = 32
)

// TestOneSessionManyGoroutines makes 5,000 calls from 32 goroutines that
// share one Session, against the real Keystone: every call succeeds, and
// the Session asks for exactly one token. (A fresh Keystone answers some 150
// calls a second: about 35 s. A shared one slows down as revocation events
// pile up: several minutes.)
func TestOneSessionManyGoroutines(t *testing.T) {
	// Longer than e2eutil.Ctx's ten minutes: a Keystone busy with other
	// suites has been seen answering 15 calls a second (5,000 in 5.5 min).
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	plugin := &counting{Plugin: e2eutil.AdminPlugin()}

	// As many idle connections as goroutines, so that the run measures
	// the Session rather than TCP set-up; idle ones are dropped before
	// uWSGI's 4 s socket timeout would close them under a request.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = goroutines
	tr.IdleConnTimeout = 2 * time.Second
	t.Cleanup(tr.CloseIdleConnections)

	var attempts, retried atomic.Int32
	sess := auth.New(plugin,
		auth.WithHTTPClient(e2eutil.HTTPClientWith(t, tr)),
		auth.WithTimings(),
		auth.WithResponseHook(func(r auth.ResponseInfo) {
			attempts.Add(1)
			if r.Attempt > 1 {
				retried.Add(1)
			}
		}))
	client := e2eutil.Client(t, sess)
	// GET /v3/auth/projects: Keystone validates one token per call (a token
	// validation, GET /v3/auth/tokens, validates two: X-Auth-Token and
	// X-Subject-Token), and each validation walks Keystone's revocation
	// events, which a shared test server collects by the thousand.

	var next, ok atomic.Int32
	var mu sync.Mutex
	var errs []error
	start := time.Now()
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for next.Add(1) <= calls {
				resp, err := client.Raw().ListAuthProjectsWithResponse(ctx)
				switch {
				case err != nil:
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				case resp.StatusCode() != http.StatusOK || resp.JSON200 == nil:
					mu.Lock()
					errs = append(errs, assert.AnError)
					mu.Unlock()
				default:
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)

	require.Empty(t, errs, "the first of %d errors: %v", len(errs), first(errs))
	assert.EqualValues(t, calls, ok.Load())
	assert.EqualValues(t, 1, plugin.calls.Load(), "one token for every goroutine")

	var lat []time.Duration
	for _, tm := range sess.Timings() {
		if tm.Method == http.MethodGet {
			lat = append(lat, tm.Elapsed)
		}
	}
	slices.Sort(lat)
	require.NotEmpty(t, lat)
	t.Logf("%d calls from %d goroutines in %v (%.0f calls/s); %d HTTP exchanges, %d retries; latency p50 %v, p99 %v",
		calls, goroutines, took.Round(time.Millisecond), float64(calls)/took.Seconds(), attempts.Load(), retried.Load(),
		lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond))
}

func first(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}
