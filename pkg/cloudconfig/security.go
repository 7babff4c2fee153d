package cloudconfig

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/auth"
)

// WithLogger logs the warnings about where secrets may go (a secure.yaml
// merged into a clouds.yaml of another directory, a password sent over
// plain http) to l; by default they go to slog.Default(). They are in
// Cloud.Warnings as well.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

func (o *options) log() *slog.Logger {
	if o.logger != nil {
		return o.logger
	}
	return slog.Default()
}

// secretWords mark a setting as a secret whatever plugin it belongs to:
// keystoneauth's secret options are all named with one of them.
var secretWords = []string{"password", "secret", "token", "passcode", "credential", "federated_headers"}

// isSecretKey reports whether the setting called key holds a secret (its
// value is never formatted, logged or put in an error).
func isSecretKey(key string) bool {
	k := normalizeKey(key)
	if k == "token_endpoint" || k == "access_token_endpoint" || k == "access_token_type" ||
		k == "application_credential_id" || k == "application_credential_name" {
		return false
	}
	return slices.ContainsFunc(secretWords, func(w string) bool { return strings.Contains(k, w) }) || isSecretOption(k)
}

// isSecretOption reports whether some plugin declares key a secret.
func isSecretOption(key string) bool {
	for _, p := range auth.PluginNames() {
		for _, s := range auth.Options(p) {
			if s.Secret && s.Dest == key {
				return true
			}
		}
	}
	return false
}

// securityWarnings are the warnings about where c's secrets may go: Load
// adds them to c.Warnings and logs them.
func (s *sources) securityWarnings(c *Cloud) {
	var warnings []string
	if c.SecureFile != "" && c.ConfigFile != "" && filepath.Dir(c.SecureFile) != filepath.Dir(c.ConfigFile) &&
		!s.chosen(c.ConfigFile, s.o.configFiles, "OS_CLIENT_CONFIG_FILE") && !s.chosen(c.SecureFile, s.o.secureFiles, "OS_CLIENT_SECURE_FILE") {
		warnings = append(warnings, fmt.Sprintf("cloud %q: the secrets of %s are merged into %s, found in another directory: "+
			"its auth_url receives them; keep clouds.yaml and secure.yaml in one directory, or name the files with "+
			"OS_CLIENT_CONFIG_FILE and OS_CLIENT_SECURE_FILE", c.Name, c.SecureFile, c.ConfigFile))
	}
	if u, err := url.Parse(c.Auth["auth_url"]); err == nil && strings.EqualFold(u.Scheme, "http") && !loopback(u.Hostname()) {
		var secrets []string
		for k, v := range c.Auth {
			if v != "" && isSecretKey(k) {
				secrets = append(secrets, k)
			}
		}
		if len(secrets) > 0 {
			slices.Sort(secrets)
			warnings = append(warnings, fmt.Sprintf("cloud %q: auth_url %s is plain http: %s cross the network unencrypted",
				c.Name, u.Redacted(), strings.Join(secrets, ", ")))
		}
	}
	for _, w := range warnings {
		s.o.log().LogAttrs(context.Background(), slog.LevelWarn, w, slog.String("cloud", c.Name))
	}
	c.Warnings = append(c.Warnings, warnings...)
}

// chosen reports whether file was named by the caller or by the variable
// env rather than found on the search path.
func (s *sources) chosen(file string, explicit []string, env string) bool {
	return explicit != nil || (s.o.getenv(env) != "" && s.o.getenv(env) == file)
}

// loopback reports whether host is this machine, where plain http does
// not cross a network.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Format prints the cloud as String does, and under %+v and %#v every
// field, with the secrets among its auth options and settings masked.
func (c Cloud) Format(f fmt.State, verb rune) {
	if verb == 'v' && (f.Flag('+') || f.Flag('#')) {
		redact.Format(f, verb, c.masked(), noSecretFields)
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue logs the cloud with its secrets masked.
func (c Cloud) LogValue() slog.Value { return redact.LogValue(c.masked(), noSecretFields) }

// MarshalJSON encodes the cloud with its secrets masked.
func (c Cloud) MarshalJSON() ([]byte, error) { return redact.JSON(c.masked(), noSecretFields) }

// noSecretFields: Cloud's secrets are values of its maps, masked by key.
var noSecretFields = redact.Names()

// masked is c with every secret value of Auth and Config replaced.
func (c Cloud) masked() Cloud {
	mask := func(k string, set bool) bool { return set && isSecretKey(k) }
	if c.Auth != nil {
		auth := make(map[string]string, len(c.Auth))
		for k, v := range c.Auth {
			if mask(k, v != "") {
				v = redact.Masked
			}
			auth[k] = v
		}
		c.Auth = auth
	}
	if c.Config != nil {
		cfg := make(map[string]any, len(c.Config))
		for k, v := range c.Config {
			if mask(k, v != nil) {
				v = redact.Masked
			}
			cfg[k] = v
		}
		c.Config = cfg
	}
	return c
}
