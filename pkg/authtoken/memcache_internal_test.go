package authtoken

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A server that refuses connections is left alone for DeadRetry: the
// lookups in between fail at once instead of dialling again.
func TestMemcacheServerMarkedDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now

	c, err := NewMemcacheCache(MemcacheOptions{Servers: []string{addr}, DeadRetry: time.Minute})
	require.NoError(t, err)
	now := time.Now()
	c.now = func() time.Time { return now }
	ctx := context.Background()

	_, ok, err := c.Get(ctx, "tok")
	require.Error(t, err)
	assert.False(t, ok)
	assert.False(t, errors.Is(err, errServerDown), "the first failure dials: %v", err)

	_, _, err = c.Get(ctx, "tok")
	require.ErrorIs(t, err, errServerDown)
	require.ErrorIs(t, c.Set(ctx, "tok", Entry{Invalid: true, ValidatedAt: now, Until: now.Add(time.Hour)}), errServerDown)

	now = now.Add(61 * time.Second)
	_, _, err = c.Get(ctx, "tok")
	require.Error(t, err)
	assert.False(t, errors.Is(err, errServerDown), "tried again after DeadRetry: %v", err)
}

func TestNewMemcacheCacheRefuses(t *testing.T) {
	for name, o := range map[string]MemcacheOptions{
		"no servers":   {},
		"no secret":    {Servers: []string{"127.0.0.1:11211"}, SecurityStrategy: StrategyMAC},
		"bad strategy": {Servers: []string{"127.0.0.1:11211"}, SecurityStrategy: "AES"},
		"bad server":   {Servers: []string{"no-port"}},
	} {
		_, err := NewMemcacheCache(o)
		assert.Error(t, err, name)
	}
}
