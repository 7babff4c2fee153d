package auth

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// minimalOptions are, for every plugin, options it builds from, and what
// it must become.
var minimalOptions = map[string]struct {
	opts map[string]string
	want Plugin
}{
	"password": {map[string]string{"auth_url": "http://k:5000", "username": "alice", "password": "pw",
		"project_name": "demo", "default_domain_id": "default"},
		&GenericPassword{AuthURL: "http://k:5000", Username: "alice", Password: "pw", Scope: Scope{ProjectName: "demo"}, DefaultDomainID: "default"}},
	"token": {map[string]string{"auth_url": "http://k:5000", "token": "t", "tenant_id": "p1"},
		&GenericToken{AuthURL: "http://k:5000", Token: "t", Scope: Scope{ProjectID: "p1"}}},
	"v3password": {map[string]string{"auth_url": "http://k/v3", "user_id": "u", "password": "pw", "system_scope": "all"},
		&Password{AuthURL: "http://k/v3", UserID: "u", Password: "pw", Scope: Scope{System: true}}},
	"v3token": {map[string]string{"auth_url": "http://k/v3", "token": "t", "trust_id": "tr"},
		&Token{AuthURL: "http://k/v3", Token: "t", Scope: Scope{TrustID: "tr"}}},
	"v3applicationcredential": {map[string]string{"auth_url": "http://k/v3", "application_credential_name": "ci",
		"username": "alice", "user_domain_name": "Default", "application_credential_secret": "s"},
		&ApplicationCredential{AuthURL: "http://k/v3", Name: "ci", Username: "alice", UserDomainName: "Default", Secret: "s"}},
	"v3totp": {map[string]string{"auth_url": "http://k/v3", "user_id": "u", "passcode": "123456", "domain_name": "Default"},
		&TOTP{AuthURL: "http://k/v3", UserID: "u", Passcode: "123456", Scope: Scope{DomainName: "Default"}}},
	"v3multifactor": {map[string]string{"auth_url": "http://k/v3", "auth_methods": "v3password, v3totp", "user_id": "u",
		"password": "pw", "passcode": "123456", "project_id": "p1"},
		&MultiFactor{AuthURL: "http://k/v3", Methods: []Method{&PasswordMethod{UserID: "u", Password: "pw"},
			&TOTPMethod{UserID: "u", Passcode: "123456"}}, Scope: Scope{ProjectID: "p1"}}},
	"v3oauth1": {map[string]string{"auth_url": "http://k/v3", "consumer_key": "ck", "consumer_secret": "cs",
		"access_key": "ak", "access_secret": "as"},
		&OAuth1{AuthURL: "http://k/v3", ConsumerKey: "ck", ConsumerSecret: "cs", AccessKey: "ak", AccessSecret: "as"}},
	"v3oauth2clientcredential": {map[string]string{"auth_url": "http://k/v3", "oauth2_client_id": "c", "oauth2_client_secret": "s",
		"oauth2_endpoint": "http://k/v3/OS-OAUTH2/token"},
		&OAuth2ClientCredential{AuthURL: "http://k/v3", Endpoint: "http://k/v3/OS-OAUTH2/token", ClientID: "c", ClientSecret: "s"}},
	"v3oauth2mtlsclientcredential": {map[string]string{"auth_url": "https://k/v3", "oauth2_client_id": "c"},
		&OAuth2MTLSClientCredential{AuthURL: "https://k/v3", ClientID: "c"}},
	"v3tokenlessauth": {map[string]string{"auth_url": "https://k/v3", "project_name": "demo", "project_domain_id": "default"},
		&TokenlessAuth{AuthURL: "https://k/v3", Scope: Scope{ProjectName: "demo", ProjectDomainID: "default"}}},
	"admin_token": {map[string]string{"endpoint": "http://k/v3", "token": "ADMIN"},
		&TokenEndpoint{Endpoint: "http://k/v3", Token: "ADMIN"}},
	"http_basic": {map[string]string{"username": "bob", "password": "pw", "endpoint": "http://svc"},
		&HTTPBasic{Username: "bob", Password: "pw", Endpoint: "http://svc"}},
	"none": {map[string]string{"endpoint": "http://svc"}, &NoAuth{Endpoint: "http://svc"}},
}

func TestRegistryBuildsEveryPlugin(t *testing.T) {
	names := PluginNames()
	assert.IsNonDecreasing(t, names)
	for name, tc := range minimalOptions {
		assert.Contains(t, names, name)
		p, err := NewPlugin(name, tc.opts)
		require.NoError(t, err, name)
		assert.Equal(t, tc.want, p, name)
	}
}

func TestRegistryOptionSpecs(t *testing.T) {
	for name := range minimalOptions {
		specs := Options(name)
		require.NotEmpty(t, specs, name)
		seen := map[string]bool{}
		for _, o := range specs {
			assert.NotEmpty(t, o.Name, name)
			assert.NotEmpty(t, o.Help, "%s %s", name, o.Name)
			assert.Equal(t, strings.ReplaceAll(o.Name, "-", "_"), o.Dest, name)
			assert.False(t, seen[o.Dest], "%s lists %s twice", name, o.Dest)
			seen[o.Dest] = true
			if strings.Contains(o.Dest, "password") || strings.HasSuffix(o.Dest, "secret") || o.Dest == "token" || o.Dest == "passcode" {
				assert.True(t, o.Secret, "%s %s is a secret", name, o.Dest)
			}
		}
	}
	v3 := Options("v3password")
	byDest := map[string]OptionSpec{}
	for _, o := range v3 {
		byDest[o.Dest] = o
	}
	assert.True(t, byDest["auth_url"].Required)
	assert.Equal(t, "auth-url", byDest["auth_url"].Name)
	assert.Equal(t, "OS_USER_DOMAIN_ID", byDest["user_domain_id"].EnvVar())
	assert.Equal(t, []string{"user_name"}, byDest["username"].Deprecated)
	assert.True(t, byDest["password"].Secret)
	assert.False(t, byDest["username"].Secret)
	assert.Nil(t, Options("nope"))

	// The caller gets a copy.
	i := slices.IndexFunc(v3, func(o OptionSpec) bool { return o.Dest == "username" })
	v3[0].Name = "changed"
	v3[i].Deprecated[0] = "changed"
	assert.Equal(t, "auth-url", Options("v3password")[0].Name)
	assert.Equal(t, []string{"user_name"}, Options("v3password")[i].Deprecated)
}

func TestRegistryNamesWhatIsWrong(t *testing.T) {
	base := map[string]string{"auth_url": "http://k/v3", "user_id": "u", "password": "pw"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	cases := []struct {
		name   string
		plugin string
		opts   map[string]string
		kind   *apierror.Kind
		text   string
	}{
		{"unknown plugin", "v3kerberos", base, apierror.ErrNoMatchingPlugin, `no plugin named "v3kerberos"`},
		{"missing required", "v3password", with("auth_url", ""), apierror.ErrMissingAuthOption, "missing option auth_url"},
		{"missing one of", "v3password", with("user_id", ""), apierror.ErrMissingAuthOption, "user_id or username"},
		{"missing password", "v3password", with("password", ""), apierror.ErrMissingAuthOption, "missing option password"},
		{"username without domain", "v3password", with("user_id", "", "username", "alice"), apierror.ErrMissingAuthOption, "user_domain_id or user_domain_name"},
		{"project name without domain", "v3password", with("project_name", "demo"), apierror.ErrMissingAuthOption, "project_domain_id or project_domain_name"},
		{"two scopes", "v3password", with("project_id", "p", "domain_id", "d"), apierror.ErrInvalidConfig, "project_id, domain_id"},
		{"bad system scope", "v3password", with("system_scope", "region1"), apierror.ErrInvalidConfig, "system_scope"},
		{"unknown option", "v3password", with("passcode", "1", "colour", "blue"), apierror.ErrInvalidConfig, "colour, passcode"},
		{"conflicting spellings", "v3password", with("username", "a", "user_name", "b", "user_id", ""), apierror.ErrInvalidConfig, "another name of the same option"},
		{"app cred with a scope", "v3applicationcredential", map[string]string{"auth_url": "u", "application_credential_id": "a",
			"application_credential_secret": "s", "project_id": "p"}, apierror.ErrInvalidConfig, "project_id"},
		{"app cred without secret", "v3applicationcredential", map[string]string{"auth_url": "u", "application_credential_id": "a"},
			apierror.ErrMissingAuthOption, "application_credential_secret"},
		{"app cred by name without user", "v3applicationcredential", map[string]string{"auth_url": "u", "application_credential_name": "a",
			"application_credential_secret": "s"}, apierror.ErrMissingAuthOption, "user_id or username"},
		{"multifactor unknown method", "v3multifactor", with("auth_methods", "v3password,v3kerberos"), apierror.ErrInvalidConfig, `"v3kerberos"`},
		{"multifactor option no method uses", "v3multifactor", with("auth_methods", "v3password", "passcode", "1"), apierror.ErrInvalidConfig, "passcode"},
		{"multifactor method without its option", "v3multifactor", with("auth_methods", "v3password,v3totp"), apierror.ErrMissingAuthOption, "passcode"},
		{"oauth1 without access secret", "v3oauth1", map[string]string{"auth_url": "u", "consumer_key": "c", "consumer_secret": "s", "access_key": "a"},
			apierror.ErrMissingAuthOption, "access_secret"},
		{"oauth1 takes no scope", "v3oauth1", map[string]string{"auth_url": "u", "consumer_key": "c", "consumer_secret": "s", "access_key": "a",
			"access_secret": "x", "project_id": "p"}, apierror.ErrInvalidConfig, "project_id"},
		{"oauth2 with a scope", "v3oauth2clientcredential", map[string]string{"auth_url": "u", "oauth2_client_id": "c",
			"oauth2_client_secret": "s", "system_scope": "all"}, apierror.ErrInvalidConfig, "system_scope"},
		{"tokenless without scope", "v3tokenlessauth", map[string]string{"auth_url": "u"}, apierror.ErrMissingAuthOption, "project_id, project_name, domain_id or domain_name"},
		{"tokenless project without domain", "v3tokenlessauth", map[string]string{"auth_url": "u", "project_name": "p"}, apierror.ErrMissingAuthOption, "project_domain_id"},
		{"admin_token without token", "admin_token", map[string]string{"endpoint": "u"}, apierror.ErrMissingAuthOption, "token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPlugin(tc.plugin, tc.opts)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.True(t, errors.Is(err, tc.kind), "%v is not %s", err, tc.kind)
			assert.Contains(t, err.Error(), tc.text)
			assert.Contains(t, err.Error(), tc.plugin, "the error names the plugin")
		})
	}
	var me *MissingOptionError
	_, err := NewPlugin("v3password", with("password", ""))
	require.True(t, errors.As(err, &me))
	assert.Equal(t, MissingOptionError{Option: "password", Plugin: "v3password"}, *me)
	var ue *UnknownOptionError
	_, err = NewPlugin("none", map[string]string{"endpoint": "x", "auth_url": "y"})
	require.True(t, errors.As(err, &ue))
	assert.Equal(t, []string{"auth_url"}, ue.Options)
}

func TestRegistryKeySpellings(t *testing.T) {
	p, err := NewPlugin("v3password", map[string]string{
		"AUTH-URL": "http://k/v3", "User-Name": "alice", "user-domain-id": "default", "password": "pw",
		"project_name": "demo", "Project_Domain_Name": "Default", "domain_id": "", // empty means not given
	})
	require.NoError(t, err)
	assert.Equal(t, &Password{AuthURL: "http://k/v3", Username: "alice", UserDomainID: "default", Password: "pw",
		Scope: Scope{ProjectName: "demo", ProjectDomainName: "Default"}}, p)

	p, err = NewPlugin("admin_token", map[string]string{"url": "http://k/v3", "token": "t"})
	require.NoError(t, err)
	assert.Equal(t, &TokenEndpoint{Endpoint: "http://k/v3", Token: "t"}, p)

	// The same value under two spellings is not a conflict.
	_, err = NewPlugin("token", map[string]string{"auth_url": "u", "token": "t", "tenant_name": "demo", "project_name": "demo"})
	require.NoError(t, err)
}

// The Session struct is copied field by field by derive (rescope.go); a
// field added to Session must be added there. This test lists the fields
// derive knows, so that it fails when one is added.
func TestDeriveCopiesEveryField(t *testing.T) {
	known := map[string]bool{
		// per-session state, not copied
		"plugin": true, "mu": true, "access": true, "flight": true, "initialState": true,
		"advisory": true, "serverClock": true, "refused": true,
		// configuration, copied
		"client": true, "logger": true, "refreshMargin": true, "authTimeout": true, "maxResponse": true,
		"userAgent": true, "discovery": true, "retry": true, "maxRedirects": true, "userRedirect": true,
		"globalRequestID": true, "limits": true, "timings": true, "hook": true, "tls": true, "timeout": true,
		"logBodyLimit": true, "interfaces": true, "region": true, "overrides": true, "configErr": true,
		"stateKey": true, "unprovenCache": true, "mandatoryMargin": true, "now": true,
	}
	typ := reflect.TypeFor[Session]()
	for i := range typ.NumField() {
		assert.True(t, known[typ.Field(i).Name], "Session.%s is new: copy it in (*Session).derive and list it here", typ.Field(i).Name)
	}
}

// Without package federation linked, its plugins are unknown, and the
// error says what to import; other unknown names list what is known.
func TestRegistryNamesThePackageOfTheFederatedPlugins(t *testing.T) {
	_, err := NewPlugin("v3oidcpassword", map[string]string{"auth_url": "https://k/v3"})
	require.ErrorIs(t, err, apierror.ErrNoMatchingPlugin)
	assert.Contains(t, err.Error(), `import _ "github.com/keystone-go/keystone/pkg/auth/federation"`)
	assert.NotContains(t, PluginNames(), "v3oidcpassword")

	_, err = NewPlugin("v3nope", nil)
	require.ErrorIs(t, err, apierror.ErrNoMatchingPlugin)
	assert.Contains(t, err.Error(), "known: admin_token, http_basic")
}

func TestRegisterRefusesATakenName(t *testing.T) {
	build := func(*PluginOptions) (Plugin, error) { return &NoAuth{}, nil }
	assert.PanicsWithValue(t, "auth: Register called twice for plugin v3password", func() { Register("v3password", nil, build) })
	assert.Panics(t, func() { Register("", nil, build) })
}
