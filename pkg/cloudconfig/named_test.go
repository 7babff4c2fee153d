package cloudconfig_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/cloudconfig"
)

// An openrc left in the shell: the variables of a password login to another
// project. (OS_REGION_NAME is left out: like OS_CLOUD it selects among what
// the files define, whichever way the cloud is chosen.)
var strayOpenrc = map[string]string{
	"OS_AUTH_URL": "https://other.example/v3", "OS_USERNAME": "bob", "OS_PASSWORD": "bobs-password",
	"OS_PROJECT_NAME": "bobs-project", "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_ID": "default",
	"OS_INTERFACE": "internal",
}

func appCredCloud(t *testing.T) string {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clouds.yaml"), []byte(`clouds:
  acme-ci:
    auth_type: v3applicationcredential
    region_name: RegionOne
    auth:
      auth_url: https://acme.example/v3
      application_credential_id: ac1
      application_credential_secret: ac-secret
`), 0o600))
	return dir
}

func TestANamedCloudIsTheFilesAlone(t *testing.T) {
	dir := appCredCloud(t)
	c, err := cloudconfig.Load("acme-ci", cloudconfig.WithSearchDirs(dir), cloudconfig.WithEnv(strayOpenrc))
	require.NoError(t, err)
	assert.Equal(t, "v3applicationcredential", c.AuthType)
	assert.Equal(t, "https://acme.example/v3", c.Auth["auth_url"])
	assert.Equal(t, "RegionOne", c.RegionName)
	assert.NotEqual(t, "internal", c.Interface)
	assert.NotContains(t, c.Auth, "project_name")
	assert.NotContains(t, c.Auth, "username")
}

func TestTheEnvironmentIsLaidOverTheCloudItChooses(t *testing.T) {
	dir := appCredCloud(t)
	env := map[string]string{"OS_CLOUD": "acme-ci", "OS_INTERFACE": "internal"}
	c, err := cloudconfig.Load("", cloudconfig.WithSearchDirs(dir), cloudconfig.WithEnv(env))
	require.NoError(t, err)
	assert.Equal(t, "internal", c.Interface)

	delete(env, "OS_CLOUD")
	c, err = cloudconfig.Load("acme-ci", cloudconfig.WithSearchDirs(dir), cloudconfig.WithEnv(env), cloudconfig.WithEnvOverNamedCloud())
	require.NoError(t, err)
	assert.Equal(t, "internal", c.Interface, "as the openstack CLI does")

	// The CLI's layering applies the strayOpenrc's project to the application
	// credential, which cannot take one.
	_, err = cloudconfig.Load("acme-ci", cloudconfig.WithSearchDirs(dir), cloudconfig.WithEnv(strayOpenrc), cloudconfig.WithEnvOverNamedCloud())
	assert.Error(t, err)
}
