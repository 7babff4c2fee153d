package authtoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// memcacheKeyPrefix keeps these entries apart from keystonemiddleware's
// ("tokens/…"): the value format differs, and a Python service sharing
// the memcached would otherwise read an entry it cannot parse as a refusal.
const memcacheKeyPrefix = "keystone-go/authtoken/"

// MemcacheCache is a Cache shared by a fleet of services through memcached
// (memcached_servers). Keys are derived from the token and values
// protected as memcache_security_strategy says; a value that fails its
// check is treated as absent.
type MemcacheCache struct {
	client    *memcache.Client
	servers   *memcache.ServerList
	prot      protector
	now       func() time.Time
	deadRetry time.Duration
	mu        sync.Mutex
	deadUntil map[string]time.Time // server address → when to try it again
}

// errServerDown is a lookup skipped because its server failed within
// memcache_pool_dead_retry: without it every request would wait for the
// socket timeout of a server that is gone.
var errServerDown = errors.New("memcached server marked down (memcache_pool_dead_retry)")

// MemcacheOptions are the memcache_* settings.
type MemcacheOptions struct {
	// Servers is memcached_servers: "host:port" each.
	Servers []string
	// SecurityStrategy is memcache_security_strategy (None by default).
	SecurityStrategy SecurityStrategy
	// SecretKey is memcache_secret_key, required with MAC or ENCRYPT.
	SecretKey string
	// SocketTimeout is memcache_pool_socket_timeout (3 s by default).
	SocketTimeout time.Duration
	// MaxIdleConns is memcache_pool_maxsize (10 by default).
	MaxIdleConns int
	// DeadRetry is memcache_pool_dead_retry: how long a server that failed
	// is left alone (its keys go to Keystone meanwhile); 300 s by default.
	DeadRetry time.Duration
}

// NewMemcacheCache connects lazily to the servers.
func NewMemcacheCache(o MemcacheOptions) (*MemcacheCache, error) {
	if len(o.Servers) == 0 {
		return nil, fmt.Errorf("%w: memcached_servers is empty", apierror.ErrInvalidConfig)
	}
	if o.SecurityStrategy == "" {
		o.SecurityStrategy = StrategyNone
	}
	if _, err := ParseSecurityStrategy(string(o.SecurityStrategy)); err != nil {
		return nil, err
	}
	if o.SecurityStrategy != StrategyNone && o.SecretKey == "" {
		return nil, fmt.Errorf("%w: memcache_secret_key must be set when memcache_security_strategy is %s",
			apierror.ErrInvalidConfig, o.SecurityStrategy)
	}
	servers := &memcache.ServerList{}
	if err := servers.SetServers(o.Servers...); err != nil {
		return nil, fmt.Errorf("%w: memcached_servers: %w", apierror.ErrInvalidConfig, err)
	}
	c := memcache.NewFromSelector(servers)
	c.Timeout = 3 * time.Second
	if o.SocketTimeout > 0 {
		c.Timeout = o.SocketTimeout
	}
	c.MaxIdleConns = 10
	if o.MaxIdleConns > 0 {
		c.MaxIdleConns = o.MaxIdleConns
	}
	deadRetry := 300 * time.Second
	if o.DeadRetry > 0 {
		deadRetry = o.DeadRetry
	}
	return &MemcacheCache{client: c, servers: servers, prot: protector{strategy: o.SecurityStrategy, secret: []byte(o.SecretKey)},
		now: time.Now, deadRetry: deadRetry, deadUntil: map[string]time.Time{}}, nil
}

// use runs op on the key unless the key's server is marked down, and marks
// it down when op fails for another reason than memcached's answer.
func (c *MemcacheCache) use(key string, op func() error) error {
	addr, err := c.servers.PickServer(key)
	if err != nil {
		return err
	}
	server := addr.String()
	c.mu.Lock()
	until, dead := c.deadUntil[server]
	c.mu.Unlock()
	if dead && c.now().Before(until) {
		return fmt.Errorf("%s: %w", server, errServerDown)
	}
	err = op()
	var netErr net.Error
	var connectErr *memcache.ConnectTimeoutError
	if errors.As(err, &netErr) || errors.As(err, &connectErr) || errors.Is(err, syscall.ECONNREFUSED) {
		c.mu.Lock()
		c.deadUntil[server] = c.now().Add(c.deadRetry)
		c.mu.Unlock()
	} else if dead {
		c.mu.Lock()
		delete(c.deadUntil, server)
		c.mu.Unlock()
	}
	return err
}

// storedEntry is an Entry on the wire: the token body as Keystone's
// validation answer has it, and the entry's times.
type storedEntry struct {
	Invalid     bool              `json:"invalid,omitempty"`
	ValidatedAt time.Time         `json:"validated_at"`
	Until       time.Time         `json:"until"`
	AuthURL     string            `json:"auth_url,omitempty"`
	Token       *identityv3.Token `json:"token,omitempty"`
}

// Get reads and checks the token's entry. A value that fails its MAC or
// does not decode is reported as absent (and the Validator asks Keystone).
func (c *MemcacheCache) Get(_ context.Context, token string) (Entry, bool, error) {
	key, keys := c.prot.key(memcacheKeyPrefix, token)
	var item *memcache.Item
	err := c.use(key, func() (err error) { item, err = c.client.Get(key); return err })
	if errors.Is(err, memcache.ErrCacheMiss) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("memcached get: %w", err)
	}
	data, err := c.prot.unprotect(keys, item.Value)
	if err != nil {
		return Entry{}, false, err
	}
	var s storedEntry
	if err := json.Unmarshal(data, &s); err != nil {
		return Entry{}, false, fmt.Errorf("%w: %v", errTampered, err)
	}
	if !c.now().Before(s.Until) {
		return Entry{}, false, nil
	}
	e := Entry{Invalid: s.Invalid, ValidatedAt: s.ValidatedAt, Until: s.Until}
	if !s.Invalid {
		if s.Token == nil {
			return Entry{}, false, errTampered
		}
		body, err := json.Marshal(struct {
			Token *identityv3.Token `json:"token"`
		}{s.Token})
		if err != nil {
			return Entry{}, false, err
		}
		if e.Access, err = auth.AccessInfoFromBody(token, body, s.AuthURL); err != nil {
			return Entry{}, false, err
		}
	}
	return e, true, nil
}

// Set stores the entry with a memcached expiry that ends no earlier than
// Until (whole seconds, rounded up); Get checks Until itself.
func (c *MemcacheCache) Set(_ context.Context, token string, e Entry) error {
	ttl := e.Until.Sub(c.now())
	if ttl <= 0 {
		return nil
	}
	s := storedEntry{Invalid: e.Invalid, ValidatedAt: e.ValidatedAt, Until: e.Until}
	if e.Access != nil {
		if e.Access.Body == nil {
			return fmt.Errorf("%w: only Identity v3 tokens are cached in memcached", apierror.ErrValidation)
		}
		s.Token, s.AuthURL = e.Access.Body, e.Access.AuthURL
	}
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	key, keys := c.prot.key(memcacheKeyPrefix, token)
	value, err := c.prot.protect(keys, data)
	if err != nil {
		return err
	}
	// memcached reads an expiry above 30 days as a Unix time; token_cache_time
	// is far below that.
	seconds := int32(min(math.Ceil(ttl.Seconds()), 30*24*3600))
	if err := c.use(key, func() error {
		return c.client.Set(&memcache.Item{Key: key, Value: value, Expiration: seconds})
	}); err != nil {
		return fmt.Errorf("memcached set: %w", err)
	}
	return nil
}

// Key is the memcached key of a token's entry: derived from the token (and
// the secret key under MAC and ENCRYPT), never the token itself. An
// operator can look an entry up or delete it by it.
func (c *MemcacheCache) Key(token string) string {
	key, _ := c.prot.key(memcacheKeyPrefix, token)
	return key
}

// Delete removes a token's entry, so that every service sharing the cache
// asks Keystone again about it (a token known to be revoked).
func (c *MemcacheCache) Delete(_ context.Context, token string) error {
	key := c.Key(token)
	if err := c.use(key, func() error { return c.client.Delete(key) }); err != nil && !errors.Is(err, memcache.ErrCacheMiss) {
		return fmt.Errorf("memcached delete: %w", err)
	}
	return nil
}
