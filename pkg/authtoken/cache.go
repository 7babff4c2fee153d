package authtoken

import (
	"context"
	"crypto/sha256"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/keystone-go/keystone/pkg/auth"
)

// Entry is what a Cache holds for one token: Keystone's answer, or that
// the token was refused.
type Entry struct {
	// Access is the validated token; nil when Invalid.
	Access *auth.AccessInfo
	// Invalid marks a token Keystone refused (the negative cache).
	Invalid bool
	// ValidatedAt is when Keystone last confirmed the answer.
	ValidatedAt time.Time
	// Until is when the entry stops being usable: at most token_cache_time
	// after ValidatedAt and never after the token expires. A cache must not
	// return an entry past Until (the Validator checks again anyway).
	Until time.Time
}

// Cache stores validation outcomes by token. Implementations never keep
// the token itself as a key (only a hash or a key derived from it), are
// safe for concurrent use, and report a failure of the cache itself as an
// error: the Validator then asks Keystone, as if the entry were absent.
type Cache interface {
	Get(ctx context.Context, token string) (Entry, bool, error)
	Set(ctx context.Context, token string, e Entry) error
}

// MemoryCache is the default Cache: a bounded in-process LRU keyed by the
// SHA-256 of the token.
type MemoryCache struct {
	lru *lru.Cache[[sha256.Size]byte, Entry]
	now func() time.Time
}

// DefaultMemoryCacheSize bounds the in-process cache (entries, not bytes):
// a token with a catalog is a few kilobytes.
const DefaultMemoryCacheSize = 10000

// NewMemoryCache makes an LRU of at most size entries (size <= 0:
// DefaultMemoryCacheSize).
func NewMemoryCache(size int) *MemoryCache {
	if size <= 0 {
		size = DefaultMemoryCacheSize
	}
	c, _ := lru.New[[sha256.Size]byte, Entry](size) // fails only for size <= 0
	return &MemoryCache{lru: c, now: time.Now}
}

// Get returns the token's entry unless it has passed its Until.
func (c *MemoryCache) Get(_ context.Context, token string) (Entry, bool, error) {
	k := sha256.Sum256([]byte(token))
	e, ok := c.lru.Get(k)
	if !ok {
		return Entry{}, false, nil
	}
	if !c.now().Before(e.Until) {
		c.lru.Remove(k)
		return Entry{}, false, nil
	}
	return e, true, nil
}

// Set stores the entry until its Until.
func (c *MemoryCache) Set(_ context.Context, token string, e Entry) error {
	c.lru.Add(sha256.Sum256([]byte(token)), e)
	return nil
}

// Len is the number of entries held (some may have passed their Until).
func (c *MemoryCache) Len() int { return c.lru.Len() }
