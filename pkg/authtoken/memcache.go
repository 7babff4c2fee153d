package authtoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
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
	client *memcache.Client
	prot   protector
	now    func() time.Time
}

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
	c := memcache.New(o.Servers...)
	c.Timeout = 3 * time.Second
	if o.SocketTimeout > 0 {
		c.Timeout = o.SocketTimeout
	}
	c.MaxIdleConns = 10
	if o.MaxIdleConns > 0 {
		c.MaxIdleConns = o.MaxIdleConns
	}
	return &MemcacheCache{client: c, prot: protector{strategy: o.SecurityStrategy, secret: []byte(o.SecretKey)}, now: time.Now}, nil
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
	item, err := c.client.Get(key)
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
	if err := c.client.Set(&memcache.Item{Key: key, Value: value, Expiration: seconds}); err != nil {
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
	if err := c.client.Delete(c.Key(token)); err != nil && !errors.Is(err, memcache.ErrCacheMiss) {
		return fmt.Errorf("memcached delete: %w", err)
	}
	return nil
}
