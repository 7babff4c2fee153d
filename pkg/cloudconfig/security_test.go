package cloudconfig_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/cloudconfig"
)

func captureLog() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

func warned(c *cloudconfig.Cloud, part string) bool {
	for _, w := range c.Warnings {
		if strings.Contains(w, part) {
			return true
		}
	}
	return false
}

// A clouds.yaml in a checked-out repository is merged with the user's own
// secure.yaml (as openstacksdk merges it), but never silently.
func TestSecureYAMLFromAnotherDirectoryIsReported(t *testing.T) {
	root := t.TempDir()
	repo, home := filepath.Join(root, "repo"), filepath.Join(root, "home")
	writeFile(t, repo, "clouds.yaml", "clouds:\n  prod:\n    auth: {auth_url: 'https://keystone.attacker.example/v3', user_id: alice}\n")
	writeFile(t, home, "secure.yaml", "clouds:\n  prod:\n    auth: {password: hunter2-secret}\n")
	logger, logs := captureLog()
	c, err := cloudconfig.Load("prod", cloudconfig.WithEnv(map[string]string{}), cloudconfig.WithSearchDirs(repo, home),
		cloudconfig.WithLogger(logger))
	require.NoError(t, err)
	assert.Equal(t, "hunter2-secret", c.Auth["password"], "merged, as openstacksdk does")
	assert.True(t, warned(c, "another directory"), "%q", c.Warnings)
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), filepath.Join(home, "secure.yaml"))
	assert.NotContains(t, logs.String(), "hunter2")

	// One directory: the usual setup, nothing to say.
	writeFile(t, home, "clouds.yaml", "clouds:\n  prod:\n    auth: {auth_url: 'https://keystone.example/v3', user_id: alice}\n")
	c, err = cloudconfig.Load("prod", cloudconfig.WithEnv(map[string]string{}), cloudconfig.WithSearchDirs(home),
		cloudconfig.WithLogger(logger))
	require.NoError(t, err)
	assert.Equal(t, "hunter2-secret", c.Auth["password"])
	assert.Empty(t, c.Warnings)

	// Files the user names are the user's choice.
	c, err = cloudconfig.Load("prod", cloudconfig.WithEnv(map[string]string{}), cloudconfig.WithSearchDirs(),
		cloudconfig.WithConfigFiles(filepath.Join(repo, "clouds.yaml")), cloudconfig.WithSecureFiles(filepath.Join(home, "secure.yaml")),
		cloudconfig.WithLogger(logger))
	require.NoError(t, err)
	assert.False(t, warned(c, "another directory"), "%q", c.Warnings)
}

func TestPlainHTTPAuthURLWithASecretIsReported(t *testing.T) {
	for url, want := range map[string]bool{
		"http://keystone.example/v3":  true,
		"HTTP://keystone.example/v3":  true,
		"https://keystone.example/v3": false,
		"http://127.0.0.1:5000/v3":    false,
		"http://localhost/v3":         false,
		"http://[::1]:5000/v3":        false,
	} {
		dir := t.TempDir()
		writeFile(t, dir, "clouds.yaml", "clouds:\n  c:\n    auth_type: v3applicationcredential\n    auth: {auth_url: '"+url+
			"', application_credential_id: ac, application_credential_secret: 'app-s3cret'}\n")
		logger, logs := captureLog()
		c, err := loadIn(t, dir, "c", nil, cloudconfig.WithLogger(logger))
		require.NoError(t, err)
		assert.Equal(t, want, warned(c, "plain http"), "%s: %q", url, c.Warnings)
		assert.Equal(t, want, strings.Contains(logs.String(), "application_credential_secret cross the network unencrypted"), url)
		assert.NotContains(t, logs.String(), "app-s3cret")
	}
	// Without a secret there is nothing to protect.
	dir := t.TempDir()
	writeFile(t, dir, "clouds.yaml", "clouds:\n  c:\n    auth_type: none\n    auth: {endpoint: 'http://svc.example'}\n")
	c, err := loadIn(t, dir, "c", nil)
	require.NoError(t, err)
	assert.Empty(t, c.Warnings)
}

// A secret left among a cloud's settings is never read as a {reference}:
// its braces do not break Load, and no error shows it.
func TestSecretWithBracesDoesNotBreakLoad(t *testing.T) {
	for _, setting := range []string{"client_secret: 'a{b'", "secret: 'c}d'", "application_credential_secret: '{e}'", "backup_password: '{{f'"} {
		dir := t.TempDir()
		writeFile(t, dir, "clouds.yaml", "clouds:\n  c:\n    "+setting+"\n    auth: {auth_url: 'https://ks.example/v3', user_id: u, password: 'p{w}'}\n")
		_, err := loadIn(t, dir, "c", nil)
		require.NoError(t, err, setting)
	}
	// A reference to a secret is refused without showing the secret.
	dir := t.TempDir()
	writeFile(t, dir, "clouds.yaml", "clouds:\n  c:\n    client_secret: 'zz-top-secret'\n    description: 'see {client_secret}'\n"+
		"    auth: {auth_url: 'https://ks.example/v3', user_id: u, password: 'pw'}\n")
	_, err := loadIn(t, dir, "c", nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "zz-top-secret")
}

// A Cloud prints, logs and encodes without its secrets.
func TestCloudFormattingHidesSecrets(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "clouds.yaml", "clouds:\n  c:\n    region_name: R1\n    backup_password: 'left-over-s3cret'\n"+
		"    auth: {auth_url: 'https://ks.example/v3', username: alice, user_domain_id: default, password: 'cloud-pw-x'}\n")
	c, err := loadIn(t, dir, "c", nil)
	require.NoError(t, err)
	require.Equal(t, "cloud-pw-x", c.Auth["password"], "the values stay usable")
	require.Equal(t, "left-over-s3cret", c.Config["backup_password"])
	var out strings.Builder
	for _, v := range []any{c, *c} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
		slog.New(slog.NewTextHandler(&out, nil)).Info("x", slog.Any("cloud", v))
		slog.New(slog.NewJSONHandler(&out, nil)).Info("x", slog.Any("cloud", v))
		data, err := json.Marshal(v)
		require.NoError(t, err)
		out.Write(data)
	}
	for _, secret := range []string{"cloud-pw-x", "left-over-s3cret"} {
		assert.NotContains(t, out.String(), secret)
		assert.NotContains(t, out.String(), hex.EncodeToString([]byte(secret)))
	}
	assert.Contains(t, out.String(), "alice", "what is not secret is shown")
	assert.Contains(t, out.String(), "https://ks.example/v3")
	assert.Contains(t, out.String(), "***")
}
