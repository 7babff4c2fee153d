package examples_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// protected-service validates callers' tokens with the admin's cloud (in
// process, then in the suite's memcached with ENCRYPT), answers who they
// are, refuses the others with 401 and stops cleanly on SIGTERM.
func TestProtectedService(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	caller := newAccount(t, admin, true)
	a, err := e2eutil.Session(t, passwordOf(caller)).AccessInfo(e2eutil.Ctx(t))
	require.NoError(t, err)
	memcached := os.Getenv("MEMCACHED_SERVERS")
	require.NotEmpty(t, memcached, "MEMCACHED_SERVERS: start one with hack/memcached-up.sh (make e2e and make test do)")

	for name, args := range map[string][]string{
		"in-process cache": {"-token-cache-time", "60s"},
		"memcached":        {"-memcached-servers", memcached, "-memcache-security-strategy", "ENCRYPT", "-memcache-secret-key", e2eutil.Name(t, "k")},
	} {
		t.Run(name, func(t *testing.T) {
			env := append(cloudsFiles(t, nil), "OS_CLOUD=admin")
			cmd := exec.CommandContext(e2eutil.Ctx(t), filepath.Join(build(t), "protected-service"),
				append([]string{"-listen", "127.0.0.1:0"}, args...)...)
			cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
			cmd.Dir = t.TempDir()
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			var stderr e2eutil.LogBuffer // os/exec writes it while the test may read it
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			exited := false
			t.Cleanup(func() {
				if !exited {
					_ = cmd.Process.Kill()
					_ = cmd.Wait()
				}
			})
			line, err := bufio.NewReader(stdout).ReadString('\n')
			require.NoError(t, err, "stderr: %s", stderr.String())
			base := strings.TrimSpace(strings.TrimPrefix(line, "protected-service listening on "))
			require.True(t, strings.HasPrefix(base, "http://127.0.0.1:"), line)

			get := func(token string) (int, map[string]any, string) {
				req, err := http.NewRequestWithContext(e2eutil.Ctx(t), "GET", base+"/any/path", nil)
				require.NoError(t, err)
				req.Header.Set("X-Auth-Token", token)
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				var body map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&body)
				return resp.StatusCode, body, resp.Header.Get("WWW-Authenticate")
			}
			for range 2 {
				status, body, _ := get(a.Token)
				require.Equal(t, http.StatusOK, status)
				assert.Equal(t, caller.userID, body["user_id"])
				assert.Equal(t, caller.userName, body["user_name"])
				assert.Equal(t, caller.projectID, body["project_id"])
				assert.Equal(t, caller.projectName, body["project_name"])
				assert.ElementsMatch(t, []any{"member", "reader"}, body["roles"])
			}
			status, _, challenge := get(a.Token + "x")
			assert.Equal(t, http.StatusUnauthorized, status)
			assert.Equal(t, `Keystone uri="`+e2eutil.AuthURL()+`"`, challenge)

			require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				exited = true
				require.NoError(t, err, "a clean exit on SIGTERM; stderr: %s", stderr.String())
			case <-time.After(time.Minute):
				t.Fatal("protected-service did not stop on SIGTERM")
			}
		})
	}
}
