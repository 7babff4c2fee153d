package authtoken

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Vectors from keystonemiddleware 10.1's _memcache_crypt (derive_keys,
// get_cache_key, protect_data) for token "tok-123", secret "sekrit".
func TestProtectorMatchesKeystonemiddleware(t *testing.T) {
	data := []byte(`{"hello": "world"}`)
	for _, tc := range []struct {
		strategy   SecurityStrategy
		key, value string
	}{
		{StrategyMAC, "EWGpbrq2zW9Jy82/S/jWWw==",
			"jwCxocCpAMgn0O1OJYQCXwYIUn6kqNB7G7EvK/MYJa7QrVrdbTJmDAphRUKxzWZMeyJoZWxsbyI6ICJ3b3JsZCJ9"},
		{StrategyEncrypt, "50nOl24++E+3H6JK+bYCQQ==",
			"QY6nP2l3BrrG30QITtQwiZf2mFYymmEfOD7rYzUtOFRq34KgjuUUEslbjO8Ip+0tEhVlk5FqqvvRmAqNE84ddqUuOzNoo66cqFOdQ2YjkdzVmDctnypt9NaSAmbYLphI"},
	} {
		t.Run(string(tc.strategy), func(t *testing.T) {
			p := protector{strategy: tc.strategy, secret: []byte("sekrit")}
			key, keys := p.key("tokens/", "tok-123")
			assert.Equal(t, "tokens/"+tc.key, key)

			// Python's value opens here...
			got, err := p.unprotect(keys, []byte(tc.value))
			require.NoError(t, err)
			assert.Equal(t, data, got)

			// ...and ours round-trips; MAC is deterministic and equal to Python's.
			mine, err := p.protect(keys, data)
			require.NoError(t, err)
			if tc.strategy == StrategyMAC {
				assert.Equal(t, tc.value, string(mine))
			} else {
				assert.NotContains(t, string(mine), "hello")
			}
			back, err := p.unprotect(keys, mine)
			require.NoError(t, err)
			assert.Equal(t, data, back)

			// A flipped byte anywhere, another secret or another token's keys fail.
			tampered := []byte(tc.value)
			tampered[len(tampered)-3] ^= 1
			_, err = p.unprotect(keys, tampered)
			require.ErrorIs(t, err, errTampered)
			_, otherKeys := protector{strategy: tc.strategy, secret: []byte("other")}.key("tokens/", "tok-123")
			_, err = p.unprotect(otherKeys, []byte(tc.value))
			require.ErrorIs(t, err, errTampered)
			_, err = p.unprotect(keys, []byte("short"))
			require.ErrorIs(t, err, errTampered)
		})
	}
}

func TestProtectorNoneHashesTheToken(t *testing.T) {
	p := protector{strategy: StrategyNone}
	key, keys := p.key("tokens/", "tok-123")
	assert.NotContains(t, key, "tok-123")
	assert.Len(t, key, len("tokens/")+64)
	v, err := p.protect(keys, []byte("x"))
	require.NoError(t, err)
	assert.Equal(t, "x", string(v))
}

func TestParseSecurityStrategy(t *testing.T) {
	for in, want := range map[string]SecurityStrategy{"": StrategyNone, "none": StrategyNone, "mac": StrategyMAC, "Encrypt": StrategyEncrypt} {
		got, err := ParseSecurityStrategy(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := ParseSecurityStrategy("AES")
	require.Error(t, err)
}

// Whatever a cache holds under a token's key, unprotect returns the data
// that was protected or errTampered: never a panic, never other data.
func FuzzUnprotect(f *testing.F) {
	f.Add([]byte(`{"a":1}`), []byte("garbage"), uint8(0))
	f.Add([]byte(""), []byte(""), uint8(1))
	f.Fuzz(func(t *testing.T, data, stored []byte, flip uint8) {
		for _, s := range []SecurityStrategy{StrategyMAC, StrategyEncrypt} {
			p := protector{strategy: s, secret: []byte("k")}
			_, keys := p.key("p/", "tok")
			if _, err := p.unprotect(keys, stored); err == nil && len(stored) < macLen {
				t.Fatalf("%s: accepted %q", s, stored)
			}
			v, err := p.protect(keys, data)
			if err != nil {
				t.Fatal(err)
			}
			back, err := p.unprotect(keys, v)
			if err != nil || !bytes.Equal(back, data) {
				t.Fatalf("%s: round trip: %v", s, err)
			}
			v[int(flip)%len(v)] ^= 0x01
			if back, err := p.unprotect(keys, v); err == nil && !bytes.Equal(back, data) {
				t.Fatalf("%s: a changed value opened as other data", s)
			}
		}
	})
}
