package cloudconfig_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/cloudconfig"
)

const goodCloud = `
clouds:
  good:
    auth:
      auth_url: http://ks/v3
      user_id: u
      password: p
`

// Every bad file or missing option is an error naming the file, the cloud
// and the key.
func TestErrorsNameFileCloudAndKey(t *testing.T) {
	cases := []struct {
		name    string
		files   map[string]string
		env     map[string]string
		cloud   string
		session bool // the error comes from SessionOptions, not Load
		missing bool // matches apierror.ErrMissingAuthOption

		file, wantCloud, key string // file relative to the directory, or Environment
		line                 bool   // a line number is expected
		reason               string
	}{
		{name: "YAML syntax", files: map[string]string{"clouds.yaml": "clouds:\n  a:\n    region_name: r\n    auth: {auth_url: x\n"},
			file: "clouds.yaml", wantCloud: "a", line: true, reason: "not valid YAML"},
		{name: "YAML syntax in a key", files: map[string]string{"clouds.yaml": "clouds:\n  a:\n    auth:\n      auth_url: http://ks/v3\n      password: 'p\n  b: {}\n"},
			file: "clouds.yaml", wantCloud: "a", key: "auth", line: true, reason: "not valid YAML"},
		{name: "JSON syntax", files: map[string]string{"clouds.json": "{\"clouds\": {\n \"a\": }}"},
			file: "clouds.json", line: true, reason: "not valid JSON"},
		{name: "clouds is a list", files: map[string]string{"clouds.yaml": "clouds: [a, b]\n"},
			file: "clouds.yaml", key: "clouds", line: true, reason: "must be a mapping"},
		{name: "a cloud is not a mapping", files: map[string]string{"clouds.yaml": "clouds:\n  a: hello\n"},
			cloud: "a", file: "clouds.yaml", wantCloud: "a", key: "clouds.a", line: true, reason: "must be a mapping"},
		{name: "auth is not a mapping", files: map[string]string{"clouds.yaml": "clouds:\n  a:\n    auth: hello\n"},
			cloud: "a", file: "clouds.yaml", wantCloud: "a", key: "auth", line: true, reason: "must be a mapping"},
		{name: "an auth value is a mapping", files: map[string]string{"clouds.yaml": "clouds:\n  a:\n    auth:\n      auth_url: http://ks/v3\n      user_id: u\n      password: {x: y}\n"},
			cloud: "a", file: "clouds.yaml", wantCloud: "a", key: "auth.password", line: true, reason: "must be a string"},
		{name: "unknown auth type in the file", files: map[string]string{"clouds.yaml": "clouds:\n  a:\n    auth_type: v3pasword\n    auth: {auth_url: x}\n"},
			cloud: "a", file: "clouds.yaml", wantCloud: "a", key: "auth_type", line: true, reason: `unknown auth type "v3pasword"`},
		{name: "unknown auth type in the environment", env: map[string]string{"OS_AUTH_TYPE": "kerberos", "OS_AUTH_URL": "http://ks/v3"},
			file: cloudconfig.Environment, wantCloud: "envvars", key: "OS_AUTH_TYPE", reason: `unknown auth type "kerberos"`},
		{name: "missing auth_url", files: map[string]string{"clouds.yaml": "clouds:\n  a:\n    auth: {user_id: u, password: p}\n"},
			cloud: "a", missing: true, file: "clouds.yaml", wantCloud: "a", key: "auth.auth_url", reason: "OS_AUTH_URL"},
		{name: "missing password, with a secure.yaml", files: map[string]string{
			"clouds.yaml": "clouds:\n  a:\n    auth: {auth_url: 'http://ks/v3', user_id: u}\n",
			"secure.yaml": "clouds:\n  b:\n    auth: {password: p}\n"},
			cloud: "a", missing: true, file: "clouds.yaml", wantCloud: "a", key: "auth.password", reason: "secure.yaml"},
		{name: "missing password in the environment", env: map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USER_ID": "u"},
			missing: true, file: cloudconfig.Environment, wantCloud: "envvars", key: "OS_PASSWORD"},
		{name: "missing user", files: map[string]string{"clouds.yaml": "clouds:\n  a:\n    auth: {auth_url: 'http://ks/v3', password: p}\n"},
			cloud: "a", missing: true, file: "clouds.yaml", wantCloud: "a", key: "auth.user_id or auth.username"},
		{name: "misspelt option", files: map[string]string{"clouds.yaml": "clouds:\n  a:\n    auth:\n      auth_url: http://ks/v3\n      user_id: u\n      pasword: p\n"},
			cloud: "a", file: "clouds.yaml", wantCloud: "a", key: "auth.pasword", line: true, reason: `not an option of auth type "password"`},
		{name: "misspelt option in secure.yaml", files: map[string]string{"clouds.yaml": goodCloud,
			"secure.yaml": "clouds:\n  good:\n    auth:\n      passwd: p\n"},
			cloud: "good", file: "secure.yaml", wantCloud: "good", key: "auth.passwd", line: true},
		{name: "application credential without its auth type", files: map[string]string{
			"clouds.yaml": "clouds:\n  a:\n    auth:\n      auth_url: http://ks/v3\n      application_credential_id: x\n      application_credential_secret: s\n"},
			cloud: "a", file: "clouds.yaml", wantCloud: "a", key: "auth.application_credential_id", line: true, reason: "v3applicationcredential"},
		{name: "application credential in the environment without OS_AUTH_TYPE", env: map[string]string{"OS_AUTH_URL": "http://ks/v3",
			"OS_APPLICATION_CREDENTIAL_ID": "x", "OS_APPLICATION_CREDENTIAL_SECRET": "s"},
			missing: true, file: cloudconfig.Environment, wantCloud: "envvars", key: "OS_USER_ID or OS_USERNAME", reason: "OS_AUTH_TYPE to v3applicationcredential"},
		{name: "two scopes", files: map[string]string{"clouds.yaml": "clouds:\n  a:\n    auth: {auth_url: 'http://ks/v3', user_id: u, password: p, system_scope: all, project_id: x}\n"},
			cloud: "a", file: "clouds.yaml", wantCloud: "a", key: "auth.project_id, auth.system_scope", line: true},
		{name: "verify is a list", files: map[string]string{"clouds.yaml": goodCloud + "    verify: [a]\n"},
			cloud: "good", file: "clouds.yaml", wantCloud: "good", key: "verify", line: true},
		{name: "insecure is not a boolean", files: map[string]string{"clouds.yaml": goodCloud + "    insecure: maybe\n"},
			cloud: "good", file: "clouds.yaml", wantCloud: "good", key: "insecure", line: true, reason: "true or false"},
		{name: "OS_INSECURE is not a boolean", env: map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USER_ID": "u", "OS_PASSWORD": "p", "OS_INSECURE": "1"},
			file: cloudconfig.Environment, wantCloud: "envvars", key: "OS_INSECURE", reason: "true or false"},
		{name: "api_timeout is not a number", files: map[string]string{"clouds.yaml": goodCloud + "    api_timeout: soon\n"},
			cloud: "good", file: "clouds.yaml", wantCloud: "good", key: "api_timeout", line: true, reason: "seconds"},
		{name: "unknown interface", files: map[string]string{"clouds.yaml": goodCloud + "    interface: outside\n"},
			cloud: "good", file: "clouds.yaml", wantCloud: "good", key: "interface", line: true, reason: "public, internal or admin"},
		{name: "region not listed", files: map[string]string{"clouds.yaml": goodCloud + "    regions: [r1, r2]\n"},
			env: map[string]string{"OS_REGION_NAME": "R1"}, cloud: "good", file: "clouds.yaml", wantCloud: "good", key: "regions",
			line: true, reason: "OS_REGION_NAME"},
		{name: "bad region entry", files: map[string]string{"clouds.yaml": goodCloud + "    regions:\n      - name: r1\n        value: {}\n"},
			cloud: "good", file: "clouds.yaml", wantCloud: "good", key: "regions.0.value", line: true},
		{name: "profile of a closed cloud", files: map[string]string{"clouds.yaml": goodCloud + "    profile: gone\n",
			"clouds-public.yaml": "public-clouds:\n  gone:\n    status: shutdown\n    message: closed in 2020\n"},
			cloud: "good", file: "clouds-public.yaml", wantCloud: "good", key: "public-clouds.gone.status", line: true, reason: "closed in 2020"},
		{name: "clouds-public.yaml syntax", files: map[string]string{"clouds.yaml": goodCloud + "    profile: p\n",
			"clouds-public.yaml": "public-clouds: [\n"},
			cloud: "good", file: "clouds-public.yaml", wantCloud: "good", line: true, reason: "not valid YAML"},
		{name: "a value from the profile", files: map[string]string{"clouds.yaml": goodCloud + "    profile: p\n",
			"clouds-public.yaml": "public-clouds:\n  p:\n    api_timeout: never\n"},
			cloud: "good", file: "clouds-public.yaml", wantCloud: "good", key: "public-clouds.p.api_timeout", line: true},
		{name: "missing auth_url, profile not found", files: map[string]string{"clouds.yaml": "clouds:\n  a:\n    profile: vexxhost\n    auth: {user_id: u, password: p}\n"},
			cloud: "a", missing: true, file: "clouds.yaml", wantCloud: "a", key: "auth.auth_url", reason: `profile "vexxhost"`},
		{name: "cloud not found", files: map[string]string{"clouds.yaml": goodCloud}, env: map[string]string{"OS_CLOUD": "nope"},
			file: "clouds.yaml", wantCloud: "nope", key: "OS_CLOUD", reason: "clouds good"},
		{name: "the environment's name taken", files: map[string]string{"clouds.yaml": goodCloud + "  envvars:\n    auth: {}\n"},
			file: "clouds.yaml", wantCloud: "envvars", key: "clouds.envvars", line: true},
		{name: "several clouds, none chosen", files: map[string]string{"clouds.yaml": goodCloud + "  other:\n    auth: {}\n"},
			file: "clouds.yaml", key: "OS_CLOUD", reason: "good, other"},
		{name: "a key given twice", files: map[string]string{"clouds.yaml": "clouds:\n  a:\n    auth:\n      project-name: x\n      project_name: y\n"},
			cloud: "a", file: "clouds.yaml", wantCloud: "a", key: "auth.project_name", line: true, reason: "given twice"},
		{name: "template refers to nothing", files: map[string]string{"clouds.yaml": "clouds:\n  a:\n    auth:\n      auth_url: 'https://{zone}.example/v3'\n      user_id: u\n      password: p\n"},
			cloud: "a", file: "clouds.yaml", wantCloud: "a", key: "auth.auth_url", line: true, reason: "{zone}"},
		{name: "CA bundle not there", files: map[string]string{"clouds.yaml": goodCloud + "    cacert: /nonexistent/ca.pem\n"},
			cloud: "good", session: true, file: "clouds.yaml", wantCloud: "good", key: "cacert", line: true, reason: "/nonexistent/ca.pem"},
		{name: "client key not there", files: map[string]string{"clouds.yaml": goodCloud},
			env: map[string]string{"OS_CLOUD": "good", "OS_CERT": "/nonexistent/me.pem"}, session: true,
			file: cloudconfig.Environment, wantCloud: "good", key: "OS_CERT"},
		{name: "nothing configured", file: cloudconfig.Environment, key: "OS_CLOUD", reason: "no cloud configured"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				writeFile(t, dir, name, content)
			}
			c, err := loadIn(t, dir, tc.cloud, tc.env)
			if tc.session {
				require.NoError(t, err)
				_, err = c.SessionOptions()
			}
			require.Error(t, err)
			var e *cloudconfig.Error
			require.True(t, errors.As(err, &e), "%T: %v", err, err)
			assert.ErrorIs(t, err, apierror.ErrInvalidConfig)
			if tc.missing {
				assert.ErrorIs(t, err, apierror.ErrMissingAuthOption)
			} else {
				assert.NotErrorIs(t, err, apierror.ErrMissingAuthOption)
			}
			file := tc.file
			if file != cloudconfig.Environment {
				file = filepath.Join(dir, file)
			}
			assert.Equal(t, file, e.File)
			assert.Equal(t, tc.wantCloud, e.Cloud)
			assert.Equal(t, tc.key, e.Key)
			if tc.line {
				assert.Positive(t, e.Line, "line")
			}
			msg := err.Error()
			t.Log(msg)
			for _, part := range []string{file, tc.wantCloud, tc.key, tc.reason} {
				assert.Contains(t, msg, part)
			}
			assert.True(t, strings.HasPrefix(msg, "cloudconfig: "), msg)
		})
	}
}
