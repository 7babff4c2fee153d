package authtoken

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// Config is the [keystone_authtoken] section of a service: each field
// names the keystonemiddleware option it carries, so an operator's
// configuration moves over unchanged (ConfigFromOptions reads one). Start
// from DefaultConfig: the zero value differs where keystonemiddleware's
// defaults are not Go's zero values (include_service_catalog,
// enforce_token_bind).
type Config struct {
	// WWWAuthenticateURI is www_authenticate_uri (formerly auth_uri): the
	// public Keystone a refused client is sent to, in
	// `WWW-Authenticate: Keystone uri="…"`. Empty: the identity endpoint
	// the service itself validates with.
	WWWAuthenticateURI string
	// DelayAuthDecision is delay_auth_decision: a request without a valid
	// token goes on to the service marked X-Identity-Status: Invalid
	// instead of being refused with 401, and the service decides.
	DelayAuthDecision bool
	// IncludeServiceCatalog is include_service_catalog: ask Keystone for
	// the catalog and pass it on in X-Service-Catalog.
	IncludeServiceCatalog bool
	// ServiceType is service_type: the service's type in the catalog, which
	// application-credential access rules name. Without it a token bound
	// to access rules is refused.
	ServiceType string
	// ServiceTokenRoles is service_token_roles: a service token needs one of
	// these roles (any) to make an expired user token acceptable, and,
	// with ServiceTokenRolesRequired, to count as valid at all. Nil means
	// keystonemiddleware's default, ["service"].
	ServiceTokenRoles []string
	// ServiceTokenRolesRequired is service_token_roles_required.
	ServiceTokenRolesRequired bool
	// EnforceTokenBind is enforce_token_bind: "permissive" (the default)
	// or "disabled". Permissive ignores unknown bind types and refuses a
	// Kerberos-bound token, as keystonemiddleware does for a request that
	// did not come through Kerberos ("strict", "required" and named modes
	// are not supported: ConfigFromOptions refuses them).
	EnforceTokenBind string

	// TokenCacheTime is token_cache_time: how long a validated token is
	// served from the cache (never past its expiry). Zero means
	// keystonemiddleware's default, 300 s; negative disables caching.
	TokenCacheTime time.Duration
	// NegativeCacheTime (keystone-go's negative_cache_time) is how long a
	// refused token stays refused without asking Keystone again: zero means
	// 10 s, negative disables the negative cache. It never exceeds
	// TokenCacheTime.
	NegativeCacheTime time.Duration
	// RevalidateInterval (keystone-go's revalidate_interval) asks Keystone
	// again about a cached token once its answer is this old, so a revoked
	// token is refused within the interval rather than within
	// TokenCacheTime; while Keystone is unreachable the cached answer is
	// still served until TokenCacheTime. Zero disables it.
	RevalidateInterval time.Duration
	// TokenCacheSize (keystone-go's token_cache_size) bounds the in-process
	// cache in entries (DefaultMemoryCacheSize when zero).
	TokenCacheSize int
	// MemcachedServers is memcached_servers (formerly memcache_servers):
	// with servers, tokens are cached in memcached, shared by every
	// process of the service, instead of in-process.
	MemcachedServers []string
	// MemcacheSecurityStrategy is memcache_security_strategy: None, MAC or
	// ENCRYPT.
	MemcacheSecurityStrategy SecurityStrategy
	// MemcacheSecretKey is memcache_secret_key, the key MAC and ENCRYPT
	// derive theirs from.
	MemcacheSecretKey string
	// MemcachePoolSocketTimeout is memcache_pool_socket_timeout (3 s).
	MemcachePoolSocketTimeout time.Duration
	// MemcachePoolMaxsize is memcache_pool_maxsize (10).
	MemcachePoolMaxsize int
	// MemcachePoolDeadRetry is memcache_pool_dead_retry (300 s): how long a
	// memcached server that failed is skipped.
	MemcachePoolDeadRetry time.Duration

	// HTTPConnectTimeout is http_connect_timeout: the longest one
	// validation may take (30 s when zero). Requests waiting for it give
	// up earlier when their own context ends.
	HTTPConnectTimeout time.Duration
	// Interface and RegionName are interface and region_name: which
	// identity endpoint of the service's catalog validates tokens.
	Interface  string
	RegionName string

	// AuthType and AuthOptions are the service's own credentials
	// (auth_type and its options, keystoneauth's names: auth_url,
	// username, password, project_name, ...). Session builds the session
	// from them; a service that has a session already ignores them.
	AuthType    string
	AuthOptions map[string]string
	// CAFile, CertFile, KeyFile and Insecure are cafile, certfile, keyfile
	// and insecure, for that session.
	CAFile, CertFile, KeyFile string
	Insecure                  bool

	// Warnings are what ConfigFromOptions accepted but does not act on
	// (options of keystonemiddleware's Python runtime), for the service to
	// log.
	Warnings []string
}

// DefaultConfig is keystonemiddleware's defaults.
func DefaultConfig() Config {
	return Config{
		IncludeServiceCatalog: true,
		ServiceTokenRoles:     []string{"service"},
		EnforceTokenBind:      "permissive",
		TokenCacheTime:        300 * time.Second,
	}
}

// ignoredOptions are keystonemiddleware options that concern its Python
// runtime; they are accepted with a warning.
var ignoredOptions = map[string]string{
	"cache":                          "the WSGI environment cache does not exist here",
	"memcache_pool_dead_retry":       "the memcached client marks no server dead",
	"memcache_pool_unused_timeout":   "the memcached client keeps MaxIdleConns connections",
	"memcache_pool_conn_get_timeout": "the memcached client does not queue for connections",
	"memcache_use_advanced_pool":     "there is one memcached client",
	"http_request_max_retries":       "the session's retry policy applies",
	"log_name":                       "logging goes to the slog.Logger given to New",
}

// legacyOptions are the admin_* credentials keystonemiddleware read before
// auth plugins; they are refused with a pointer to auth_type.
var legacyOptions = []string{"admin_user", "admin_password", "admin_tenant_name", "admin_token",
	"identity_uri", "auth_host", "auth_port", "auth_protocol", "auth_admin_prefix"}

// authtokenOptions are the keystonemiddleware options ConfigFromOptions
// reads, each with how its value is read into a Config. Keys are read in
// sorted order, so the deprecated names (auth_uri, memcache_servers) come
// before the current ones and yield to them.
var authtokenOptions = map[string]func(c *Config, v string) error{
	"www_authenticate_uri": text(func(c *Config) *string { return &c.WWWAuthenticateURI }),
	"auth_uri": func(c *Config, v string) error {
		if c.WWWAuthenticateURI == "" {
			c.WWWAuthenticateURI = v
		}
		return nil
	},
	"delay_auth_decision":          boolean(func(c *Config) *bool { return &c.DelayAuthDecision }),
	"include_service_catalog":      boolean(func(c *Config) *bool { return &c.IncludeServiceCatalog }),
	"service_token_roles_required": boolean(func(c *Config) *bool { return &c.ServiceTokenRolesRequired }),
	"insecure":                     boolean(func(c *Config) *bool { return &c.Insecure }),
	"service_type":                 text(func(c *Config) *string { return &c.ServiceType }),
	"service_token_roles":          list(func(c *Config) *[]string { return &c.ServiceTokenRoles }),
	"enforce_token_bind": func(c *Config, v string) error {
		switch v = strings.ToLower(v); v {
		case "permissive", "disabled":
			c.EnforceTokenBind = v
			return nil
		}
		return fmt.Errorf("%q is not supported (permissive or disabled)", v)
	},
	"token_cache_time": func(c *Config, v string) error {
		if err := seconds(func(c *Config) *time.Duration { return &c.TokenCacheTime })(c, v); err != nil {
			return err
		}
		if c.TokenCacheTime == 0 { // keystonemiddleware would cache for ever; a zero here is "no caching"
			c.TokenCacheTime = -1
		}
		return nil
	},
	"negative_cache_time":          seconds(func(c *Config) *time.Duration { return &c.NegativeCacheTime }),
	"revalidate_interval":          seconds(func(c *Config) *time.Duration { return &c.RevalidateInterval }),
	"http_connect_timeout":         seconds(func(c *Config) *time.Duration { return &c.HTTPConnectTimeout }),
	"memcache_pool_socket_timeout": seconds(func(c *Config) *time.Duration { return &c.MemcachePoolSocketTimeout }),
	"memcache_pool_dead_retry":     seconds(func(c *Config) *time.Duration { return &c.MemcachePoolDeadRetry }),
	"token_cache_size":             integer(func(c *Config) *int { return &c.TokenCacheSize }),
	"memcache_pool_maxsize":        integer(func(c *Config) *int { return &c.MemcachePoolMaxsize }),
	"memcache_servers":             list(func(c *Config) *[]string { return &c.MemcachedServers }),
	"memcached_servers":            list(func(c *Config) *[]string { return &c.MemcachedServers }),
	"memcache_security_strategy": func(c *Config, v string) error {
		s, err := ParseSecurityStrategy(v)
		c.MemcacheSecurityStrategy = s
		return err
	},
	"memcache_secret_key": text(func(c *Config) *string { return &c.MemcacheSecretKey }),
	"auth_version": func(_ *Config, v string) error {
		if v != "" && !strings.HasPrefix(strings.TrimPrefix(v, "v"), "3") {
			return fmt.Errorf("%q: only Identity v3 validates tokens here", v)
		}
		return nil
	},
	"interface":   text(func(c *Config) *string { return &c.Interface }),
	"region_name": text(func(c *Config) *string { return &c.RegionName }),
	"cafile":      text(func(c *Config) *string { return &c.CAFile }),
	"certfile":    text(func(c *Config) *string { return &c.CertFile }),
	"keyfile":     text(func(c *Config) *string { return &c.KeyFile }),
	"auth_type":   text(func(c *Config) *string { return &c.AuthType }),
	"auth_plugin": text(func(c *Config) *string { return &c.AuthType }),
	"auth_section": func(_ *Config, v string) error {
		if v != "" {
			return errors.New("not supported: give the auth options in this section")
		}
		return nil
	},
}

func text(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *field(c) = v; return nil }
}

func list(field func(*Config) *[]string) func(*Config, string) error {
	return func(c *Config, v string) error { *field(c) = parseList(v); return nil }
}

func boolean(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) (err error) { *field(c), err = parseBool(v); return err }
}

func integer(field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) (err error) { *field(c), err = strconv.Atoi(v); return err }
}

func seconds(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("want whole seconds: %w", err)
		}
		*field(c) = time.Duration(n) * time.Second
		return nil
	}
}

// ConfigFromOptions reads a [keystone_authtoken] section (keys as in the
// file, "-" and "_" alike, any case) into a Config on top of
// DefaultConfig. The middleware's keys are read here; the rest are the
// auth plugin's (auth_type's options), checked by building the plugin: a
// key neither knows is an error matching apierror.ErrInvalidConfig that
// names it. Options of keystonemiddleware's Python runtime are accepted
// and listed in Warnings.
func ConfigFromOptions(opts map[string]string) (Config, error) {
	c := DefaultConfig()
	rest := map[string]string{}
	var errs []string
	for _, raw := range slices.Sorted(maps.Keys(opts)) {
		k := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(raw)), "-", "_")
		v := strings.TrimSpace(opts[raw])
		if set, ok := authtokenOptions[k]; ok {
			if err := set(&c, v); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", raw, err))
			}
			continue
		}
		if why, ok := ignoredOptions[k]; ok {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s is ignored: %s", raw, why))
			continue
		}
		if slices.Contains(legacyOptions, k) {
			errs = append(errs, raw+": the pre-plugin credentials are not supported: set auth_type (password, v3applicationcredential, ...) and its options")
			continue
		}
		rest[raw] = opts[raw]
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("%w: [keystone_authtoken] %s", apierror.ErrInvalidConfig, strings.Join(errs, "; "))
	}
	if c.MemcacheSecurityStrategy != "" && c.MemcacheSecurityStrategy != StrategyNone && c.MemcacheSecretKey == "" {
		return c, fmt.Errorf("%w: [keystone_authtoken] memcache_secret_key must be set when memcache_security_strategy is %s",
			apierror.ErrInvalidConfig, c.MemcacheSecurityStrategy)
	}
	if c.AuthType == "" {
		if len(rest) > 0 {
			return c, fmt.Errorf("%w: [keystone_authtoken] unknown options %s (or auth_type is missing)",
				apierror.ErrInvalidConfig, strings.Join(slices.Sorted(maps.Keys(rest)), ", "))
		}
		return c, nil
	}
	if _, err := auth.NewPlugin(c.AuthType, rest); err != nil {
		return c, fmt.Errorf("%w: [keystone_authtoken] %w", apierror.ErrInvalidConfig, err)
	}
	c.AuthOptions = rest
	return c, nil
}

// Session builds the service's own session from AuthType and AuthOptions,
// with cafile, certfile, keyfile, insecure and http_connect_timeout; opts
// come after (a logger, an HTTP client, ...).
func (c Config) Session(opts ...auth.Option) (*auth.Session, error) {
	if c.AuthType == "" {
		return nil, fmt.Errorf("%w: [keystone_authtoken] auth_type is not set", apierror.ErrInvalidConfig)
	}
	p, err := auth.NewPlugin(c.AuthType, c.AuthOptions)
	if err != nil {
		return nil, err
	}
	var base []auth.Option
	if c.CAFile != "" || c.CertFile != "" || c.KeyFile != "" || c.Insecure {
		base = append(base, auth.WithTLS(auth.TLSOptions{CAFile: c.CAFile, CertFile: c.CertFile, KeyFile: c.KeyFile, Insecure: c.Insecure}))
	}
	if c.HTTPConnectTimeout > 0 {
		base = append(base, auth.WithTimeout(c.HTTPConnectTimeout))
	}
	return auth.New(p, append(base, opts...)...), nil
}

// parseBool reads oslo.config's booleans.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", v)
}

// parseList reads oslo.config's ListOpt: comma-separated, spaces trimmed.
func parseList(v string) []string {
	out := []string{}
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
