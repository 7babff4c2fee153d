package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// A cached token (the file cache, exported state) is found by the plugin's
// CacheID, which leaves every secret out so that the id can name a file.
// The id alone would hand the token to anyone who can name the same user,
// whatever password they give: harmless for a command line tool run by the
// user, an authentication bypass for a service that logs its own users in
// through the SDK. So each cached token also carries a proof: an HMAC, under
// a random key kept apart from the tokens, of the token, its body and the
// secret that obtained it. A plugin is served the token only when it
// computes the same proof from its own secret; otherwise the cached token is
// ignored and the plugin authenticates with Keystone.
//
// The key is what keeps the proof from being a password hash: someone who
// reads a cache file but not the key cannot test guesses of the secret
// against it. For the file cache the key is a file of the cache directory
// (proofKeyFile, 0600); for exported state it is the session's state key
// (WithStateKey), which the application keeps apart from the states.

// SecretProver is implemented by plugins (and methods) that can prove, when
// a cached token is offered to them, that they hold the secret the token
// was obtained with.
//
// CacheSecret returns that secret material (a password, an application
// credential's secret, a token, ...) and whether it is all the plugin
// authenticates with. complete is false when part of the login cannot be
// repeated (a TOTP passcode changes every 30 seconds, a client certificate
// is held by the transport): such a plugin is never served a cached token
// unless the session opts in with WithUnprovenCache, and then only the
// part it can prove is checked. A plugin that implements CacheKeyer but
// not SecretProver counts as proving nothing.
type SecretProver interface {
	CacheSecret() (secret []byte, complete bool)
}

// proofKeySize is the size of a proof key: the HMAC-SHA-256 block's worth
// of randomness is more than enough, and anything shorter than
// minStateKeySize is refused.
const (
	proofKeySize    = 32
	minStateKeySize = 16
)

// NewStateKey returns a fresh random key for WithStateKey.
func NewStateKey() []byte {
	k := make([]byte, proofKeySize)
	_, _ = rand.Read(k) // crypto/rand.Read never fails (Go 1.24+)
	return k
}

// WithStateKey sets the key that binds exported state to the secret of the
// plugin that obtained its token (see ExportState). Sessions that hand
// state to each other — in other processes, say — must share it; without
// it each session has a random key of its own, so that only the session
// that exported a state can import it again. Keep the key apart from the
// states and like a password: whoever holds both can test guesses of the
// secret offline. A key shorter than 16 bytes is a configuration error
// (apierror.ErrInvalidConfig) returned by every request.
func WithStateKey(key []byte) Option {
	return func(s *Session) {
		if len(key) < minStateKeySize {
			s.configErr = fmt.Errorf("%w: auth.WithStateKey: a key of %d bytes; use at least %d random bytes (NewStateKey)",
				apierror.ErrInvalidConfig, len(key), minStateKeySize)
			return
		}
		s.stateKey = append([]byte(nil), key...)
	}
}

// WithUnprovenCache lets the file cache and imported state serve a token to
// a plugin that cannot prove all of its secret: TOTP with a passcode,
// multi-factor logins with a TOTP method, OAuth 2.0 with mutual TLS,
// OpenID Connect with a one-time password, plugins of other packages that
// do not implement SecretProver. Whatever secret such a plugin can prove is
// still checked. Use it only where whoever can build the plugin is the
// token's owner anyway, such as a command line tool run by the user: it
// spares them a new passcode at each run.
func WithUnprovenCache() Option { return func(s *Session) { s.unprovenCache = true } }

// The reasons ImportState refuses a state of the right identity (each
// wrapped with apierror.ErrInvalidConfig); the file cache ignores such a
// file.
var (
	// ErrCachedSecretMismatch: the state's token was obtained with another
	// secret than the plugin's, or the state was sealed with another key.
	ErrCachedSecretMismatch = errors.New("the cached token was not obtained with this plugin's secret (or was sealed with another key)")
	// ErrCachedSecretUnproven: the plugin cannot prove its secret, and the
	// session did not opt in with WithUnprovenCache.
	ErrCachedSecretUnproven = errors.New("the plugin cannot prove the secret the cached token was obtained with (see auth.WithUnprovenCache)")
)

// secretOf is p's secret material (see SecretProver).
func secretOf(p Plugin) ([]byte, bool) {
	sp, ok := p.(SecretProver)
	if !ok {
		return nil, false
	}
	return sp.CacheSecret()
}

// methodsSecret is the secret of several methods: each method's name and
// secret, so that the proof of a multi-factor login holds only when every
// method's secret matches. It is complete only when every method's is.
func methodsSecret(methods ...Method) ([]byte, bool) {
	var b []byte
	complete := true
	for _, m := range methods {
		sp, ok := m.(SecretProver)
		if !ok {
			complete = false
			continue
		}
		s, c := sp.CacheSecret()
		complete = complete && c
		b = appendField(b, m.MethodName())
		b = appendField(b, string(s))
	}
	return b, complete
}

// SecretFields joins secrets unambiguously (each with its length in
// front), for the CacheSecret of a plugin with several (see SecretProver).
func SecretFields(fields ...string) []byte {
	var b []byte
	for _, f := range fields {
		b = appendField(b, f)
	}
	return b
}

// appendField appends s with its length in front, so that no two lists of
// fields encode alike.
func appendField(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

// proofContext separates these HMACs from any other use of the key.
const proofContext = "keystone-go token cache proof v1"

// cacheProof is the proof of st (everything but the proof itself) for the
// secret, under key.
func cacheProof(key []byte, st *state, secret []byte) string {
	m := hmac.New(sha256.New, key)
	var b []byte
	for _, f := range []string{proofContext, st.CacheID, st.AuthURL, st.Token, string(st.Body), string(secret)} {
		b = appendField(b, f)
	}
	m.Write(b)
	return base64.RawStdEncoding.EncodeToString(m.Sum(nil))
}

// seal sets st's proof for the plugin p.
func seal(key []byte, st *state, p Plugin) {
	secret, _ := secretOf(p)
	st.Proof = cacheProof(key, st, secret)
}

// checkProof reports why st may not be served to p, or nil when it may.
func checkProof(key []byte, st *state, p Plugin, allowUnproven bool) error {
	secret, complete := secretOf(p)
	if !complete && !allowUnproven {
		return ErrCachedSecretUnproven
	}
	if !hmac.Equal([]byte(cacheProof(key, st, secret)), []byte(st.Proof)) {
		return ErrCachedSecretMismatch
	}
	return nil
}

// servable reports whether a session with these settings may ever be
// served a cached token for p.
func servable(p Plugin, allowUnproven bool) bool {
	_, complete := secretOf(p)
	return complete || allowUnproven
}
