package auth

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// A token one session found refused (401) is removed from the file cache,
// so that another session, or another process, is not handed it: even when
// the renewal that follows fails and nothing replaces it.
func TestFileCacheRemovesARefusedToken(t *testing.T) {
	ks := newClockedKeystone(t, time.Now)
	dir := filepath.Join(t.TempDir(), "cache")
	ctx := bg(t)
	first := ks.session(t, nil, WithFileCache(dir), WithRetries(0, 0))
	require.NoError(t, ks.call(ctx, first))
	refused := first.current().Token
	id := CacheID(ks.plugin())
	require.FileExists(t, filepath.Join(dir, id+".json"))

	ks.revokeAll()
	ks.authStatus.Store(http.StatusServiceUnavailable)
	err := ks.call(ctx, first)
	require.ErrorIs(t, err, apierror.ErrTokenRefresh)
	assert.NoFileExists(t, filepath.Join(dir, id+".json"), "the refused token left the cache")

	second := ks.session(t, nil, WithFileCache(dir), WithRetries(0, 0))
	_, err = second.AccessInfo(ctx)
	require.Error(t, err, "the second session asked Keystone rather than taking the refused token")
	assert.EqualValues(t, 3, ks.tokenRequests.Load())

	ks.authStatus.Store(0)
	a, err := second.AccessInfo(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, refused, a.Token)
	require.NoError(t, ks.call(ctx, first), "the first session takes the new token from the file")
	assert.EqualValues(t, 4, ks.tokenRequests.Load())
	assert.NotContains(t, ks.sentTokens()[2:], refused)
}

// A token the session refused is not removed when the file already holds
// another one (another process renewed it first).
func TestFileCacheKeepsANewerTokenOnRefusal(t *testing.T) {
	ks := newClockedKeystone(t, time.Now)
	dir := filepath.Join(t.TempDir(), "cache")
	ctx := bg(t)
	s := ks.session(t, nil, WithFileCache(dir))
	old, err := s.AccessInfo(ctx)
	require.NoError(t, err)
	other := ks.session(t, nil, WithFileCache(dir))
	other.Invalidate()
	fc := other.plugin.(*fileCached)
	fc.served = old.Token // as if it had used and given up the old token
	newer, err := other.AccessInfo(ctx)
	require.NoError(t, err)
	require.NotEqual(t, old.Token, newer.Token)

	s.plugin.(*fileCached).tokenRejected(ctx, old)
	got, err := fileCache{dir: dir}.load(CacheID(ks.plugin()), ks.plugin(), false)
	require.NoError(t, err)
	assert.Equal(t, newer.Token, got.Token)
}

// The multi-process test: this process runs a Keystone double whose tokens
// live four seconds, starts its own test binary four times as processes
// that share one cache directory and call the API from four goroutines
// each for nine seconds, and in the middle refuses every token (Keystone
// restarted with new fernet keys). No call may fail, no process may read a
// torn or otherwise unusable file, and no token may be requested while the
// newest one is valid and outside its refresh window: one request per
// expiry, not one per process.

const contentionEnv = "KEYSTONE_GO_CONTENTION_HELPER"

func TestFileCacheUnderContention(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for ten seconds")
	}
	const (
		processes = 4
		lifetime  = 4 * time.Second
		advisory  = lifetime / 2 // the windows shrink to half a short token's life
		duration  = 9 * time.Second
		slack     = 300 * time.Millisecond
	)
	var (
		mu       sync.Mutex
		needless []string
		perProc  = map[string]int{}
	)
	ks := newClockedKeystone(t, time.Now, func(ks *clockedKeystone) {
		ks.lifetime = lifetime
		ks.onTokenRequest = func(r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			who, _, _ := strings.Cut(r.Header.Get("User-Agent"), " ")
			perProc[who]++
			ks.mu.Lock()
			latest := ks.latest
			exp, valid := ks.expires[latest]
			ks.mu.Unlock()
			if left := time.Until(exp); valid && left > advisory+slack {
				needless = append(needless, fmt.Sprintf("%s asked with %s still %v from expiry", who, latest, left.Round(time.Millisecond)))
			}
		}
	})
	dir := filepath.Join(t.TempDir(), "cache")
	deadline := time.Now().Add(duration)
	ctx, cancel := context.WithTimeout(context.Background(), duration+30*time.Second)
	defer cancel()
	type child struct {
		name string
		cmd  *exec.Cmd
		out  bytes.Buffer
		err  bytes.Buffer
	}
	var children []*child
	for i := range processes {
		c := &child{name: fmt.Sprintf("proc%d", i)}
		c.cmd = exec.CommandContext(ctx, os.Args[0], "-test.run=^TestFileCacheContentionHelperProcess$", "-test.count=1")
		c.cmd.Env = append(os.Environ(), contentionEnv+"=1", "CONTENTION_KEYSTONE="+ks.URL, "CONTENTION_DIR="+dir,
			"CONTENTION_NAME="+c.name, "CONTENTION_DEADLINE="+strconv.FormatInt(deadline.UnixNano(), 10))
		c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.err
		require.NoError(t, c.cmd.Start())
		children = append(children, c)
	}
	time.Sleep(duration / 2)
	ks.revokeAll()
	for _, c := range children {
		require.NoError(t, c.cmd.Wait(), "%s: %s\n%s", c.name, c.out.String(), c.err.String())
		got := map[string]string{}
		sc := bufio.NewScanner(&c.out)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.HasPrefix(k, "CONTENTION_") {
				got[k] = v
			}
		}
		mu.Lock()
		requests := perProc[c.name]
		mu.Unlock()
		t.Logf("%s: %s calls, %s failed, %d token requests", c.name, got["CONTENTION_CALLS"], got["CONTENTION_FAILED"], requests)
		assert.NotEmpty(t, got["CONTENTION_CALLS"], "%s reported", c.name)
		assert.NotEqual(t, "0", got["CONTENTION_CALLS"], c.name)
		assert.Equal(t, "0", got["CONTENTION_FAILED"], "%s: %s", c.name, got["CONTENTION_FIRST_ERROR"])
		assert.Equal(t, "0", got["CONTENTION_CACHE_ERRORS"], "%s read no torn or unusable file: %s", c.name, got["CONTENTION_FIRST_CACHE_ERROR"])
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, needless, "a token request while the newest token was valid and fresh")
	// Tokens are renewed halfway through their life, so one generation
	// lasts at least lifetime-advisory; the refusal halfway through starts
	// a new series: that many generations in each half.
	perHalf := int32((duration/2)/(lifetime-advisory)) + 1
	maxRequests := 2 * perHalf
	t.Logf("%d processes, %v: %d token requests (at most %d allowed)", processes, duration, ks.tokenRequests.Load(), maxRequests)
	assert.LessOrEqual(t, ks.tokenRequests.Load(), maxRequests)
	assert.Zero(t, ks.expiredSent, "no process sent an expired token")
}

// TestFileCacheContentionHelperProcess is a child of the test above; it
// does nothing when run on its own.
func TestFileCacheContentionHelperProcess(t *testing.T) {
	if os.Getenv(contentionEnv) != "1" {
		t.Skip("run by TestFileCacheUnderContention")
	}
	url, dir, name := os.Getenv("CONTENTION_KEYSTONE"), os.Getenv("CONTENTION_DIR"), os.Getenv("CONTENTION_NAME")
	nanos, err := strconv.ParseInt(os.Getenv("CONTENTION_DEADLINE"), 10, 64)
	require.NoError(t, err)
	deadline := time.Unix(0, nanos)
	var log lockedBuffer
	ks := &clockedKeystone{Server: &httptest.Server{URL: url}}
	s := New(ks.plugin(), WithFileCache(dir), WithUserAgent(name, ""), WithLogger(debugLogger(&log)), WithRetries(0, 0))
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(20*time.Second))
	defer cancel()
	var calls, failed atomic.Int32
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				calls.Add(1)
				if err := ks.call(ctx, s); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	var cacheErrors []string
	for line := range strings.Lines(log.String()) {
		if strings.Contains(line, "token file cache: ignoring the cached token") || strings.Contains(line, "token file cache: renewing without the lock") {
			cacheErrors = append(cacheErrors, strings.TrimSpace(line))
		}
	}
	fmt.Printf("\nCONTENTION_CALLS=%d\nCONTENTION_FAILED=%d\nCONTENTION_FIRST_ERROR=%v\nCONTENTION_CACHE_ERRORS=%d\n",
		calls.Load(), failed.Load(), firstErr.Load(), len(cacheErrors))
	if len(cacheErrors) > 0 {
		fmt.Printf("CONTENTION_FIRST_CACHE_ERROR=%s\n", cacheErrors[0])
	}
}
