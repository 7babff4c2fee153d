package federation

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/auth"
)

// The federation plugins register under keystoneauth's names, so that a
// program that imports this package loads them from clouds.yaml.
func init() {
	for _, r := range []struct {
		name    string
		options []auth.OptionSpec
		build   func(*auth.PluginOptions) (auth.Plugin, error)
	}{
		{"v3oidcpassword", v3OIDCPasswordOptions, buildV3OIDCPassword},
		{"v3oidcclientcredentials", v3OIDCClientCredentialsOptions, buildV3OIDCClientCredentials},
		{"v3oidcauthcode", v3OIDCAuthCodeOptions, buildV3OIDCAuthCode},
		{"v3oidcaccesstoken", v3OIDCAccessTokenOptions, buildV3OIDCAccessToken},
		{"v3oidcdeviceauthz", v3OIDCDeviceAuthzOptions, buildV3OIDCDeviceAuthz},
		{"v3samlpassword", v3SAMLPasswordOptions, buildV3SAMLPassword},
		{"v3adfspassword", v3ADFSPasswordOptions, buildV3ADFSPassword},
		{"v3k2k", v3K2KOptions, buildV3K2K},
		{"v3federatedheaders", v3FederatedHeadersOptions, buildV3FederatedHeaders},
	} {
		auth.Register(r.name, r.options, r.build)
	}
}

// secretFieldNames are the fields, in every type of this package, that
// hold a secret (see package auth's list, whose rules they follow).
var secretFieldNames = redact.Names("Password", "Secret", "Token", "ClientSecret",
	"AccessToken", "TokenSource", "Code", "CodeVerifier", "Headers")

func opt(name, help string) auth.OptionSpec {
	return auth.OptionSpec{Name: name, Dest: strings.ReplaceAll(name, "-", "_"), Help: help}
}

func required(o auth.OptionSpec) auth.OptionSpec { o.Required = true; return o }
func secret(o auth.OptionSpec) auth.OptionSpec   { o.Secret = true; return o }
func deprecated(o auth.OptionSpec, names ...string) auth.OptionSpec {
	o.Deprecated = names
	return o
}

// optionsOf is the union of the options of plugins, in their order.
func optionsOf(plugins ...string) []auth.OptionSpec {
	var out []auth.OptionSpec
	for _, p := range plugins {
		for _, o := range auth.Options(p) {
			if !slices.ContainsFunc(out, func(have auth.OptionSpec) bool { return have.Dest == o.Dest }) {
				out = append(out, o)
			}
		}
	}
	return out
}

// valuesOf are the values of o that plugin takes, to build it.
func valuesOf(o *auth.PluginOptions, plugin string) map[string]string {
	values := map[string]string{}
	for _, spec := range auth.Options(plugin) {
		if v := o.Get(spec.Dest); v != "" {
			values[spec.Dest] = v
		}
	}
	return values
}

func missing(option string) error { return &auth.MissingOptionError{Option: option} }

func secretOf(p auth.Plugin) ([]byte, bool) {
	sp, ok := p.(auth.SecretProver)
	if !ok {
		return nil, false
	}
	return sp.CacheSecret()
}

// put adds a cache key element that is set.
func put(k map[string]string, name, v string) {
	if v != "" {
		k[name] = v
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
