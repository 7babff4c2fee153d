package transport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTokenBucket(t *testing.T) {
	now := time.Unix(0, 0)
	b := newTokenBucket(10, 3)
	b.now = func() time.Time { return now }
	for range 3 {
		assert.Zero(t, b.reserve(), "the burst is free")
	}
	assert.Equal(t, 100*time.Millisecond, b.reserve())
	assert.Equal(t, 200*time.Millisecond, b.reserve(), "waiters queue up")
	now = now.Add(time.Second)
	assert.Zero(t, b.reserve(), "a second refills 10 tokens, capped at the burst")
	b.cancel()
	assert.Zero(t, b.reserve())
}
