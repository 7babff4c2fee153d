package authtoken_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/authtoken"
)

func TestValidatorCachesWithinTokenCacheTime(t *testing.T) {
	k := newFakeKeystone(t)
	c := newClock()
	k.set("tok", fakeToken{body: tokenBody("alice", "demo", []string{"member"}, c.now().Add(time.Hour), "")})
	var hits, misses atomic.Int32
	v := newValidator(t, k, authtoken.DefaultConfig(), authtoken.WithClock(c.now), authtoken.WithMetrics(authtoken.Metrics{
		CacheHit: func() { hits.Add(1) }, CacheMiss: func() { misses.Add(1) }}))

	for range 3 {
		a, err := v.Validate(context.Background(), "tok")
		require.NoError(t, err)
		assert.Equal(t, "alice-id", a.UserID())
	}
	assert.EqualValues(t, 1, k.validations.Load())
	assert.EqualValues(t, 2, hits.Load())
	assert.EqualValues(t, 1, misses.Load())
	assert.Equal(t, "1.0", k.lastRules.Load(), "the validation says access rules are enforced")

	// Past token_cache_time (300 s) Keystone is asked again.
	c.advance(301 * time.Second)
	_, err := v.Validate(context.Background(), "tok")
	require.NoError(t, err)
	assert.EqualValues(t, 2, k.validations.Load())
}

func TestValidatorNeverCachesPastExpiry(t *testing.T) {
	k := newFakeKeystone(t)
	c := newClock()
	k.set("tok", fakeToken{body: tokenBody("alice", "demo", nil, c.now().Add(30*time.Second), "")})
	v := newValidator(t, k, authtoken.DefaultConfig(), authtoken.WithClock(c.now))
	_, err := v.Validate(context.Background(), "tok")
	require.NoError(t, err)

	c.advance(31 * time.Second) // cache time left, token expired
	k.set("tok", fakeToken{body: tokenBody("alice", "demo", nil, c.now().Add(-time.Second), ""), expired: true})
	_, err = v.Validate(context.Background(), "tok")
	require.ErrorIs(t, err, authtoken.ErrInvalidToken)
	assert.EqualValues(t, 2, k.validations.Load())
}

func TestValidatorNegativeCache(t *testing.T) {
	k := newFakeKeystone(t)
	c := newClock()
	v := newValidator(t, k, authtoken.DefaultConfig(), authtoken.WithClock(c.now))
	for range 3 {
		_, err := v.Validate(context.Background(), "bogus")
		require.ErrorIs(t, err, authtoken.ErrInvalidToken)
	}
	assert.EqualValues(t, 1, k.validations.Load())

	// allow_expired is not answered from a refusal without it.
	_, err := v.Validate(context.Background(), "bogus", authtoken.AllowExpired())
	require.ErrorIs(t, err, authtoken.ErrInvalidToken)
	assert.EqualValues(t, 2, k.validations.Load())
	assert.Contains(t, k.lastQuery.Load(), "allow_expired=true")

	c.advance(authtoken.DefaultNegativeCacheTime + time.Second)
	_, err = v.Validate(context.Background(), "bogus")
	require.ErrorIs(t, err, authtoken.ErrInvalidToken)
	assert.EqualValues(t, 3, k.validations.Load())
}

func TestValidatorAllowExpired(t *testing.T) {
	k := newFakeKeystone(t)
	k.set("old", fakeToken{body: tokenBody("alice", "demo", nil, time.Now().Add(-time.Minute), ""), expired: true})
	v := newValidator(t, k, authtoken.DefaultConfig())
	_, err := v.Validate(context.Background(), "old")
	require.ErrorIs(t, err, authtoken.ErrInvalidToken)
	a, err := v.Validate(context.Background(), "old", authtoken.AllowExpired())
	require.NoError(t, err)
	assert.Equal(t, "alice-id", a.UserID())
	// The expired answer is not cached: without allow_expired it is refused.
	_, err = v.Validate(context.Background(), "old")
	require.ErrorIs(t, err, authtoken.ErrInvalidToken)
}

func TestValidatorOneValidationPerToken(t *testing.T) {
	k := newFakeKeystone(t)
	k.set("tok", fakeToken{body: tokenBody("alice", "demo", nil, time.Now().Add(time.Hour), "")})
	gate := make(chan struct{})
	k.gate = gate
	v := newValidator(t, k, authtoken.DefaultConfig())

	const n = 50
	var wg sync.WaitGroup
	var ok atomic.Int32
	for range n {
		wg.Go(func() {
			if a, err := v.Validate(context.Background(), "tok"); err == nil && a.UserID() == "alice-id" {
				ok.Add(1)
			}
		})
	}
	// Let the first validation reach Keystone, then release it.
	require.Eventually(t, func() bool { return k.validations.Load() == 1 }, 10*time.Second, time.Millisecond)
	close(gate)
	wg.Wait()
	assert.EqualValues(t, n, ok.Load())
	assert.EqualValues(t, 1, k.validations.Load())
}

func TestValidatorCallerGivesUpAlone(t *testing.T) {
	k := newFakeKeystone(t)
	k.set("tok", fakeToken{body: tokenBody("alice", "demo", nil, time.Now().Add(time.Hour), "")})
	gate := make(chan struct{})
	k.gate = gate
	v := newValidator(t, k, authtoken.DefaultConfig())

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := v.Validate(ctx, "tok"); errc <- err }()
	require.Eventually(t, func() bool { return k.validations.Load() == 1 }, 10*time.Second, time.Millisecond)
	done := make(chan error, 1)
	go func() { _, err := v.Validate(context.Background(), "tok"); done <- err }()
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	close(gate)
	require.NoError(t, <-done, "the flight outlives the caller that started it")
	assert.EqualValues(t, 1, k.validations.Load())
}

func TestValidatorKeystoneDown(t *testing.T) {
	k := newFakeKeystone(t)
	k.set("cached", fakeToken{body: tokenBody("alice", "demo", nil, time.Now().Add(time.Hour), "")})
	k.set("new", fakeToken{body: tokenBody("bob", "demo", nil, time.Now().Add(time.Hour), "")})
	var keystoneErrors atomic.Int32
	v := newValidator(t, k, authtoken.DefaultConfig(), authtoken.WithMetrics(authtoken.Metrics{
		KeystoneError: func(error) { keystoneErrors.Add(1) }}))
	_, err := v.Validate(context.Background(), "cached")
	require.NoError(t, err)

	k.down.Store(true)
	_, err = v.Validate(context.Background(), "cached")
	require.NoError(t, err, "a cached token is served while Keystone is away")
	_, err = v.Validate(context.Background(), "new")
	require.ErrorIs(t, err, authtoken.ErrUnavailable)
	require.NotErrorIs(t, err, authtoken.ErrInvalidToken)
	assert.EqualValues(t, 1, keystoneErrors.Load())

	k.down.Store(false)
	a, err := v.Validate(context.Background(), "new")
	require.NoError(t, err, "recovered without a restart")
	assert.Equal(t, "bob-id", a.UserID())
}

func TestValidatorRevalidateInterval(t *testing.T) {
	k := newFakeKeystone(t)
	c := newClock()
	k.set("tok", fakeToken{body: tokenBody("alice", "demo", nil, c.now().Add(time.Hour), "")})
	cfg := authtoken.DefaultConfig()
	cfg.RevalidateInterval = time.Minute
	v := newValidator(t, k, cfg, authtoken.WithClock(c.now))
	_, err := v.Validate(context.Background(), "tok")
	require.NoError(t, err)

	c.advance(61 * time.Second)
	k.down.Store(true)
	_, err = v.Validate(context.Background(), "tok")
	require.NoError(t, err, "the cached answer is served while Keystone cannot be asked")

	k.down.Store(false)
	k.revoke("tok")
	_, err = v.Validate(context.Background(), "tok")
	require.ErrorIs(t, err, authtoken.ErrInvalidToken, "revoked: refused once revalidated")
	_, err = v.Validate(context.Background(), "tok")
	require.ErrorIs(t, err, authtoken.ErrInvalidToken, "and the refusal is what is cached now")
}

func TestValidatorWithoutCache(t *testing.T) {
	k := newFakeKeystone(t)
	k.set("tok", fakeToken{body: tokenBody("alice", "demo", nil, time.Now().Add(time.Hour), "")})
	cfg := authtoken.DefaultConfig()
	cfg.TokenCacheTime = -1
	v := newValidator(t, k, cfg)
	for range 2 {
		_, err := v.Validate(context.Background(), "tok")
		require.NoError(t, err)
	}
	assert.EqualValues(t, 2, k.validations.Load())
}

func TestValidatorBind(t *testing.T) {
	k := newFakeKeystone(t)
	k.set("krb", fakeToken{body: tokenBody("alice", "demo", nil, time.Now().Add(time.Hour), `"bind":{"kerberos":"alice@REALM"}`)})
	k.set("other", fakeToken{body: tokenBody("bob", "demo", nil, time.Now().Add(time.Hour), `"bind":{"x509":"cn"}`)})
	v := newValidator(t, k, authtoken.DefaultConfig())
	_, err := v.Validate(context.Background(), "krb")
	require.ErrorIs(t, err, authtoken.ErrInvalidToken)
	_, err = v.Validate(context.Background(), "other")
	require.NoError(t, err, "permissive ignores bind types it does not know")

	cfg := authtoken.DefaultConfig()
	cfg.EnforceTokenBind = "disabled"
	_, err = newValidator(t, k, cfg).Validate(context.Background(), "krb")
	require.NoError(t, err)
}

func TestMemoryCacheIsBounded(t *testing.T) {
	c := authtoken.NewMemoryCache(2)
	until := time.Now().Add(time.Hour)
	for _, tok := range []string{"a", "b", "c"} {
		require.NoError(t, c.Set(context.Background(), tok, authtoken.Entry{Invalid: true, ValidatedAt: time.Now(), Until: until}))
	}
	assert.Equal(t, 2, c.Len())
	_, ok, _ := c.Get(context.Background(), "a")
	assert.False(t, ok, "the least recently used entry went")
	_, ok, _ = c.Get(context.Background(), "c")
	assert.True(t, ok)
	require.NoError(t, c.Set(context.Background(), "old", authtoken.Entry{Invalid: true, Until: time.Now().Add(-time.Second)}))
	_, ok, _ = c.Get(context.Background(), "old")
	assert.False(t, ok, "an entry past its Until is never returned")
}
