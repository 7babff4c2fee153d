package cloudconfig_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/cloudconfig"
)

// The examples read the files in testdata/realworld and an environment of
// their own, so that they show the same thing everywhere. A program would
// call cloudconfig.Load("") or cloudconfig.Load("name") and let it find
// clouds.yaml and read the process's OS_* variables.
var dir = "testdata/realworld"

func files() []cloudconfig.Option {
	return []cloudconfig.Option{cloudconfig.WithSearchDirs(dir), cloudconfig.WithEnv(map[string]string{"HOME": "/home/me"})}
}

// Load a cloud of clouds.yaml by name; its password is in secure.yaml.
func ExampleLoad() {
	cloud, err := cloudconfig.Load("devstack", files()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cloud.Name, cloud.AuthType, cloud.RegionName, cloud.Interface)
	fmt.Println(cloud.Auth["auth_url"], cloud.Auth["username"], cloud.Auth["project_name"])
	fmt.Println(cloud.ConfigFile)
	fmt.Println(cloud.SecureFile)
	// Output:
	// devstack password RegionOne public
	// http://192.0.2.10/identity demo demo
	// testdata/realworld/clouds.yaml
	// testdata/realworld/secure.yaml
}

// With no name and no OS_CLOUD, the OS_* variables make the cloud, as an
// openrc file sets them.
func ExampleLoad_environment() {
	cloud, err := cloudconfig.Load("", cloudconfig.WithSearchDirs(), cloudconfig.WithEnv(map[string]string{
		"OS_AUTH_URL":          "https://keystone.example.com/v3",
		"OS_USERNAME":          "demo",
		"OS_PASSWORD":          "secret",
		"OS_PROJECT_NAME":      "demo",
		"OS_USER_DOMAIN_NAME":  "Default",
		"OS_PROJECT_DOMAIN_ID": "default",
		"OS_REGION_NAME":       "RegionOne",
		"OS_INTERFACE":         "internal",
		"OS_API_TIMEOUT":       "30",
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cloud.Name, cloud.FromEnv, cloud.AuthType)
	fmt.Println(cloud.Auth["username"], cloud.Auth["user_domain_name"], cloud.Auth["project_name"], cloud.Auth["project_domain_id"])
	fmt.Println(cloud.RegionName, cloud.Interface, cloud.APITimeout)
	// Output:
	// envvars true password
	// demo Default demo default
	// RegionOne internal 30s
}

// OS_CLOUD picks a cloud of clouds.yaml; the variables the openstack CLI
// reads are laid over it.
func ExampleLoad_cloudAndEnvironment() {
	cloud, err := cloudconfig.Load("", cloudconfig.WithSearchDirs(dir), cloudconfig.WithEnv(map[string]string{
		"OS_CLOUD":     "devstack",
		"OS_PASSWORD":  "from-the-environment",
		"OS_INTERFACE": "admin",
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	file, key, _ := cloud.Source("auth.password")
	fmt.Println(cloud.Name, cloud.Auth["password"], file, key)
	fmt.Println(cloud.Interface)
	// Output:
	// devstack from-the-environment environment OS_PASSWORD
	// admin
}

// A cloud built on a vendor profile of clouds-public.yaml: the profile
// gives the auth URL (filled with the region), the domains and the
// regions.
func ExampleLoad_profile() {
	cloud, err := cloudconfig.Load("acme", append(files(), cloudconfig.WithRegion("fra1"))...)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cloud.Profile, cloud.VendorFile)
	fmt.Println(cloud.Auth["auth_url"])
	fmt.Println(cloud.Auth["user_domain_name"], cloud.RegionName, cloud.Regions, cloud.Interface)
	fmt.Println(cloud.CACert, cloud.APITimeout)
	// Output:
	// acme testdata/realworld/clouds-public.yaml
	// https://identity.fra1.acme.example/v3
	// acme-users fra1 [ams1 fra1] internal
	// /home/me/certs/acme-ca.pem 45s
}

func ExampleCloudNames() {
	names, err := cloudconfig.CloudNames(files()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(names)
	// Output:
	// [acme ci-appcred devstack devstack-admin devstack-system domain-admin legacy mfa token-only trust]
}

func ExampleSearchDirs() {
	for _, d := range cloudconfig.SearchDirs(cloudconfig.WithWorkDir("/srv/app"),
		cloudconfig.WithEnv(map[string]string{"HOME": "/home/me"})) {
		fmt.Println(d)
	}
	// Output:
	// /srv/app
	// /home/me/.config/openstack
	// /etc/xdg/openstack
	// /etc/openstack
}

// WithRegion chooses among the regions a cloud lists, as OS_REGION_NAME
// does; a region's values apply.
func ExampleWithRegion() {
	for _, region := range []string{"ams1", "fra1"} {
		cloud, err := cloudconfig.Load("acme", append(files(), cloudconfig.WithRegion(region))...)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(cloud.RegionName, cloud.Interface)
	}
	// Output:
	// ams1 public
	// fra1 internal
}

// WithPrompt supplies a password or passcode the configuration leaves out.
func ExampleWithPrompt() {
	cloud, err := cloudconfig.Load("mfa", append(files(), cloudconfig.WithPrompt(func(option, prompt string) (string, error) {
		fmt.Printf("asked for %s (%q)\n", option, prompt)
		return "123456", nil // a program would read it from the terminal
	}))...)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cloud.AuthType, cloud.Auth["passcode"])
	// Output:
	// asked for passcode ("TOTP passcode: ")
	// v3totp 123456
}

// Options for tests and tools: an environment of their own, and explicit
// files instead of the search.
func ExampleWithEnv() {
	cloud, err := cloudconfig.Load("", cloudconfig.WithEnv(map[string]string{"OS_CLOUD": "trust"}),
		cloudconfig.WithConfigFiles(filepath.Join(dir, "clouds.yaml")),
		cloudconfig.WithSecureFiles(filepath.Join(dir, "secure.yaml")),
		cloudconfig.WithVendorFiles())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cloud.Name, cloud.Auth["trust_id"])
	// Output:
	// trust 7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d
}

// A file-less setup: WithWorkDir and WithSearchDirs decide where files
// are looked for.
func ExampleWithWorkDir() {
	work, err := os.MkdirTemp("", "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(work)
	_ = os.WriteFile(filepath.Join(work, "clouds.yaml"), []byte(`
clouds:
  here:
    auth: {auth_url: "https://keystone.example.com/v3", user_id: u1, password: pw}
`), 0o600)
	cloud, err := cloudconfig.Load("", cloudconfig.WithWorkDir(work), cloudconfig.WithEnv(map[string]string{}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cloud.Name, cloud.Auth["user_id"], filepath.Base(cloud.ConfigFile))
	// Output:
	// here u1 clouds.yaml
}

func ExampleCloud_Plugin() {
	cloud, err := cloudconfig.Load("ci-appcred", files()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	plugin, err := cloud.Plugin()
	if err != nil {
		fmt.Println(err)
		return
	}
	ac := plugin.(*auth.ApplicationCredential)
	fmt.Println(ac.AuthURL, ac.ID)
	// Output:
	// https://keystone.example.com:5000/v3 21dced0fd20347869b93710d2b98aae0
}

// NewSession is the plugin plus the cloud's transport settings; it makes
// no request.
func ExampleCloud_NewSession() {
	cloud, err := cloudconfig.Load("devstack", files()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	sess, err := cloud.NewSession(auth.WithUserAgent("example", "1.0"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sess != nil)
	// Output:
	// true
}

func ExampleCloud_SessionOptions() {
	cloud, err := cloudconfig.Load("legacy", files()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	opts, err := cloud.SessionOptions()
	if err != nil {
		fmt.Println(err)
		return
	}
	plugin, _ := cloud.Plugin()
	sess := auth.New(plugin, append(opts, auth.WithUserAgent("example", "1.0"))...)
	fmt.Println(len(opts), sess != nil)
	// Output:
	// 4 true
}

func ExampleCloud_TLSOptions() {
	cloud, err := cloudconfig.Load("legacy", files()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	o, ok := cloud.TLSOptions()
	fmt.Println(ok, o.Insecure)
	// Output:
	// true true
}

func ExampleCloud_Service() {
	cloud, err := cloudconfig.Load("ci-appcred", files()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := cloud.Service("identity")
	fmt.Println(s.Interface, s.RegionName)
	// Output:
	// internal RegionOne
}

// Source tells where a setting came from.
func ExampleCloud_Source() {
	cloud, err := cloudconfig.Load("acme", files()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, key := range []string{"auth.password", "auth.auth_url", "api_timeout"} {
		file, name, _ := cloud.Source(key)
		fmt.Println(key, "from", file, name)
	}
	// Output:
	// auth.password from testdata/realworld/secure.yaml auth.password
	// auth.auth_url from testdata/realworld/clouds-public.yaml public-clouds.acme.auth.auth_url
	// api_timeout from testdata/realworld/clouds.yaml api_timeout
}

func ExampleCloud_String() {
	cloud, err := cloudconfig.Load("legacy", files()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cloud)
	// Output:
	// cloud "legacy" (testdata/realworld/clouds.yaml, auth type password, region "RegionOne", interface internal, timeout 12.5s)
}

// Every error names the file, the cloud and the key.
func ExampleError() {
	_, err := cloudconfig.Load("", cloudconfig.WithSearchDirs(), cloudconfig.WithEnv(map[string]string{
		"OS_AUTH_URL": "https://keystone.example.com/v3",
		"OS_USER_ID":  "u1",
	}))
	var e *cloudconfig.Error
	if errors.As(err, &e) {
		fmt.Println(e.File, e.Cloud, e.Key)
		fmt.Println(errors.Is(err, apierror.ErrMissingAuthOption), errors.Is(err, apierror.ErrInvalidConfig))
	}
	fmt.Println(err)
	// Output:
	// environment envvars OS_PASSWORD
	// true true
	// cloudconfig: environment: cloud "envvars": OS_PASSWORD: not set, and auth type "password" needs it
}

// WithSearchDirs replaces the directories searched (the first file found
// is read); with none, only the environment counts. The environment's
// cloud, envvars, is listed too.
func ExampleWithSearchDirs() {
	names, err := cloudconfig.CloudNames(cloudconfig.WithSearchDirs("/nonexistent", dir),
		cloudconfig.WithEnv(map[string]string{"OS_AUTH_URL": "https://keystone.example.com/v3"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(names), names[:2], slices.Contains(names, "envvars"))
	// Output:
	// 11 [acme ci-appcred] true
}

// WithConfigFiles, WithSecureFiles and WithVendorFiles name the files
// instead of searching for them; the first that exists is read.
func ExampleWithConfigFiles() {
	cloud, err := cloudconfig.Load("acme", cloudconfig.WithEnv(map[string]string{}),
		cloudconfig.WithConfigFiles("/nonexistent/clouds.yaml", filepath.Join(dir, "clouds.yaml")),
		cloudconfig.WithSecureFiles(filepath.Join(dir, "secure.yaml")),
		cloudconfig.WithVendorFiles(filepath.Join(dir, "clouds-public.yaml")))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cloud.ConfigFile, cloud.Auth["auth_url"])
	// Output:
	// testdata/realworld/clouds.yaml https://identity.ams1.acme.example/v3
}
