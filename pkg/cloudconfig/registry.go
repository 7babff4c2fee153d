package cloudconfig

import (
	"errors"
	"slices"
	"strings"

	"github.com/keystone-go/keystone/pkg/auth"
)

// optionSpec is one option of an auth plugin, as cloudconfig needs it: the
// key (auth.OptionSpec's Dest) and the older keys that mean the same.
type optionSpec struct {
	Name       string
	Deprecated []string
	Required   bool
}

func pluginNames() []string { return auth.PluginNames() }

// pluginOptions are the options of the auth plugin called name, from the
// registry of package auth.
func pluginOptions(name string) ([]optionSpec, bool) {
	specs := auth.Options(name)
	if specs == nil {
		return nil, false
	}
	out := make([]optionSpec, len(specs))
	for i, s := range specs {
		o := optionSpec{Name: s.Dest, Required: s.Required}
		for _, d := range append([]string{normalizeKey(s.Name)}, s.Deprecated...) {
			if d = normalizeKey(d); d != s.Dest && !slices.Contains(o.Deprecated, d) {
				o.Deprecated = append(o.Deprecated, d)
			}
		}
		out[i] = o
	}
	return out, true
}

// keystoneauthOnly are options of keystoneauth plugins that package auth
// may not have (the OIDC, SAML and K2K ones): their OS_* variables are
// read too, and they are kept out of Cloud.Config like every auth option,
// since several are secrets.
var keystoneauthOnly = []string{"identity_provider", "protocol", "identity_provider_url", "service_provider_endpoint",
	"service_provider_entity_id", "auth_methods", "consumer_key", "consumer_secret", "access_key", "access_secret",
	"access_token", "client_id", "client_secret", "scope", "access_token_endpoint", "discovery_endpoint",
	"access_token_type", "redirect_uri", "code", "passcode", "endpoint", "token", "password", "username",
	"user_id", "tenant_id", "tenant_name"}

// allOptionNames lists the key of every option of every plugin: the auth
// options whose OS_* variables the CLI reads.
func allOptionNames() []string {
	names := slices.Clone(keystoneauthOnly)
	for _, p := range auth.PluginNames() {
		for _, s := range auth.Options(p) {
			names = append(names, s.Dest)
			for _, d := range s.Deprecated {
				names = append(names, normalizeKey(d))
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func newPlugin(name string, opts map[string]string) (auth.Plugin, error) {
	return auth.NewPlugin(name, opts)
}

// missingOptionOf extracts the option a registry error says is missing.
func missingOptionOf(err error) (string, bool) {
	var m *auth.MissingOptionError
	if errors.As(err, &m) {
		return m.Option, true
	}
	return "", false
}

// badOptionsOf extracts the options a registry error says are not taken,
// or have values the plugin cannot use.
func badOptionsOf(err error) []string {
	var names []string
	var u *auth.UnknownOptionError
	var inv *auth.InvalidOptionError
	switch {
	case errors.As(err, &u):
		names = u.Options
	case errors.As(err, &inv):
		names = strings.FieldsFunc(inv.Option, func(r rune) bool { return r == ',' || r == ' ' })
		names = slices.DeleteFunc(names, func(s string) bool { return s == "or" || s == "and" })
	}
	for i, n := range names {
		names[i] = normalizeKey(n)
	}
	return names
}
