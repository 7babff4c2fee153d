package chaos_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

const (
	goroutines = 32
	// tokenLifetime is the test Keystone's [token] expiration.
	tokenLifetime = 60 * time.Second
	// The session's windows: renewed in the background from 25 s before
	// expiry, waited for from 5 s before.
	advisoryMargin  = 25 * time.Second
	mandatoryMargin = 5 * time.Second
	outage          = 10 * time.Second
)

// ports keeps the chaos Keystones off the main test Keystones' ports.
var ports = map[string]string{"zed": "5150", "epoxy": "5151", "latest": "5152"}

// keystone is the chaos test's own Keystone.
type keystone struct {
	t        *testing.T
	release  string
	dir      string
	hack     string
	authURL  string
	password string
}

func startKeystone(t *testing.T) *keystone {
	release := os.Getenv("KEYSTONE_RELEASE")
	if release == "" {
		release = "zed"
	}
	port, ok := ports[release]
	require.True(t, ok, "KEYSTONE_RELEASE=%q: one of zed, epoxy, latest", release)
	hack, err := filepath.Abs("../../../hack")
	require.NoError(t, err)
	ks := &keystone{t: t, release: release, dir: "/tmp/keystone-go-chaos-" + release, hack: hack}
	exports := ks.run("keystone-up.sh", "KEYSTONE_PORT="+port)
	for line := range strings.Lines(exports) {
		k, v, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "export "), "=")
		switch k {
		case "OS_AUTH_URL":
			ks.authURL = v
		case "OS_PASSWORD":
			ks.password = v
		}
	}
	require.NotEmpty(t, ks.authURL, "keystone-up.sh printed no OS_AUTH_URL: %s", exports)
	t.Cleanup(func() { ks.run("keystone-down.sh") })
	return ks
}

// run runs a script of hack/ for this Keystone, with nothing of the
// environment's Keystone settings but the release, and returns its stdout.
func (ks *keystone) run(script string, settings ...string) string {
	env := []string{"KEYSTONE_RELEASE=" + ks.release, "KEYSTONE_DIR=" + ks.dir, "KEYSTONE_PORT=" + ports[ks.release],
		fmt.Sprintf("KEYSTONE_TOKEN_EXPIRATION=%d", int(tokenLifetime.Seconds()))}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KEYSTONE_") && !strings.HasPrefix(kv, "OS_") {
			env = append(env, kv)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute) // a first chroot start installs
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(ks.hack, script))
	cmd.Env = append(env, settings...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(ks.t, err, "%s %v: %s", script, settings, stderr.String())
	return stdout.String()
}

// counting counts the token requests of its plugin, and those that failed.
type counting struct {
	auth.Plugin
	requests, failed atomic.Int32
}

func (c *counting) Authenticate(ctx context.Context, client auth.Doer) (*auth.AccessInfo, error) {
	c.requests.Add(1)
	a, err := c.Plugin.Authenticate(ctx, client)
	if err != nil {
		c.failed.Add(1)
	}
	return a, err
}

// call is one call of a worker.
type call struct {
	start, end time.Time
	err        error
}

// window is a time Keystone was (or may have been) down.
type window struct {
	what       string
	start, end time.Time
}

func (w window) overlaps(c call) bool { return !c.end.Before(w.start) && !c.start.After(w.end) }

// TestTokenThroughOutagesRestartsAndKeyRotation: 32 goroutines call
// Keystone for more than two token lifetimes while it is stopped for 10 s
// (as its token enters the advisory window), restarted, and restarted with
// new fernet keys. Every call that Keystone was up for succeeds; every
// call the outages caught fails at once with a typed connection error.
func TestTokenThroughOutagesRestartsAndKeyRotation(t *testing.T) {
	ks := startKeystone(t)
	plugin := &counting{Plugin: &auth.Password{AuthURL: ks.authURL, Username: "admin", UserDomainID: "default",
		Password: ks.password, Scope: auth.Scope{ProjectName: "admin", ProjectDomainID: "default"}}}
	sess := e2eutil.Session(t, plugin, auth.WithRefreshMargin(advisoryMargin),
		auth.WithMandatoryRefreshMargin(mandatoryMargin), auth.WithTimeout(30*time.Second))
	client := e2eutil.Client(t, sess)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	first, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	begin := time.Now()
	var (
		stop  atomic.Bool
		mu    sync.Mutex
		calls []call
		wg    sync.WaitGroup
	)
	for range goroutines {
		wg.Go(func() {
			for !stop.Load() {
				c := call{start: time.Now()}
				resp, err := client.Raw().ListAuthProjectsWithResponse(ctx)
				if err == nil && resp.StatusCode() != http.StatusOK {
					err = fmt.Errorf("status %d", resp.StatusCode())
				}
				c.end, c.err = time.Now(), err
				mu.Lock()
				calls = append(calls, c)
				mu.Unlock()
				pause := 10 * time.Millisecond
				if err != nil {
					pause = 100 * time.Millisecond // no busy loop against a stopped Keystone
				}
				time.Sleep(pause)
			}
		})
	}

	var windows []window
	down := func(what string, f func()) {
		w := window{what: what, start: time.Now()}
		f()
		w.end = time.Now()
		windows = append(windows, w)
		t.Logf("%s: Keystone down for %v", what, w.end.Sub(w.start).Round(time.Millisecond))
	}
	// Stop Keystone just before the token enters its advisory window: the
	// background renewal meets the outage and fails, and the token in hand
	// serves until Keystone is back (or, if the outage outlasts it, the
	// calls the outage catches fail anyway).
	sleepUntil(ctx, first.ExpiresAt.Add(-advisoryMargin-2*time.Second))
	down("stopped for 10 s", func() {
		ks.run("keystone-down.sh")
		sleepUntil(ctx, time.Now().Add(outage))
		ks.run("keystone-up.sh")
	})
	sleepUntil(ctx, time.Now().Add(10*time.Second))
	down("restarted", func() { ks.run("keystone-up.sh", "KEYSTONE_RESTART=1") })
	sleepUntil(ctx, time.Now().Add(10*time.Second))
	beforeRotation, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	down("restarted with new fernet keys", func() { ks.run("keystone-up.sh", "KEYSTONE_ROTATE_KEYS=1") })
	// Two token lifetimes in all, and one more renewal after the rotation.
	sleepUntil(ctx, later(begin.Add(2*tokenLifetime+10*time.Second), time.Now().Add(tokenLifetime-advisoryMargin+10*time.Second)))
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(begin)

	after, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, beforeRotation.Token, after.Token)
	assert.True(t, refused(ctx, t, ks.authURL, after.Token, beforeRotation.Token),
		"Keystone refuses the tokens issued before the rotation")

	var served, outageFailed, bad int
	var slowest time.Duration
	kinds := map[string]int{}
	for _, c := range calls {
		var in *window
		for i := range windows {
			if windows[i].overlaps(c) {
				in = &windows[i]
			}
		}
		switch {
		case c.err == nil:
			served++
		case in == nil:
			bad++
			if bad <= 5 {
				t.Errorf("a call while Keystone was up failed (%v into the run): %v", c.start.Sub(begin).Round(time.Millisecond), c.err)
			}
		default:
			outageFailed++
			slowest = max(slowest, c.end.Sub(c.start))
			kinds[kindOf(c.err)]++
			if !errors.Is(c.err, apierror.ErrConnection) {
				bad++
				t.Errorf("%s: a call failed without a connection error: %v", in.what, c.err)
			}
			// Failing fast: no call waited for Keystone to come back.
			if c.end.Sub(c.start) >= outage {
				bad++
				t.Errorf("%s: a call took %v to fail: %v", in.what, c.end.Sub(c.start), c.err)
			}
		}
	}
	assert.Zero(t, bad)
	assert.NotZero(t, outageFailed, "the outages were seen")
	assert.NotZero(t, served)
	assert.NotZero(t, plugin.failed.Load(), "the background renewal met the outage")
	// One token per renewal: the first, one per lifetime minus the
	// advisory margin, and one after the rotation.
	maxTokens := int32(elapsed/(tokenLifetime-advisoryMargin)) + 2
	succeeded := plugin.requests.Load() - plugin.failed.Load()
	assert.LessOrEqual(t, succeeded, maxTokens)
	assert.GreaterOrEqual(t, succeeded, int32(3), "renewed at least once by expiry and once after the rotation")
	t.Logf("Keystone %s: %d goroutines for %v: %d calls served, %d failed during outages (%v; slowest failure %v), 0 failed otherwise: %d failed; token requests: %d (%d succeeded, %d failed during outages; at most %d allowed)",
		ks.release, goroutines, elapsed.Round(time.Second), served, outageFailed, kinds, slowest.Round(time.Millisecond), bad,
		plugin.requests.Load(), succeeded, plugin.failed.Load(), maxTokens)
}

// kindOf names the most specific connection kind of err.
func kindOf(err error) string {
	for _, k := range []*apierror.Kind{apierror.ErrConnectionRefused, apierror.ErrTimeout, apierror.ErrIncompleteBody,
		apierror.ErrUnknownConnection, apierror.ErrConnection} {
		if errors.Is(err, k) {
			name := k.Name()
			if errors.Is(err, apierror.ErrTokenRefresh) {
				name = "TokenRefreshFailure/" + name
			}
			return name
		}
	}
	return "other"
}

// refused reports whether Keystone answers a validation of subject, asked
// with token, with 404 (a token it cannot read).
func refused(ctx context.Context, t *testing.T, authURL, token, subject string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, authURL+"/auth/tokens", nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("X-Subject-Token", subject)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusUnauthorized
}

func sleepUntil(ctx context.Context, t time.Time) {
	select {
	case <-ctx.Done():
	case <-time.After(time.Until(t)):
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
