package cloudconfig_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/cloudconfig"
)

// The expectations in these tests were checked against what the openstack
// CLI (python-openstackclient 6.0 on openstacksdk 0.101) resolves for the
// same files and variables; where keystone-go differs on purpose, a comment
// says so.

// view is what a test compares of a Cloud.
type view struct {
	Name               string
	FromEnv            bool
	ConfigFile         string
	SecureFile         string
	VendorFile         string
	Profile            string
	AuthType           string
	Auth               map[string]string
	RegionName         string
	Regions            []string
	Interface          string
	Verify             *bool
	CACert, Cert, Key  string
	APITimeout         time.Duration
	IdentityAPIVersion string
}

func viewOf(c *cloudconfig.Cloud) view {
	return view{c.Name, c.FromEnv, c.ConfigFile, c.SecureFile, c.VendorFile, c.Profile, c.AuthType, c.Auth,
		c.RegionName, c.Regions, c.Interface, c.Verify, c.CACert, c.Cert, c.Key, c.APITimeout, c.IdentityAPIVersion}
}

func ptr[T any](v T) *T { return &v }

// realworld is the directory of the real-world-shaped files.
func realworld(t *testing.T) string {
	d, err := filepath.Abs("testdata/realworld")
	require.NoError(t, err)
	return d
}

// loadIn loads name with dir as the only directory searched and env as the
// whole environment (HOME is a fresh directory unless env says otherwise).
func loadIn(t *testing.T, dir, name string, env map[string]string, opts ...cloudconfig.Option) (*cloudconfig.Cloud, error) {
	t.Helper()
	e := map[string]string{"HOME": "/home/tester"}
	for k, v := range env {
		e[k] = v
	}
	opts = append([]cloudconfig.Option{cloudconfig.WithEnv(e), cloudconfig.WithWorkDir(dir), cloudconfig.WithSearchDirs(dir)}, opts...)
	return cloudconfig.Load(name, opts...)
}

func TestRealWorldClouds(t *testing.T) {
	d := realworld(t)
	files := view{ConfigFile: d + "/clouds.yaml", SecureFile: d + "/secure.yaml"}
	with := func(v view) view {
		v.ConfigFile, v.SecureFile = files.ConfigFile, files.SecureFile
		if v.Name == "mfa" {
			v.SecureFile = "" // it has no secrets there
		}
		if v.Interface == "" {
			v.Interface = "public"
		}
		return v
	}
	passcode := cloudconfig.WithPrompt(func(option, prompt string) (string, error) {
		if option != "passcode" || prompt != "TOTP passcode: " {
			return "", nil
		}
		return "123456", nil
	})
	cases := []struct {
		name string
		opts []cloudconfig.Option
		want view
	}{
		{"devstack", nil, with(view{Name: "devstack", AuthType: "password",
			Auth: map[string]string{"auth_url": "http://192.0.2.10/identity", "username": "demo", "password": "devstack-demo-pw",
				"project_name": "demo", "user_domain_id": "default", "project_domain_id": "default"},
			RegionName: "RegionOne", Regions: []string{"RegionOne"}, IdentityAPIVersion: "3"})},
		{"devstack-admin", nil, with(view{Name: "devstack-admin", AuthType: "password",
			Auth: map[string]string{"auth_url": "http://192.0.2.10/identity", "username": "admin", "password": "devstack-admin-pw",
				"project_name": "admin", "user_domain_id": "default", "project_domain_id": "default"},
			RegionName: "RegionOne", Regions: []string{"RegionOne"}, IdentityAPIVersion: "3"})},
		{"devstack-system", nil, with(view{Name: "devstack-system", AuthType: "password",
			Auth: map[string]string{"auth_url": "http://192.0.2.10/identity", "username": "admin", "password": "devstack-admin-pw",
				"user_domain_name": "Default", "system_scope": "all"},
			RegionName: "RegionOne", Regions: []string{"RegionOne"}})},
		// The profile gives auth_url (a template filled with the region),
		// the domains, the regions, the interface and the API version.
		{"acme", nil, with(view{Name: "acme", Profile: "acme", VendorFile: d + "/clouds-public.yaml", AuthType: "password",
			Auth: map[string]string{"auth_url": "https://identity.ams1.acme.example/v3", "username": "alice@example.com",
				"password": "acme: s3cret {not a template}", "project_id": "0a2c94f8b0c24b3e9e2e3c3f9bd2d6c1",
				"user_domain_name": "acme-users", "project_domain_name": "acme-projects"},
			RegionName: "ams1", Regions: []string{"ams1", "fra1"}, IdentityAPIVersion: "3",
			APITimeout: 45 * time.Second, CACert: "/home/tester/certs/acme-ca.pem"})},
		// A region's values apply when it is chosen.
		{"acme", []cloudconfig.Option{cloudconfig.WithRegion("fra1")}, with(view{Name: "acme", Profile: "acme",
			VendorFile: d + "/clouds-public.yaml", AuthType: "password",
			Auth: map[string]string{"auth_url": "https://identity.fra1.acme.example/v3", "username": "alice@example.com",
				"password": "acme: s3cret {not a template}", "project_id": "0a2c94f8b0c24b3e9e2e3c3f9bd2d6c1",
				"user_domain_name": "acme-users", "project_domain_name": "acme-projects"},
			RegionName: "fra1", Regions: []string{"ams1", "fra1"}, Interface: "internal", IdentityAPIVersion: "3",
			APITimeout: 45 * time.Second, CACert: "/home/tester/certs/acme-ca.pem"})},
		{"ci-appcred", nil, with(view{Name: "ci-appcred", AuthType: "v3applicationcredential",
			Auth: map[string]string{"auth_url": "https://keystone.example.com:5000/v3",
				"application_credential_id": "21dced0fd20347869b93710d2b98aae0", "application_credential_secret": "aSecretOfTheCI"},
			RegionName: "RegionOne", Regions: []string{"RegionOne"}, Interface: "internal"})},
		{"token-only", nil, with(view{Name: "token-only", AuthType: "v3token",
			Auth: map[string]string{"auth_url": "https://keystone.example.com:5000/v3", "token": "gAAAAABexampletoken",
				"project_name": "ops", "project_domain_name": "Ops"},
			Regions: []string{}})},
		// auth_plugin, dashes, tenant_name, endpoint_type, a comma list
		// of regions and a service's own timeout: the older spellings.
		// (openstacksdk keeps "internalURL"; keystone-go says internal.)
		{"legacy", nil, with(view{Name: "legacy", AuthType: "password",
			Auth: map[string]string{"auth_url": "https://old.example.net:5000/v2.0", "username": "legacy",
				"password": "legacy-pw", "project_name": "oldtenant"},
			RegionName: "RegionOne", Regions: []string{"RegionOne", "RegionTwo"}, Interface: "internal",
			Verify: ptr(false), APITimeout: 12500 * time.Millisecond})},
		// domain_name without a project is the domain scope, not the
		// user's domain (the mix-up of gophercloud #3724).
		{"domain-admin", nil, with(view{Name: "domain-admin", AuthType: "password",
			Auth: map[string]string{"auth_url": "https://keystone.example.com/v3", "user_id": "5e0f5b7eb7b24cbeb0d8a2c1e2d3f4a5",
				"password": "domain-pw", "domain_name": "Engineering"},
			RegionName: "RegionOne", Regions: []string{"RegionOne"}})},
		{"mfa", []cloudconfig.Option{passcode}, with(view{Name: "mfa", AuthType: "v3totp",
			Auth: map[string]string{"auth_url": "https://keystone.example.com/v3", "username": "carol", "user_domain_name": "Corp",
				"project_name": "payroll", "project_domain_name": "Corp", "passcode": "123456"},
			Regions: []string{}, IdentityAPIVersion: "3"})},
		{"trust", nil, with(view{Name: "trust", AuthType: "password",
			Auth: map[string]string{"auth_url": "https://keystone.example.com/v3", "user_id": "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
				"password": "trustee-pw", "trust_id": "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d"},
			Regions: []string{}})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadIn(t, d, tc.name, nil, tc.opts...)
			require.NoError(t, err)
			got := viewOf(c)
			if got.Regions == nil {
				got.Regions = []string{}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestRealWorldDetails(t *testing.T) {
	d := realworld(t)

	legacy, err := loadIn(t, d, "legacy", nil)
	require.NoError(t, err)
	// Settings without a field keep their value, as written.
	assert.Equal(t, map[string]any{"compute_api_version": json.Number("2"), "default_domain": "default"}, legacy.Config)
	require.Len(t, legacy.Warnings, 1)
	assert.Contains(t, legacy.Warnings[0], "comma-separated region_name is deprecated")

	acme, err := loadIn(t, d, "acme", nil)
	require.NoError(t, err)
	assert.Equal(t, "raw", acme.Config["image_format"], "a profile's other settings")
	for key, want := range map[string][2]string{
		"auth.password":        {d + "/secure.yaml", "auth.password"},
		"auth.auth_url":        {d + "/clouds-public.yaml", "public-clouds.acme.auth.auth_url"},
		"auth.project_id":      {d + "/clouds.yaml", "auth.project_id"},
		"region_name":          {d + "/clouds.yaml", "regions.0"},
		"identity_api_version": {d + "/clouds-public.yaml", "public-clouds.acme.identity_api_version"},
		"api_timeout":          {d + "/clouds.yaml", "api_timeout"},
	} {
		file, name, ok := acme.Source(key)
		require.True(t, ok, key)
		assert.Equal(t, want, [2]string{file, name}, key)
	}

	mfa, err := loadIn(t, d, "mfa", nil, cloudconfig.WithPrompt(func(string, string) (string, error) { return "654321", nil }))
	require.NoError(t, err)
	file, _, _ := mfa.Source("auth.passcode")
	assert.Equal(t, cloudconfig.Prompted, file)

	names, err := cloudconfig.CloudNames(cloudconfig.WithEnv(map[string]string{}), cloudconfig.WithSearchDirs(d))
	require.NoError(t, err)
	assert.Equal(t, []string{"acme", "ci-appcred", "devstack", "devstack-admin", "devstack-system", "domain-admin",
		"legacy", "mfa", "token-only", "trust"}, names)
}

// The plugins Load builds carry the resolved options.
func TestPluginFromCloud(t *testing.T) {
	d := realworld(t)
	c, err := loadIn(t, d, "devstack", nil)
	require.NoError(t, err)
	p, err := c.Plugin()
	require.NoError(t, err)
	gp, ok := p.(*auth.GenericPassword)
	require.True(t, ok, "%T", p)
	assert.Equal(t, "demo", gp.Username)
	assert.Equal(t, "default", gp.UserDomainID)
	assert.Equal(t, "devstack-demo-pw", gp.Password)
	assert.Equal(t, auth.Scope{ProjectName: "demo", ProjectDomainID: "default"}, gp.Scope)

	c, err = loadIn(t, d, "ci-appcred", nil)
	require.NoError(t, err)
	p, err = c.Plugin()
	require.NoError(t, err)
	ac, ok := p.(*auth.ApplicationCredential)
	require.True(t, ok, "%T", p)
	assert.Equal(t, "21dced0fd20347869b93710d2b98aae0", ac.ID)
	assert.Equal(t, "aSecretOfTheCI", ac.Secret)
}

// env is a typical openrc, as Keystone's and devstack's write them.
var openrc = map[string]string{
	"OS_AUTH_URL":             "https://keystone.example.com:5000/v3",
	"OS_USERNAME":             "demo",
	"OS_PASSWORD":             "pw",
	"OS_PROJECT_NAME":         "demo",
	"OS_USER_DOMAIN_NAME":     "Default",
	"OS_PROJECT_DOMAIN_ID":    "default",
	"OS_REGION_NAME":          "RegionOne",
	"OS_INTERFACE":            "public",
	"OS_IDENTITY_API_VERSION": "3",
}

func merged(base map[string]string, more ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(more); i += 2 {
		if more[i+1] == "" {
			delete(out, more[i])
		} else {
			out[more[i]] = more[i+1]
		}
	}
	return out
}

func TestEnvironmentOnly(t *testing.T) {
	empty := t.TempDir()
	envCloud := func(v view) view {
		v.FromEnv = true
		if v.Name == "" {
			v.Name = "envvars"
		}
		if v.Interface == "" {
			v.Interface = "public"
		}
		return v
	}
	cases := []struct {
		name string
		env  map[string]string
		want view
	}{
		{"openrc", merged(openrc, "OS_CACERT", "~/ca.pem", "OS_CERT", "/etc/pki/me.crt", "OS_KEY", "/etc/pki/me.key",
			"OS_API_TIMEOUT", "30", "OS_INTERFACE", "internal"),
			// A user name outside clouds.yaml with API version 3 is the
			// CLI's v3password.
			envCloud(view{AuthType: "v3password", Auth: map[string]string{"auth_url": "https://keystone.example.com:5000/v3",
				"username": "demo", "password": "pw", "project_name": "demo", "user_domain_name": "Default", "project_domain_id": "default"},
				RegionName: "RegionOne", Regions: []string{"RegionOne"}, Interface: "internal", IdentityAPIVersion: "3",
				CACert: "/home/tester/ca.pem", Cert: "/etc/pki/me.crt", Key: "/etc/pki/me.key", APITimeout: 30 * time.Second})},
		{"v2 tenant variables", map[string]string{"OS_AUTH_URL": "http://ks:5000/v2.0", "OS_USERNAME": "u", "OS_PASSWORD": "p",
			"OS_TENANT_NAME": "t", "OS_TENANT_ID": "tid"},
			envCloud(view{AuthType: "password", Auth: map[string]string{"auth_url": "http://ks:5000/v2.0", "username": "u",
				"password": "p", "project_name": "t", "project_id": "tid"}, Regions: []string{}})},
		// With API version 2.0 a user name picks v2password (the CLI's
		// choice), which takes tenants; the domains are dropped. (The CLI
		// itself then fails on the project_name it leaves behind.)
		{"identity API v2.0", map[string]string{"OS_AUTH_URL": "http://ks:5000/v2.0", "OS_USERNAME": "u", "OS_PASSWORD": "p",
			"OS_TENANT_NAME": "t", "OS_IDENTITY_API_VERSION": "2.0", "OS_USER_DOMAIN_NAME": "Default"},
			envCloud(view{AuthType: "v2password", Auth: map[string]string{"auth_url": "http://ks:5000/v2.0", "username": "u",
				"password": "p", "tenant_name": "t"}, Regions: []string{}, IdentityAPIVersion: "2.0"})},
		{"project wins over tenant", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USER_ID": "u", "OS_PASSWORD": "p",
			"OS_TENANT_NAME": "t", "OS_PROJECT_NAME": "p1", "OS_PROJECT_DOMAIN_NAME": "d"},
			envCloud(view{AuthType: "password", Auth: map[string]string{"auth_url": "http://ks/v3", "user_id": "u",
				"password": "p", "project_name": "p1", "project_domain_name": "d"}, Regions: []string{}})},
		// Without a project OS_DOMAIN_NAME is the scope, and the user's
		// domain comes from OS_USER_DOMAIN_NAME, never from it.
		{"domain scope", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USERNAME": "u", "OS_PASSWORD": "p",
			"OS_USER_DOMAIN_NAME": "Users", "OS_DOMAIN_NAME": "Eng"},
			envCloud(view{AuthType: "password", Auth: map[string]string{"auth_url": "http://ks/v3", "username": "u",
				"password": "p", "user_domain_name": "Users", "domain_name": "Eng"}, Regions: []string{}})},
		// ... and with API version 3 the user's domain is OS_DEFAULT_DOMAIN
		// (default "default"), still not the scope's.
		{"domain scope, default domain", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USERNAME": "u", "OS_PASSWORD": "p",
			"OS_DOMAIN_ID": "eng", "OS_IDENTITY_API_VERSION": "3"},
			envCloud(view{AuthType: "v3password", Auth: map[string]string{"auth_url": "http://ks/v3", "username": "u",
				"password": "p", "domain_id": "eng", "user_domain_id": "default", "project_domain_id": "default"},
				Regions: []string{}, IdentityAPIVersion: "3"})},
		// With a project, openstacksdk takes OS_DOMAIN_* as the user's and
		// the project's domain where those are not set, and drops the
		// domain scope.
		{"domain with a project", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USERNAME": "u", "OS_PASSWORD": "p",
			"OS_PROJECT_NAME": "p1", "OS_DOMAIN_ID": "eng", "OS_USER_DOMAIN_ID": "users"},
			envCloud(view{AuthType: "password", Auth: map[string]string{"auth_url": "http://ks/v3", "username": "u",
				"password": "p", "project_name": "p1", "user_domain_id": "users", "project_domain_id": "eng"}, Regions: []string{}})},
		{"OS_DEFAULT_DOMAIN", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USERNAME": "u", "OS_PASSWORD": "p",
			"OS_PROJECT_NAME": "p1", "OS_DEFAULT_DOMAIN": "corp", "OS_IDENTITY_API_VERSION": "3"},
			envCloud(view{AuthType: "v3password", Auth: map[string]string{"auth_url": "http://ks/v3", "username": "u",
				"password": "p", "project_name": "p1", "user_domain_id": "corp", "project_domain_id": "corp"},
				Regions: []string{}, IdentityAPIVersion: "3"})},
		{"OS_DEFAULT_DOMAIN_ID goes to the generic plugin", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USERNAME": "u",
			"OS_PASSWORD": "p", "OS_PROJECT_NAME": "p1", "OS_DEFAULT_DOMAIN_ID": "dd"},
			envCloud(view{AuthType: "password", Auth: map[string]string{"auth_url": "http://ks/v3", "username": "u",
				"password": "p", "project_name": "p1", "default_domain_id": "dd"}, Regions: []string{}})},
		{"system scope", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USERNAME": "admin", "OS_PASSWORD": "p",
			"OS_USER_DOMAIN_ID": "default", "OS_SYSTEM_SCOPE": "all"},
			envCloud(view{AuthType: "password", Auth: map[string]string{"auth_url": "http://ks/v3", "username": "admin",
				"password": "p", "user_domain_id": "default", "system_scope": "all"}, Regions: []string{}})},
		{"trust", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USER_ID": "trustee", "OS_PASSWORD": "p", "OS_TRUST_ID": "tr"},
			envCloud(view{AuthType: "password", Auth: map[string]string{"auth_url": "http://ks/v3", "user_id": "trustee",
				"password": "p", "trust_id": "tr"}, Regions: []string{}})},
		{"token", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_AUTH_TYPE": "v3token", "OS_TOKEN": "tok", "OS_PROJECT_ID": "pid"},
			envCloud(view{AuthType: "v3token", Auth: map[string]string{"auth_url": "http://ks/v3", "token": "tok", "project_id": "pid"},
				Regions: []string{}})},
		// novaclient's OS_AUTH_TOKEN is openstacksdk's token too.
		{"OS_AUTH_TOKEN", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_AUTH_TYPE": "token", "OS_AUTH_TOKEN": "tok"},
			envCloud(view{AuthType: "token", Auth: map[string]string{"auth_url": "http://ks/v3", "token": "tok"}, Regions: []string{}})},
		{"application credential by name", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_AUTH_TYPE": "v3applicationcredential",
			"OS_APPLICATION_CREDENTIAL_NAME": "ci", "OS_APPLICATION_CREDENTIAL_SECRET": "s", "OS_USERNAME": "u",
			"OS_USER_DOMAIN_NAME": "d", "OS_IDENTITY_API_VERSION": "3"},
			envCloud(view{AuthType: "v3applicationcredential", Auth: map[string]string{"auth_url": "http://ks/v3",
				"application_credential_name": "ci", "application_credential_secret": "s", "username": "u", "user_domain_name": "d"},
				Regions: []string{}, IdentityAPIVersion: "3"})},
		{"totp", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_AUTH_TYPE": "v3totp", "OS_USER_ID": "u", "OS_PASSCODE": "123456"},
			envCloud(view{AuthType: "v3totp", Auth: map[string]string{"auth_url": "http://ks/v3", "user_id": "u", "passcode": "123456"},
				Regions: []string{}})},
		{"OS_ENDPOINT_TYPE", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USER_ID": "u", "OS_PASSWORD": "p",
			"OS_ENDPOINT_TYPE": "internalURL"},
			envCloud(view{AuthType: "password", Auth: map[string]string{"auth_url": "http://ks/v3", "user_id": "u", "password": "p"},
				Regions: []string{}, Interface: "internal"})},
		{"OS_INTERFACE beats OS_ENDPOINT_TYPE", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USER_ID": "u", "OS_PASSWORD": "p",
			"OS_ENDPOINT_TYPE": "internalURL", "OS_INTERFACE": "admin"},
			envCloud(view{AuthType: "password", Auth: map[string]string{"auth_url": "http://ks/v3", "user_id": "u", "password": "p"},
				Regions: []string{}, Interface: "admin"})},
		{"OS_INSECURE", map[string]string{"OS_AUTH_URL": "https://ks/v3", "OS_USER_ID": "u", "OS_PASSWORD": "p",
			"OS_INSECURE": "True", "OS_CACERT": "/etc/ca.pem"},
			envCloud(view{AuthType: "password", Auth: map[string]string{"auth_url": "https://ks/v3", "user_id": "u", "password": "p"},
				Regions: []string{}, Verify: ptr(false), CACert: "/etc/ca.pem"})},
		{"OS_CLOUD_NAME", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USER_ID": "u", "OS_PASSWORD": "p", "OS_CLOUD_NAME": "mine"},
			envCloud(view{Name: "mine", AuthType: "password", Auth: map[string]string{"auth_url": "http://ks/v3", "user_id": "u", "password": "p"},
				Regions: []string{}})},
		// Test tools' variables are not settings.
		{"OS_TEST and OS_LOG ignored", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USER_ID": "u", "OS_PASSWORD": "p",
			"OS_TEST_TIMEOUT": "60", "OS_LOG_CAPTURE": "1", "OS_STDOUT_CAPTURE": "1"},
			envCloud(view{AuthType: "password", Auth: map[string]string{"auth_url": "http://ks/v3", "user_id": "u", "password": "p"},
				Regions: []string{}})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadIn(t, empty, "", tc.env)
			require.NoError(t, err)
			got := viewOf(c)
			if got.Regions == nil {
				got.Regions = []string{}
			}
			assert.Equal(t, tc.want, got)
			for k := range c.Config {
				assert.NotContains(t, []string{"password", "token", "application_credential_secret", "passcode"}, k, "secrets stay out of Config")
			}
		})
	}
}

func TestEnvironmentWithCloudsYAML(t *testing.T) {
	d := realworld(t)

	t.Run("variables the CLI reads override the file", func(t *testing.T) {
		c, err := loadIn(t, d, "", map[string]string{"OS_CLOUD": "devstack", "OS_PASSWORD": "from-env",
			"OS_USERNAME": "envuser", "OS_AUTH_URL": "http://env/identity", "OS_PROJECT_NAME": "env-project",
			"OS_INTERFACE": "admin", "OS_CACERT": "/etc/ca.pem", "OS_INSECURE": "true", "OS_API_TIMEOUT": "3"})
		require.NoError(t, err)
		// OS_USERNAME with identity_api_version 3 makes it v3password.
		assert.Equal(t, view{Name: "devstack", ConfigFile: d + "/clouds.yaml", SecureFile: d + "/secure.yaml", AuthType: "v3password",
			// The password, user name and URL come from the environment;
			// the project keys of the file's auth section win (as they do
			// for the CLI), and OS_INSECURE and OS_API_TIMEOUT are not read
			// for a cloud of clouds.yaml.
			Auth: map[string]string{"auth_url": "http://env/identity", "username": "envuser", "password": "from-env",
				"project_name": "demo", "user_domain_id": "default", "project_domain_id": "default"},
			RegionName: "RegionOne", Regions: []string{"RegionOne"}, Interface: "admin", IdentityAPIVersion: "3",
			CACert: "/etc/ca.pem"}, viewOf(c))
		file, name, _ := c.Source("auth.password")
		assert.Equal(t, [2]string{cloudconfig.Environment, "OS_PASSWORD"}, [2]string{file, name})
		file, name, _ = c.Source("auth.project_name")
		assert.Equal(t, [2]string{d + "/clouds.yaml", "auth.project_name"}, [2]string{file, name})
	})

	t.Run("variables fill in what the file leaves out", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "clouds.yaml", `
clouds:
  nopw:
    auth:
      auth_url: http://ks/v3
      username: u
      user_domain_name: Default
      project_name: p
      project_domain_name: Default
`)
		c, err := loadIn(t, dir, "", map[string]string{"OS_CLOUD": "nopw", "OS_PASSWORD": "secret", "OS_TENANT_ID": "ignored-project-id"})
		require.NoError(t, err)
		assert.Equal(t, "secret", c.Auth["password"])
		assert.Equal(t, "p", c.Auth["project_name"])
		assert.Equal(t, "ignored-project-id", c.Auth["project_id"], "OS_TENANT_ID is the CLI's OS_PROJECT_ID")
	})

	t.Run("OS_REGION_NAME picks the region", func(t *testing.T) {
		c, err := loadIn(t, d, "acme", map[string]string{"OS_REGION_NAME": "fra1"})
		require.NoError(t, err)
		assert.Equal(t, "fra1", c.RegionName)
		assert.Equal(t, "internal", c.Interface)
		assert.Equal(t, "https://identity.fra1.acme.example/v3", c.Auth["auth_url"])
		c, err = loadIn(t, d, "acme", map[string]string{"OS_REGION_NAME": "fra1"}, cloudconfig.WithRegion("ams1"))
		require.NoError(t, err)
		assert.Equal(t, "ams1", c.RegionName, "WithRegion beats OS_REGION_NAME")
	})

	t.Run("a name beats OS_CLOUD", func(t *testing.T) {
		c, err := loadIn(t, d, "trust", map[string]string{"OS_CLOUD": "devstack"})
		require.NoError(t, err)
		assert.Equal(t, "trust", c.Name)
	})

	t.Run("without OS_CLOUD the variables make the cloud", func(t *testing.T) {
		c, err := loadIn(t, d, "", map[string]string{"OS_AUTH_URL": "http://ks/v3", "OS_USER_ID": "u", "OS_PASSWORD": "p"})
		require.NoError(t, err)
		assert.True(t, c.FromEnv)
		assert.Equal(t, "envvars", c.Name)
		assert.Empty(t, c.ConfigFile)
		// ... and can be asked for by name.
		c, err = loadIn(t, d, "", map[string]string{"OS_CLOUD": "envvars", "OS_AUTH_URL": "http://ks/v3", "OS_USER_ID": "u", "OS_PASSWORD": "p"})
		require.NoError(t, err)
		assert.True(t, c.FromEnv)
		names, err := cloudconfig.CloudNames(cloudconfig.WithEnv(map[string]string{"OS_AUTH_URL": "x"}), cloudconfig.WithSearchDirs(d))
		require.NoError(t, err)
		assert.Contains(t, names, "envvars")
	})

	t.Run("the only cloud needs no name", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "clouds.yaml", "clouds:\n  only:\n    auth: {auth_url: 'http://ks/v3', user_id: u, password: p}\n")
		c, err := loadIn(t, dir, "", map[string]string{"OS_REGION_NAME": "R9"})
		require.NoError(t, err, "OS_REGION_NAME alone makes no cloud of the environment")
		assert.Equal(t, "only", c.Name)
		assert.Equal(t, "R9", c.RegionName)
	})
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func cloudYAML(name, user string) string {
	return "clouds:\n  " + name + ":\n    auth: {auth_url: 'http://ks/v3', user_id: " + user + ", password: p}\n"
}

func TestSearchOrder(t *testing.T) {
	root := t.TempDir()
	env := map[string]string{"HOME": root + "/home", "XDG_CONFIG_HOME": root + "/xdg", "XDG_CONFIG_DIRS": root + "/site1:" + root + "/site2"}
	dirs := cloudconfig.SearchDirs(cloudconfig.WithEnv(env), cloudconfig.WithWorkDir(root+"/cwd"))
	assert.Equal(t, []string{root + "/cwd", root + "/xdg/openstack", root + "/home/.config/openstack",
		root + "/site1/openstack", root + "/site2/openstack", "/etc/openstack"}, dirs)

	assert.Equal(t, []string{root + "/cwd", root + "/home/.config/openstack", "/etc/xdg/openstack", "/etc/openstack"},
		cloudconfig.SearchDirs(cloudconfig.WithEnv(map[string]string{"HOME": root + "/home"}), cloudconfig.WithWorkDir(root+"/cwd")),
		"without XDG variables")
	assert.Equal(t, []string{root + "/cwd", root + "/home/.config/openstack", root + "/real/.config/openstack", "/etc/xdg/openstack", "/etc/openstack"},
		cloudconfig.SearchDirs(cloudconfig.WithEnv(map[string]string{"HOME": root + "/home", "SNAP_REAL_HOME": root + "/real"}),
			cloudconfig.WithWorkDir(root+"/cwd")), "in a snap")

	// Every directory but /etc, with a clouds file in each: the first wins.
	opts := func(extra map[string]string) []cloudconfig.Option {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		for k, v := range extra {
			e[k] = v
		}
		return []cloudconfig.Option{cloudconfig.WithEnv(e), cloudconfig.WithWorkDir(root + "/cwd"),
			cloudconfig.WithSearchDirs(dirs[:len(dirs)-1]...)}
	}
	writeFile(t, root+"/site2/openstack", "clouds.yaml", cloudYAML("c", "site2"))
	writeFile(t, root+"/site1/openstack", "clouds.json", `{"clouds": {"c": {"auth": {"auth_url": "http://ks/v3", "user_id": "site1-json", "password": "p"}}}}`)
	writeFile(t, root+"/home/.config/openstack", "clouds.yaml", cloudYAML("c", "home"))
	writeFile(t, root+"/xdg/openstack", "clouds.yml", cloudYAML("c", "xdg-yml"))
	writeFile(t, root+"/xdg/openstack", "clouds.json", `{"clouds": {"c": {"auth": {"auth_url": "http://ks/v3", "user_id": "xdg-json", "password": "p"}}}}`)
	writeFile(t, root+"/cwd", "clouds.json", `{"clouds": {"c": {"auth": {"auth_url": "http://ks/v3", "user_id": "cwd-json", "password": "p"}}}}`)
	writeFile(t, root+"/cwd", "clouds.yaml", cloudYAML("c", "cwd-yaml"))

	steps := []struct {
		remove, want string
	}{
		{"", "cwd-yaml"},
		{"/cwd/clouds.yaml", "cwd-json"},
		{"/cwd/clouds.json", "xdg-yml"},
		{"/xdg/openstack/clouds.yml", "xdg-json"},
		{"/xdg/openstack/clouds.json", "home"},
		{"/home/.config/openstack/clouds.yaml", "site1-json"},
		{"/site1/openstack/clouds.json", "site2"},
	}
	for _, s := range steps {
		if s.remove != "" {
			require.NoError(t, os.Remove(root+s.remove))
		}
		c, err := cloudconfig.Load("c", opts(nil)...)
		require.NoError(t, err, s.want)
		assert.Equal(t, s.want, c.Auth["user_id"], "after removing %s", s.remove)
	}

	// OS_CLIENT_CONFIG_FILE comes before everything; secure.yaml is found
	// on its own, in another directory, and OS_CLIENT_SECURE_FILE first.
	override := writeFile(t, root+"/elsewhere", "my-clouds.yaml", cloudYAML("c", "override"))
	writeFile(t, root+"/home/.config/openstack", "secure.yaml", "clouds:\n  c:\n    auth:\n      password: from-secure\n")
	c, err := cloudconfig.Load("c", opts(map[string]string{"OS_CLIENT_CONFIG_FILE": override})...)
	require.NoError(t, err)
	assert.Equal(t, "override", c.Auth["user_id"])
	assert.Equal(t, "from-secure", c.Auth["password"])
	assert.Equal(t, override, c.ConfigFile)
	assert.Equal(t, root+"/home/.config/openstack/secure.yaml", c.SecureFile)
	sec := writeFile(t, root+"/elsewhere", "my-secure.json", `{"clouds": {"c": {"auth": {"password": "from-secure-override"}}}}`)
	c, err = cloudconfig.Load("c", opts(map[string]string{"OS_CLIENT_CONFIG_FILE": override, "OS_CLIENT_SECURE_FILE": sec})...)
	require.NoError(t, err)
	assert.Equal(t, "from-secure-override", c.Auth["password"])

	// A named file that does not exist is passed over.
	c, err = cloudconfig.Load("c", opts(map[string]string{"OS_CLIENT_CONFIG_FILE": root + "/nope.yaml"})...)
	require.NoError(t, err)
	assert.Equal(t, "site2", c.Auth["user_id"])

	// Explicit files replace the search.
	c, err = cloudconfig.Load("c", cloudconfig.WithEnv(map[string]string{}), cloudconfig.WithConfigFiles(root+"/nope.yaml", override),
		cloudconfig.WithSecureFiles(), cloudconfig.WithVendorFiles())
	require.NoError(t, err)
	assert.Equal(t, "override", c.Auth["user_id"])
	assert.Equal(t, "p", c.Auth["password"])
	assert.Empty(t, c.SecureFile)
}

func TestYAMLFeatures(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "clouds.yaml", `
_common: &common
  auth_url: https://keystone.example.com/v3
  user_domain_name: Default
  project_domain_name: Default
clouds:
  a:
    auth:
      <<: *common
      username: alice
      password: "007"
      project_id: 00123
    insecure: yes
  b:
    auth:
      <<: *common
      username: bob
      password: p
      project_name: 1e5
    verify: /etc/ssl/our-ca.pem
    identity_api_version: 3.0
    api_timeout: 2.5
    region_name: [RegionOne, RegionTwo]
    identity_interface: internal
    identity_endpoint_override: https://keystone.internal/v3
`)
	a, err := loadIn(t, dir, "a", nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"auth_url": "https://keystone.example.com/v3", "user_domain_name": "Default",
		"project_domain_name": "Default", "username": "alice", "password": "007", "project_id": "00123"}, a.Auth,
		"merge keys apply, and IDs keep the text they were written with")
	assert.Equal(t, ptr(false), a.Verify, "insecure: yes")

	b, err := loadIn(t, dir, "b", nil)
	require.NoError(t, err)
	assert.Equal(t, "1e5", b.Auth["project_name"])
	assert.Equal(t, ptr(true), b.Verify)
	assert.Equal(t, "/etc/ssl/our-ca.pem", b.CACert, "a path as verify is the CA bundle")
	assert.Equal(t, "3.0", b.IdentityAPIVersion)
	assert.Equal(t, 2500*time.Millisecond, b.APITimeout)
	assert.Equal(t, []string{"RegionOne", "RegionTwo"}, b.Regions)
	assert.Equal(t, cloudconfig.ServiceConfig{Interface: "internal", RegionName: "RegionOne",
		EndpointOverride: "https://keystone.internal/v3", APIVersion: "3.0"}, b.Service("identity"))
	assert.Equal(t, cloudconfig.ServiceConfig{Interface: "public", RegionName: "RegionOne"}, b.Service("compute"))
}

func TestSessionOptions(t *testing.T) {
	d := realworld(t)
	c, err := loadIn(t, d, "devstack", nil)
	require.NoError(t, err)
	opts, err := c.SessionOptions()
	require.NoError(t, err)
	assert.Len(t, opts, 2, "interface and region; no TLS or timeout")
	_, ok := c.TLSOptions()
	assert.False(t, ok)

	c, err = loadIn(t, d, "legacy", nil)
	require.NoError(t, err)
	tlsOpts, ok := c.TLSOptions()
	require.True(t, ok)
	assert.Equal(t, auth.TLSOptions{Insecure: true}, tlsOpts)
	opts, err = c.SessionOptions()
	require.NoError(t, err)
	assert.Len(t, opts, 4, "TLS, timeout, interface, region")
}
