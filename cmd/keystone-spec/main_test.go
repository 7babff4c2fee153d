package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/api"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func writeFile(t *testing.T, name, content string) string {
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestUsage(t *testing.T) {
	r := runCmd(t, "")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "usage: keystone-spec COMMAND")
	r = runCmd(t, "", "frobnicate")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `unknown command "frobnicate"`)
	r = runCmd(t, "", "--help")
	assert.Equal(t, exitOK, r.code)
	r = runCmd(t, "", "validate", "-h")
	assert.Equal(t, exitOK, r.code)
	assert.Contains(t, r.stderr, "--operation")
	r = runCmd(t, "", "validate", "--bogus")
	assert.Equal(t, exitUsage, r.code)
}

func TestValidateRequest(t *testing.T) {
	good := writeFile(t, "good.json", `{"project": {"name": "p"}}`)
	bad := writeFile(t, "bad.json", `{"project": {"name": "", "enabled": "yes"}}`)

	r := runCmd(t, "", "validate", "--operation", "createProject", "--request", good)
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "valid: request body of createProject (POST /v3/projects)\n", r.stdout)

	r = runCmd(t, "", "validate", "--operation", "createProject", "--request", bad)
	assert.Equal(t, exitInvalid, r.code)
	assert.Equal(t, "invalid: request body of createProject (POST /v3/projects)\n"+
		"  /project/enabled: value must be a boolean\n"+
		"  /project/name: minimum string length is 1\n", r.stdout)

	// Standard input, and an operation given by method and concrete path.
	r = runCmd(t, `{"project": {"enabled": 1}}`, "validate", "--operation", "PATCH /v3/projects/abc", "--request", "-")
	assert.Equal(t, exitInvalid, r.code)
	assert.Contains(t, r.stdout, "updateProject (PATCH /v3/projects/{project_id})")
	assert.Contains(t, r.stdout, "/project/enabled: value must be a boolean")

	r = runCmd(t, "", "validate", "--operation", "createProject", "--request", bad, "--json")
	assert.Equal(t, exitInvalid, r.code)
	var res validateResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	assert.False(t, res.Valid)
	require.Len(t, res.Errors, 2)
	assert.Equal(t, "/project/enabled", res.Errors[0].Pointer)
	assert.Equal(t, "request body", res.Errors[0].In)
	assert.Equal(t, "createProject", res.Errors[0].Operation)
}

func TestValidateResponse(t *testing.T) {
	project := `{"project": {"id": "p1", "name": "p", "domain_id": "default", "enabled": true, "is_domain": false,
		"links": {"self": "https://keystone.example/v3/projects/p1"}}}`
	r := runCmd(t, project, "validate", "--operation", "createProject", "--response", "201")
	assert.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.Equal(t, "valid: 201 answer of createProject (POST /v3/projects)\n", r.stdout)

	file := writeFile(t, "answer.json", strings.Replace(project, `"id": "p1"`, `"id": 1`, 1))
	r = runCmd(t, "", "validate", "--operation", "GET /v3/projects/{project_id}", "--response", "200", file)
	assert.Equal(t, exitInvalid, r.code)
	assert.Contains(t, r.stdout, "  /project/id: value must be a string\n")

	r = runCmd(t, "", "validate", "--operation", "deleteProject", "--response", "200")
	assert.Equal(t, exitInvalid, r.code)
	assert.Contains(t, r.stdout, "(status): one of the statuses the operation declares")

	r = runCmd(t, "", "validate", "--operation", "deleteProject", "--response", "204")
	assert.Equal(t, exitOK, r.code, r.stdout)
}

func TestValidateBadUsage(t *testing.T) {
	good := writeFile(t, "good.json", `{}`)
	for name, args := range map[string][]string{
		"no operation":       {"--request", good},
		"no body":            {"--operation", "createProject"},
		"both":               {"--operation", "createProject", "--request", good, "--response", "201"},
		"not a status":       {"--operation", "createProject", "--response", "created"},
		"unknown operation":  {"--operation", "createWidget", "--request", good},
		"unknown path":       {"--operation", "GET /v3/widgets", "--request", good},
		"missing file":       {"--operation", "createProject", "--request", filepath.Join(t.TempDir(), "none.json")},
		"extra argument":     {"--operation", "createProject", "--request", good, "more"},
		"two response files": {"--operation", "createProject", "--response", "201", good, good},
	} {
		r := runCmd(t, "", append([]string{"validate"}, args...)...)
		assert.Equal(t, exitUsage, r.code, name)
		assert.NotEmpty(t, r.stderr, name)
		assert.Empty(t, r.stdout, name)
	}
}

func TestOperations(t *testing.T) {
	r := runCmd(t, "", "operations")
	require.Equal(t, exitOK, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	assert.Regexp(t, `^OPERATION\s+METHOD\s+PATH\s+RELEASES$`, lines[0])
	assert.Regexp(t, `^createProject\s+POST\s+/v3/projects\s+2022\.2,2025\.1,2026\.2$`, findLine(lines, "createProject "))
	assert.Regexp(t, `^revokeUserTokens\s+DELETE\s+/v3/users/\{user_id\}/tokens\s+2026\.2$`, findLine(lines, "revokeUserTokens "))
	assert.Regexp(t, `^v2\.0:listTenants\s+GET\s+/v2\.0/tenants\s+-$`, findLine(lines, "v2.0:listTenants "))

	r = runCmd(t, "", "operations", "--json")
	require.Equal(t, exitOK, r.code)
	var rows []operationRow
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows))
	assert.Len(t, rows, len(lines)-1)
	names := map[string]operationRow{}
	for _, row := range rows {
		names[row.Name] = row
	}
	assert.Equal(t, []string{"2026.2"}, names["revokeUserTokens"].Releases)
	assert.Equal(t, "identity-v3.yaml", names["createProject"].Document)

	assert.Equal(t, exitUsage, runCmd(t, "", "operations", "extra").code)
}

func findLine(lines []string, prefix string) string {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func TestExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	r := runCmd(t, "", "export", "--dir", dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, d := range api.Documents() {
		want, err := api.Read(d.File)
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(dir, d.File))
		require.NoError(t, err)
		assert.Equal(t, want, got, d.File)
		assert.Contains(t, r.stdout, filepath.Join(dir, d.File)+"\n")
	}
	// The files are the committed bundles.
	committed, err := os.ReadFile("../../api/identity-v3.yaml")
	require.NoError(t, err)
	exported, err := os.ReadFile(filepath.Join(dir, "identity-v3.yaml"))
	require.NoError(t, err)
	assert.Equal(t, committed, exported)

	r = runCmd(t, "", "export", "--dir", dir, "--json")
	require.Equal(t, exitOK, r.code)
	var files []string
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &files))
	assert.Len(t, files, len(api.Documents()))

	blocked := writeFile(t, "file", "")
	assert.Equal(t, exitUsage, runCmd(t, "", "export", "--dir", filepath.Join(blocked, "sub")).code)
}

func TestDriftFromSavedDocument(t *testing.T) {
	home := "../../pkg/specdrift/testdata/zed-json-home.json"
	r := runCmd(t, "", "drift", "--from", home, "--release", "2022.2")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "nothing unexpected\n")
	assert.Contains(t, r.stdout, "6 known differences:\n")
	assert.Contains(t, r.stdout, "in the spec, not announced: /v3/projects/{project_id}/tags")

	r = runCmd(t, "", "drift", "--from", home, "--release", "2026.2")
	assert.Equal(t, exitInvalid, r.code)
	assert.Contains(t, r.stdout, "1 unexpected:\n  in the spec, not announced: /v3/users/{user_id}/tokens (DELETE revokeUserTokens)\n")

	data, err := os.ReadFile(home)
	require.NoError(t, err)
	var doc map[string]map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	doc["resources"]["https://example.test/rel/widgets"] = map[string]any{"href": "/widgets"}
	extra, err := json.Marshal(doc)
	require.NoError(t, err)
	r = runCmd(t, string(extra), "drift", "--from", "-", "--json")
	assert.Equal(t, exitInvalid, r.code)
	var res struct {
		Unexpected int `json:"unexpected"`
		Findings   []struct {
			Kind, Path string
			Expected   bool
		} `json:"findings"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	assert.Equal(t, 1, res.Unexpected)
	assert.Contains(t, res.Findings, struct {
		Kind, Path string
		Expected   bool
	}{"undocumented", "/v3/widgets", false})

	assert.Equal(t, exitUsage, runCmd(t, "{}", "drift", "--from", "-").code)
	assert.Equal(t, exitUsage, runCmd(t, "", "drift", "--from", home, "--cloud", "x").code)
}

func TestDriftWithoutACloud(t *testing.T) {
	for _, name := range []string{"OS_CLOUD", "OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_TOKEN",
		"OS_APPLICATION_CREDENTIAL_ID", "OS_APPLICATION_CREDENTIAL_SECRET", "OS_AUTH_TYPE"} {
		t.Setenv(name, "")
	}
	t.Setenv("OS_CLOUD", "no-such-cloud")
	t.Setenv("OS_CLIENT_CONFIG_FILE", writeFile(t, "clouds.yaml", "clouds: {}\n"))
	r := runCmd(t, "", "drift")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "keystone-spec drift: ")
	assert.Contains(t, r.stderr, "no-such-cloud")
}
