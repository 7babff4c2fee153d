package auth

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func cachePlugin(ks *stubKeystone) *Password {
	return &Password{AuthURL: ks.URL + "/v3", UserID: "u1", Password: "pw", Scope: Scope{ProjectID: "p1"}}
}

func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		// The lock files of renewals stay: removing one races another
		// process that is about to lock it.
		if !strings.HasSuffix(e.Name(), ".lock") {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestFileCacheSharesTokensBetweenSessions(t *testing.T) {
	ks := newStub(t)
	dir := filepath.Join(t.TempDir(), "a", "cache") // created, parents too
	a, err := ks.session(cachePlugin(ks), WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)
	b, err := ks.session(cachePlugin(ks), WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, a.Token, b.Token)
	assert.EqualValues(t, 1, ks.tokenRequests.Load(), "the second session used the file")
	assert.Equal(t, a.ProjectID(), b.ProjectID())
	assert.Equal(t, a.Catalog.Len(), b.Catalog.Len())

	if runtime.GOOS != "windows" {
		fi, err := os.Stat(dir)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
		name := filepath.Join(dir, CacheID(cachePlugin(ks))+".json")
		fi, err = os.Stat(name)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}
	assert.Equal(t, []string{CacheID(cachePlugin(ks)) + ".json", proofKeyFile}, cacheFiles(t, dir), "the token and the key, no temporary left over")
	data, err := os.ReadFile(filepath.Join(dir, CacheID(cachePlugin(ks))+".json"))
	require.NoError(t, err)
	assert.NotContains(t, string(data), `"pw"`, "no password in the cache")

	// Another identity does not see it.
	other := &Password{AuthURL: ks.URL + "/v3", UserID: "u2", Password: "pw"}
	c, err := ks.session(other, WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.NotEqual(t, a.Token, c.Token)
	assert.EqualValues(t, 2, ks.tokenRequests.Load())
	assert.Len(t, cacheFiles(t, dir), 3, "two tokens and the key")
}

func TestFileCacheIgnoresBadFiles(t *testing.T) {
	ks := newStub(t)
	id := CacheID(cachePlugin(ks))
	// sealed is a valid cache file of plugin's, sealed with dir's key, so
	// that only the flaw each case plants makes the cache skip it.
	sealed := func(t *testing.T, dir string, plugin Plugin) []byte {
		a, err := ks.session(plugin).AccessInfo(bg(t))
		require.NoError(t, err)
		c := fileCache{dir: dir}
		pid := CacheID(plugin)
		require.NoError(t, c.store(pid, a, plugin))
		data, err := os.ReadFile(c.path(pid))
		require.NoError(t, err)
		require.NoError(t, os.Remove(c.path(pid)))
		return data
	}
	good := func(t *testing.T, dir string) []byte { return sealed(t, dir, cachePlugin(ks)) }
	cases := map[string]func(t *testing.T, dir string){
		"corrupt": func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, id+".json"), []byte(`{"version":1,"tok`), 0o600))
		},
		"foreign": func(t *testing.T, dir string) {
			// A valid state of another identity, under this identity's name.
			data := sealed(t, dir, &Password{AuthURL: ks.URL + "/v3", UserID: "u9", Password: "pw"})
			require.NoError(t, os.WriteFile(filepath.Join(dir, id+".json"), data, 0o600))
		},
		"expired": func(t *testing.T, dir string) {
			old := ks.lifetime
			ks.lifetime = -time.Hour
			data := good(t, dir)
			ks.lifetime = old
			require.NoError(t, os.WriteFile(filepath.Join(dir, id+".json"), data, 0o600))
		},
		"sealed with another key": func(t *testing.T, dir string) {
			data := good(t, dir)
			require.NoError(t, os.WriteFile(filepath.Join(dir, proofKeyFile), NewStateKey(), 0o600))
			require.NoError(t, os.WriteFile(filepath.Join(dir, id+".json"), data, 0o600))
		},
		"within the refresh margin": func(t *testing.T, dir string) {
			// An hour-long token issued 59 minutes ago: 60 s left, within
			// the default 120 s margin.
			old := ks.lifetime
			ks.lifetime = time.Minute
			ks.token["issued_at"] = time.Now().UTC().Add(-59 * time.Minute).Format("2006-01-02T15:04:05.000000Z")
			data := good(t, dir)
			ks.lifetime = old
			delete(ks.token, "issued_at")
			require.NoError(t, os.WriteFile(filepath.Join(dir, id+".json"), data, 0o600))
		},
		"readable by others": func(t *testing.T, dir string) {
			if runtime.GOOS == "windows" {
				t.Skip("no Unix permissions")
			}
			name := filepath.Join(dir, id+".json")
			require.NoError(t, os.WriteFile(name, good(t, dir), 0o600))
			require.NoError(t, os.Chmod(name, 0o644))
		},
		"a symbolic link": func(t *testing.T, dir string) {
			if runtime.GOOS == "windows" {
				t.Skip("no symbolic links")
			}
			target := filepath.Join(t.TempDir(), "elsewhere.json")
			require.NoError(t, os.WriteFile(target, good(t, dir), 0o600))
			require.NoError(t, os.Symlink(target, filepath.Join(dir, id+".json")))
		},
	}
	for name, plant := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.Chmod(dir, 0o700))
			plant(t, dir)
			before := ks.tokenRequests.Load()
			a, err := ks.session(cachePlugin(ks), WithFileCache(dir)).AccessInfo(bg(t))
			require.NoError(t, err)
			assert.Equal(t, before+1, ks.tokenRequests.Load(), "the file was not used")
			// The fresh token replaced the bad file.
			b, err := ks.session(cachePlugin(ks), WithFileCache(dir)).AccessInfo(bg(t))
			require.NoError(t, err)
			assert.Equal(t, a.Token, b.Token)
			assert.Equal(t, before+1, ks.tokenRequests.Load())
		})
	}
}

func TestFileCacheRefusesADirectoryOpenToOthers(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	ks := newStub(t)
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for range 2 {
		_, err := ks.session(cachePlugin(ks), WithFileCache(dir), WithLogger(logger)).AccessInfo(bg(t))
		require.NoError(t, err, "a cache that cannot be used does not fail authentication")
	}
	assert.Contains(t, logs.String(), "is open to other users", "the reason is logged")
	assert.EqualValues(t, 2, ks.tokenRequests.Load())
	assert.Empty(t, cacheFiles(t, dir), "nothing written where others can read")
}

func TestFileCacheNeverReturnsATokenTheSessionGaveUp(t *testing.T) {
	ks := newStub(t)
	dir := filepath.Join(t.TempDir(), "cache")
	s := ks.session(cachePlugin(ks), WithFileCache(dir))
	a, err := s.AccessInfo(bg(t))
	require.NoError(t, err)

	// Keystone revokes the token: the 401 makes the session authenticate
	// again, and the cached copy of the revoked token is not taken back.
	ks.revoke(a.Token)
	req, _ := http.NewRequestWithContext(bg(t), http.MethodGet, ks.URL+"/v3/projects", nil)
	resp, err := s.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	b, err := s.AccessInfo(bg(t))
	require.NoError(t, err)
	assert.NotEqual(t, a.Token, b.Token)
	assert.EqualValues(t, 2, ks.tokenRequests.Load())

	// The file now has the new token.
	c, err := ks.session(cachePlugin(ks), WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, b.Token, c.Token)

	// Invalidate works the same way.
	s.Invalidate()
	d, err := s.AccessInfo(bg(t))
	require.NoError(t, err)
	assert.NotEqual(t, b.Token, d.Token)
	assert.EqualValues(t, 3, ks.tokenRequests.Load())
}

func TestFileCacheReplacesAtomically(t *testing.T) {
	ks := newStub(t)
	c := fileCache{dir: t.TempDir()}
	require.NoError(t, os.Chmod(c.dir, 0o700))
	id := CacheID(cachePlugin(ks))
	var tokens []*AccessInfo
	for i := range 4 {
		a, err := (&Password{AuthURL: ks.URL + "/v3", UserID: fmt.Sprint("u", i), Password: "pw"}).
			Authenticate(bg(t), ks.session(nil).unauthenticatedDoer())
		require.NoError(t, err)
		tokens = append(tokens, a)
	}
	plugin := cachePlugin(ks)
	require.NoError(t, c.store(id, tokens[0], plugin))
	// Writers replace the file while readers read it: every read sees one
	// whole state, never a mix or a truncated file.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				assert.NoError(t, c.store(id, tokens[i], plugin))
			}
		})
	}
	valid := map[string]bool{}
	for _, a := range tokens {
		valid[a.Token] = true
	}
	for range 300 {
		a, err := c.load(id, plugin, false)
		require.NoError(t, err)
		require.True(t, valid[a.Token], a.Token)
	}
	close(stop)
	wg.Wait()
	assert.Equal(t, []string{id + ".json", proofKeyFile}, cacheFiles(t, c.dir), "no temporary file left behind")
}

// unauthenticatedDoer is the Doer a plugin gets, for tests that call
// Authenticate directly.
func (s *Session) unauthenticatedDoer() Doer { return unauthenticated{s} }

// The two-process test: this process authenticates through an httptest
// Keystone that counts token requests, then runs its own test binary twice
// more as other processes that share the cache directory. The first child
// must find the token in the file and make no token request.

const helperEnv = "KEYSTONE_GO_FILECACHE_HELPER"

func TestFileCacheSharedBetweenProcesses(t *testing.T) {
	ks := newStub(t)
	dir := filepath.Join(t.TempDir(), "cache")
	// The child processes use the token against the API too.
	parent, err := ks.session(cachePlugin(ks), WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)
	require.EqualValues(t, 1, ks.tokenRequests.Load())

	child := func() map[string]string {
		cmd := exec.CommandContext(bg(t), os.Args[0], "-test.run=^TestFileCacheHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"=1", "HELPER_KEYSTONE="+ks.URL, "HELPER_DIR="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "child: %s\n%s", out, stderr.String())
		got := map[string]string{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.HasPrefix(k, "HELPER_") {
				got[k] = v
			}
		}
		return got
	}
	got := child()
	assert.Equal(t, parent.Token, got["HELPER_TOKEN"], "the child used the parent's token")
	assert.Equal(t, "200", got["HELPER_STATUS"], "and Keystone took it")
	assert.EqualValues(t, 1, ks.tokenRequests.Load(), "the child made no token request")
	assert.NotEmpty(t, ks.where("GET", "/v3/projects"), "the child did reach the stub")

	// When the cached token is gone, one process authenticates and the
	// next one reuses what it wrote.
	require.NoError(t, os.Remove(filepath.Join(dir, CacheID(cachePlugin(ks))+".json")))
	first := child()
	assert.EqualValues(t, 2, ks.tokenRequests.Load())
	second := child()
	assert.EqualValues(t, 2, ks.tokenRequests.Load())
	assert.Equal(t, first["HELPER_TOKEN"], second["HELPER_TOKEN"])
	assert.NotEqual(t, parent.Token, first["HELPER_TOKEN"])
}

// TestFileCacheHelperProcess is the child of the test above; it does
// nothing when run on its own.
func TestFileCacheHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("run by TestFileCacheSharedBetweenProcesses")
	}
	url, dir := os.Getenv("HELPER_KEYSTONE"), os.Getenv("HELPER_DIR")
	s := New(&Password{AuthURL: url + "/v3", UserID: "u1", Password: "pw", Scope: Scope{ProjectID: "p1"}}, WithFileCache(dir))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, err := s.AccessInfo(ctx)
	require.NoError(t, err)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v3/projects", nil)
	resp, err := s.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	fmt.Printf("\nHELPER_TOKEN=%s\nHELPER_STATUS=%d\n", a.Token, resp.StatusCode)
}
