package authtoken

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

var (
	// ErrInvalidToken is a token Keystone refused (unknown, revoked,
	// expired), or that the middleware refuses (access rules, bind): the
	// caller gets 401.
	ErrInvalidToken = errors.New("authtoken: invalid token")
	// ErrUnavailable is a validation that could not be made: Keystone
	// unreachable, failing, or refusing the service's own credentials. The
	// caller gets 503, never 401: the token may well be valid.
	ErrUnavailable = errors.New("authtoken: Keystone is unavailable")
)

// Default times, keystonemiddleware's where it has them.
const (
	DefaultTokenCacheTime    = 300 * time.Second
	DefaultNegativeCacheTime = 10 * time.Second
	DefaultValidationTimeout = 30 * time.Second
)

// Metrics are hooks the Validator calls; any may be nil. They are called
// on the request's goroutine (Validation on the one that asked Keystone)
// and must not block.
type Metrics struct {
	// Validation follows each request to Keystone: outcome is "valid",
	// "invalid" or "error".
	Validation func(outcome string, elapsed time.Duration)
	// CacheHit and CacheMiss follow each cache lookup.
	CacheHit  func()
	CacheMiss func()
	// CacheError is a cache that failed (memcached down, a value that
	// fails its MAC); the lookup counts as a miss.
	CacheError func(err error)
	// KeystoneError is a validation that failed for another reason than
	// the token (ErrUnavailable).
	KeystoneError func(err error)
}

// Validator validates tokens with the service's own session and caches
// the answers. It is safe for concurrent use; make one per service.
type Validator struct {
	client  *identity.Client
	cfg     Config
	cache   Cache // nil: no caching
	group   singleflight.Group
	logger  *slog.Logger
	metrics Metrics
	now     func() time.Time

	idOpts []identity.Option // for New

	warnOnce sync.Once // the service-token role warning
	wwwMu    sync.Mutex
	wwwURI   string
}

// Option configures a Validator.
type Option func(*Validator)

// WithCache replaces the cache the Config chooses (memcached with
// MemcachedServers, an in-process LRU otherwise).
func WithCache(c Cache) Option { return func(v *Validator) { v.cache = c } }

// WithLogger sets the logger (slog.Default() otherwise). Tokens appear in
// it only as {SHA256} hashes.
func WithLogger(l *slog.Logger) Option { return func(v *Validator) { v.logger = l } }

// WithMetrics sets the metrics hooks.
func WithMetrics(m Metrics) Option { return func(v *Validator) { v.metrics = m } }

// WithIdentityOptions refine how New finds the identity endpoint it
// validates with (identity.WithEndpoint to bypass the catalog, ...).
func WithIdentityOptions(opts ...identity.Option) Option {
	return func(v *Validator) { v.idOpts = append(v.idOpts, opts...) }
}

// WithClock sets the clock the cache times are read from (tests).
func WithClock(now func() time.Time) Option { return func(v *Validator) { v.now = now } }

// New makes a Validator that validates with sess, the service's own
// session (any auth plugin; Config.Session builds one from the
// [keystone_authtoken] options). Interface and RegionName choose the
// identity endpoint of its catalog (WithIdentityOptions refines that).
func New(sess *auth.Session, cfg Config, opts ...Option) (*Validator, error) {
	var probe Validator
	for _, o := range opts {
		o(&probe)
	}
	var base []identity.Option
	if cfg.Interface != "" {
		base = append(base, identity.WithInterface(cfg.Interface))
	}
	if cfg.RegionName != "" {
		base = append(base, identity.WithRegion(cfg.RegionName))
	}
	client, err := identity.NewV3(sess, append(base, probe.idOpts...)...)
	if err != nil {
		return nil, err
	}
	return NewWithClient(client, cfg, opts...)
}

// FromCloud makes a Validator whose session is a cloud of clouds.yaml (or
// OS_CLOUD, or the OS_* variables, as identity.FromCloud finds it).
func FromCloud(ctx context.Context, cloud string, cfg Config, opts ...Option) (*Validator, error) {
	_, client, err := identity.FromCloud(ctx, cloud)
	if err != nil {
		return nil, err
	}
	return NewWithClient(client, cfg, opts...)
}

// NewWithClient makes a Validator on an identity client.
func NewWithClient(client *identity.Client, cfg Config, opts ...Option) (*Validator, error) {
	if cfg.TokenCacheTime == 0 {
		cfg.TokenCacheTime = DefaultTokenCacheTime
	}
	if cfg.NegativeCacheTime == 0 {
		cfg.NegativeCacheTime = DefaultNegativeCacheTime
	}
	cfg.NegativeCacheTime = min(cfg.NegativeCacheTime, cfg.TokenCacheTime)
	if cfg.HTTPConnectTimeout <= 0 {
		cfg.HTTPConnectTimeout = DefaultValidationTimeout
	}
	if cfg.ServiceTokenRoles == nil {
		cfg.ServiceTokenRoles = []string{"service"}
	}
	switch cfg.EnforceTokenBind {
	case "":
		cfg.EnforceTokenBind = "permissive"
	case "permissive", "disabled":
	default:
		return nil, fmt.Errorf("%w: enforce_token_bind %q is not supported (permissive or disabled)",
			apierror.ErrInvalidConfig, cfg.EnforceTokenBind)
	}
	v := &Validator{client: client, cfg: cfg, logger: slog.Default(), now: time.Now}
	if cfg.TokenCacheTime > 0 {
		if len(cfg.MemcachedServers) > 0 {
			mc, err := NewMemcacheCache(MemcacheOptions{Servers: cfg.MemcachedServers,
				SecurityStrategy: cfg.MemcacheSecurityStrategy, SecretKey: cfg.MemcacheSecretKey,
				SocketTimeout: cfg.MemcachePoolSocketTimeout, MaxIdleConns: cfg.MemcachePoolMaxsize})
			if err != nil {
				return nil, err
			}
			v.cache = mc
		} else {
			v.cache = NewMemoryCache(cfg.TokenCacheSize)
		}
	}
	for _, o := range opts {
		o(v)
	}
	if cfg.TokenCacheTime < 0 {
		v.cache = nil
	}
	if cfg.WWWAuthenticateURI == "" {
		v.logger.Warn("authtoken: www_authenticate_uri is not set; refused clients are sent to the identity endpoint the service validates with")
	}
	return v, nil
}

// Config is the configuration in force, defaults filled in.
func (v *Validator) Config() Config { return v.cfg }

// ValidateOption refines one validation.
type ValidateOption func(*validateOpts)

type validateOpts struct{ allowExpired bool }

// AllowExpired accepts a token that expired within Keystone's [token]
// allow_expired_window (GET /v3/auth/tokens?allow_expired=1): what a
// request that also carries a service token with a service role may do.
func AllowExpired() ValidateOption { return func(o *validateOpts) { o.allowExpired = true } }

// Validate returns what Keystone says of token, from the cache when it
// can. An error matches ErrInvalidToken (the caller should get 401) or
// ErrUnavailable (503), or is the context's.
//
// Caching: a valid token is served from the cache for at most
// token_cache_time and never past its expiry; a refused one stays refused
// for negative_cache_time; one request to Keystone is made per token
// however many callers wait for it. The cost is revocation: a token
// revoked in Keystone stays accepted while its answer is cached
// (RevalidateInterval shortens that without giving up the cache while
// Keystone is unreachable).
func (v *Validator) Validate(ctx context.Context, token string, opts ...ValidateOption) (*auth.AccessInfo, error) {
	var o validateOpts
	for _, opt := range opts {
		opt(&o)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, fmt.Errorf("%w: no token", ErrInvalidToken)
	}
	var stale *auth.AccessInfo
	if v.cache != nil {
		e, ok, err := v.cache.Get(ctx, token)
		if err != nil {
			v.logger.WarnContext(ctx, "authtoken: token cache failed", "token", redact.Hash(token), "error", err)
			call1(v.metrics.CacheError, err)
		}
		now := v.now()
		switch {
		case !ok || !now.Before(e.Until):
			call0(v.metrics.CacheMiss)
		case e.Invalid && o.allowExpired:
			// Refused without allow_expired; with it Keystone may say more.
			call0(v.metrics.CacheMiss)
		case e.Invalid:
			call0(v.metrics.CacheHit)
			return nil, fmt.Errorf("%w: refused by Keystone (cached)", ErrInvalidToken)
		case v.cfg.RevalidateInterval > 0 && now.Sub(e.ValidatedAt) >= v.cfg.RevalidateInterval:
			call0(v.metrics.CacheMiss)
			stale = e.Access
		default:
			call0(v.metrics.CacheHit)
			return v.check(e.Access, o)
		}
	}
	a, err := v.fetch(ctx, token, o.allowExpired)
	if err != nil {
		if stale != nil && errors.Is(err, ErrUnavailable) {
			v.logger.WarnContext(ctx, "authtoken: Keystone unavailable; serving the cached validation",
				"token", redact.Hash(token), "error", err)
			return v.check(stale, o)
		}
		return nil, err
	}
	return v.check(a, o)
}

// check applies what the middleware itself decides of a token Keystone
// described: expiry (unless allowed) and bind.
func (v *Validator) check(a *auth.AccessInfo, o validateOpts) (*auth.AccessInfo, error) {
	if !o.allowExpired && !a.ExpiresAt.IsZero() && !v.now().Before(a.ExpiresAt) {
		return nil, fmt.Errorf("%w: expired at %s", ErrInvalidToken, a.ExpiresAt.Format(time.RFC3339))
	}
	if v.cfg.EnforceTokenBind == "permissive" {
		if _, ok := a.Bind()["kerberos"]; ok {
			return nil, fmt.Errorf("%w: the token is bound to Kerberos credentials this request did not present", ErrInvalidToken)
		}
	}
	return a, nil
}

// fetch asks Keystone, once per token and mode however many callers wait;
// each caller stops waiting when its own context ends.
func (v *Validator) fetch(ctx context.Context, token string, allowExpired bool) (*auth.AccessInfo, error) {
	sum := sha256.Sum256([]byte(token))
	key := hex.EncodeToString(sum[:])
	if allowExpired {
		key += "/allow_expired"
	}
	ch := v.group.DoChan(key, func() (any, error) {
		// The flight outlives the request that started it: the others
		// waiting must not fail because the first one went away.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), v.cfg.HTTPConnectTimeout)
		defer cancel()
		return v.ask(fctx, token, allowExpired)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*auth.AccessInfo), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (v *Validator) ask(ctx context.Context, token string, allowExpired bool) (*auth.AccessInfo, error) {
	opts := []identity.ValidateOption{identity.EnforcingAccessRules(AccessRulesVersion)}
	if !v.cfg.IncludeServiceCatalog {
		opts = append(opts, identity.WithoutCatalog())
	}
	if allowExpired {
		opts = append(opts, identity.AllowExpired())
	}
	start := v.now()
	a, err := v.client.ValidateAccessInfo(ctx, token, opts...)
	now := v.now()
	elapsed := now.Sub(start)
	switch {
	case err == nil:
		call2(v.metrics.Validation, "valid", elapsed)
		until := now.Add(v.cfg.TokenCacheTime)
		if !a.ExpiresAt.IsZero() && a.ExpiresAt.Before(until) {
			until = a.ExpiresAt
		}
		v.store(ctx, token, Entry{Access: a, ValidatedAt: now, Until: until})
		v.logger.DebugContext(ctx, "authtoken: token validated", "token", redact.Hash(token),
			"user_id", a.UserID(), "project_id", a.ProjectID(), "elapsed", elapsed)
		return a, nil
	case errors.Is(err, apierror.ErrNotFound):
		call2(v.metrics.Validation, "invalid", elapsed)
		v.store(ctx, token, Entry{Invalid: true, ValidatedAt: now, Until: now.Add(v.cfg.NegativeCacheTime)})
		v.logger.InfoContext(ctx, "authtoken: token refused by Keystone", "token", redact.Hash(token),
			"allow_expired", allowExpired)
		return nil, fmt.Errorf("%w: refused by Keystone", ErrInvalidToken)
	default:
		call2(v.metrics.Validation, "error", elapsed)
		call1(v.metrics.KeystoneError, err)
		v.logger.ErrorContext(ctx, "authtoken: unable to validate token", "token", redact.Hash(token), "error", err)
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
}

func (v *Validator) store(ctx context.Context, token string, e Entry) {
	if v.cache == nil || !e.ValidatedAt.Before(e.Until) || e.Invalid && v.cfg.NegativeCacheTime < 0 {
		return
	}
	if err := v.cache.Set(ctx, token, e); err != nil {
		v.logger.WarnContext(ctx, "authtoken: token cache failed", "token", redact.Hash(token), "error", err)
		call1(v.metrics.CacheError, err)
	}
}

// wwwAuthenticate is the WWW-Authenticate value of a 401.
func (v *Validator) wwwAuthenticate(ctx context.Context) string {
	v.wwwMu.Lock()
	defer v.wwwMu.Unlock()
	if v.wwwURI == "" {
		v.wwwURI = v.cfg.WWWAuthenticateURI
	}
	if v.wwwURI == "" {
		v.wwwURI, _ = v.client.Endpoint(ctx) // known once the session has a catalog
	}
	return fmt.Sprintf("Keystone uri=%q", v.wwwURI)
}

// hasServiceRole applies service_token_roles (any of them).
func (v *Validator) hasServiceRole(a *auth.AccessInfo) bool {
	return slices.ContainsFunc(a.RoleNames(), func(r string) bool { return slices.Contains(v.cfg.ServiceTokenRoles, r) })
}

func call0(f func()) {
	if f != nil {
		f()
	}
}

func call1[T any](f func(T), a T) {
	if f != nil {
		f(a)
	}
}

func call2[T, U any](f func(T, U), a T, b U) {
	if f != nil {
		f(a, b)
	}
}
