package authtoken

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// SecurityStrategy is memcache_security_strategy: how cached values are
// protected in a shared cache.
type SecurityStrategy string

const (
	// StrategyNone stores values as they are, under the SHA-256 of the token.
	StrategyNone SecurityStrategy = "None"
	// StrategyMAC signs values (HMAC-SHA384), so a cache writer cannot
	// forge a validation.
	StrategyMAC SecurityStrategy = "MAC"
	// StrategyEncrypt encrypts values (AES-CBC) and then signs them, so a
	// reader of the cache learns nothing of the tokens.
	StrategyEncrypt SecurityStrategy = "ENCRYPT"
)

// ParseSecurityStrategy reads memcache_security_strategy, in any case, as
// keystonemiddleware does; "" is None.
func ParseSecurityStrategy(s string) (SecurityStrategy, error) {
	switch strings.ToUpper(s) {
	case "", "NONE":
		return StrategyNone, nil
	case "MAC":
		return StrategyMAC, nil
	case "ENCRYPT":
		return StrategyEncrypt, nil
	}
	return "", fmt.Errorf("%w: memcache_security_strategy %q: want None, MAC or ENCRYPT", apierror.ErrInvalidConfig, s)
}

// errTampered is a cached value whose MAC does not verify (or that does
// not decrypt): it is treated as absent.
var errTampered = errors.New("authtoken: cached value failed its integrity check")

// protector derives cache keys and protects values exactly as
// keystonemiddleware's _memcache_crypt does, per token:
// HMAC-SHA384(secret, token ‖ strategy) split into three 16-byte keys for
// the cache key, the MAC and AES-128; a value is
// base64(HMAC-SHA384(mac key, base64(data))) ‖ base64(data), where data is
// iv ‖ AES-CBC(PKCS#7) under ENCRYPT. The memcached key is
// prefix + base64(cache key) (prefix + hex SHA-256 of the token with
// StrategyNone), so the token itself is never stored.
type protector struct {
	strategy SecurityStrategy
	secret   []byte
}

type derivedKeys struct{ cacheKey, mac, enc []byte }

func (p protector) derive(token string) derivedKeys {
	m := hmac.New(sha512.New384, p.secret)
	m.Write([]byte(token))
	m.Write([]byte(p.strategy))
	d := m.Sum(nil)
	n := len(d) / 3
	return derivedKeys{cacheKey: d[:n], mac: d[n : 2*n], enc: d[2*n:]}
}

func (p protector) key(prefix, token string) (string, derivedKeys) {
	if p.strategy == StrategyNone {
		sum := sha256.Sum256([]byte(token))
		return prefix + hex.EncodeToString(sum[:]), derivedKeys{}
	}
	k := p.derive(token)
	return prefix + base64.StdEncoding.EncodeToString(k.cacheKey), k
}

func sign(key, data []byte) []byte {
	m := hmac.New(sha512.New384, key)
	m.Write(data)
	return []byte(base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

// macLen is the length of a base64 HMAC-SHA384 (48 bytes → 64 characters).
const macLen = 64

func (p protector) protect(k derivedKeys, data []byte) ([]byte, error) {
	if p.strategy == StrategyNone {
		return data, nil
	}
	if p.strategy == StrategyEncrypt {
		block, err := aes.NewCipher(k.enc)
		if err != nil {
			return nil, err
		}
		pad := aes.BlockSize - len(data)%aes.BlockSize
		plain := append(bytes.Clone(data), bytes.Repeat([]byte{byte(pad)}, pad)...)
		out := make([]byte, aes.BlockSize+len(plain))
		if _, err := rand.Read(out[:aes.BlockSize]); err != nil {
			return nil, err
		}
		cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], plain)
		data = out
	}
	encoded := []byte(base64.StdEncoding.EncodeToString(data))
	return append(sign(k.mac, encoded), encoded...), nil
}

func (p protector) unprotect(k derivedKeys, stored []byte) ([]byte, error) {
	if p.strategy == StrategyNone {
		return stored, nil
	}
	if len(stored) < macLen || !hmac.Equal(stored[:macLen], sign(k.mac, stored[macLen:])) {
		return nil, errTampered
	}
	data, err := base64.StdEncoding.DecodeString(string(stored[macLen:]))
	if err != nil {
		return nil, errTampered
	}
	if p.strategy != StrategyEncrypt {
		return data, nil
	}
	if len(data) < 2*aes.BlockSize || len(data)%aes.BlockSize != 0 {
		return nil, errTampered
	}
	block, err := aes.NewCipher(k.enc)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(data)-aes.BlockSize)
	cipher.NewCBCDecrypter(block, data[:aes.BlockSize]).CryptBlocks(plain, data[aes.BlockSize:])
	pad := int(plain[len(plain)-1])
	if pad == 0 || pad > aes.BlockSize || !bytes.Equal(plain[len(plain)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, errTampered
	}
	return plain[:len(plain)-pad], nil
}
