// Package specdrift_test compares the routes the Keystone under test
// announces in its JSON-home document with the spec, through pkg/specdrift
// and through the keystone-spec command a user runs.
package specdrift_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/specdrift"
	"github.com/keystone-go/keystone/pkg/specvalidate"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// expectedFindings are the differences every verified release shows: the
// spec paths Keystone routes without announcing them, or documents without
// routing them (specdrift.Known has the reasons).
var expectedFindings = []string{
	"/v3/",
	"/v3/OS-FEDERATION/domains",
	"/v3/OS-FEDERATION/projects",
	"/v3/policies/{policy_id}/OS-ENDPOINT-POLICY/policy",
	"/v3/projects/{project_id}/tags",
}

// revokeUserTokens' path exists from Keystone 30 (2026.2) on.
const userTokens = "/v3/users/{user_id}/tokens"

func wantFindings(t *testing.T) []string {
	want := slices.Clone(expectedFindings)
	if !e2eutil.ReleaseIs(t, e2eutil.Latest) {
		want = append(want, userTokens)
	}
	slices.Sort(want)
	return want
}

func paths(rep *specdrift.Report) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.Path)
	}
	slices.Sort(out)
	return out
}

func TestJSONHomeMatchesTheSpec(t *testing.T) {
	t.Parallel()
	ctx := e2eutil.Ctx(t)
	v, err := specvalidate.New()
	require.NoError(t, err)
	// JSON-home needs no token; the answer is not JSON the spec's
	// getVersionV3 describes, so it bypasses the validating transport.
	home, err := specdrift.Fetch(ctx, http.DefaultClient, e2eutil.AuthURL())
	require.NoError(t, err)

	rep := specdrift.Compare(v, home, e2eutil.CurrentRelease(t).Series())
	assert.Empty(t, rep.Unexpected())
	assert.Equal(t, wantFindings(t), paths(rep))
	for _, f := range rep.Findings {
		assert.True(t, f.Expected, f.Path)
		assert.Equal(t, specdrift.Unrouted, f.Kind, f.Path)
		assert.NotEmpty(t, f.Reason, f.Path)
	}
	// Not told the release, the same paths are missing and explained.
	unknown := specdrift.Compare(v, home, "")
	assert.Empty(t, unknown.Unexpected())
	assert.Equal(t, wantFindings(t), paths(unknown))
}

func TestDriftCommand(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "keystone-spec")
	build := exec.Command("go", "build", "-o", bin, "github.com/keystone-go/keystone/cmd/keystone-spec")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	admin := e2eutil.AdminPlugin()
	env := []string{
		"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"),
		"OS_AUTH_URL=" + admin.AuthURL, "OS_USERNAME=" + admin.Username, "OS_PASSWORD=" + admin.Password,
		"OS_USER_DOMAIN_ID=" + admin.UserDomainID, "OS_PROJECT_NAME=" + admin.Scope.ProjectName,
		"OS_PROJECT_DOMAIN_ID=" + admin.Scope.ProjectDomainID, "OS_IDENTITY_API_VERSION=3",
	}
	drift := func(args ...string) (string, int) {
		cmd := exec.Command(bin, append([]string{"drift"}, args...)...)
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return stdout.String() + stderr.String(), exit.ExitCode()
		}
		require.NoError(t, err)
		return stdout.String(), 0
	}

	series := e2eutil.CurrentRelease(t).Series()
	text, code := drift("--release", series, "--json")
	require.Equal(t, 0, code, text)
	var res struct {
		Endpoint   string              `json:"endpoint"`
		Series     string              `json:"series"`
		Routes     int                 `json:"routes"`
		Unexpected int                 `json:"unexpected"`
		Findings   []specdrift.Finding `json:"findings"`
	}
	require.NoError(t, json.Unmarshal([]byte(text), &res))
	assert.Equal(t, e2eutil.AuthURL(), res.Endpoint)
	assert.Equal(t, series, res.Series)
	assert.Greater(t, res.Routes, 100)
	assert.Zero(t, res.Unexpected)
	assert.Equal(t, wantFindings(t), paths(&specdrift.Report{Findings: res.Findings}))

	text, code = drift()
	require.Equal(t, 0, code, text)
	assert.Contains(t, text, e2eutil.AuthURL()+" (series not given): ")
	assert.Contains(t, text, "\nnothing unexpected\n")

	// Told a release the server is not, the difference shows.
	other := "2026.2"
	if e2eutil.ReleaseIs(t, e2eutil.Latest) {
		other = "2022.2"
	}
	text, code = drift("--release", other)
	assert.Equal(t, 1, code, text)
	assert.Contains(t, text, userTokens)
}
