package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// CacheKeyer is implemented by plugins (and methods) whose tokens may be
// kept and reused: exported state, the file cache. CacheKey returns the
// elements that make two plugins' tokens interchangeable — auth URL, user,
// scope, method — and never a secret (a password's hash would let anyone
// who sees the id test guesses; a token's hash is safe, as a token is
// random). A plugin that does not implement it is never cached. The
// secret comes in through SecretProver: a cached token is served only to
// a plugin that proves the secret it was obtained with.
type CacheKeyer interface {
	CacheKey() map[string]string
}

// CacheID is the identity of p's tokens (keystoneauth's get_cache_id): a
// SHA-256 over p's CacheKey, hex. It is "" for a plugin whose tokens must
// not be cached.
func CacheID(p Plugin) string {
	ck, ok := p.(CacheKeyer)
	if !ok {
		return ""
	}
	elems := ck.CacheKey()
	if elems == nil {
		return ""
	}
	h := sha256.New()
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range elems {
			if !yield(k) {
				return
			}
		}
	}) {
		// Length-prefixed, so that no two maps hash alike.
		fmt.Fprintf(h, "%d:%s%d:%s", len(k), k, len(elems[k]), elems[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// stateVersion is the version of the state format; a state of another
// version is refused (and a cache file of another version ignored).
// Version 2 added the proof (cacheproof.go).
const stateVersion = 2

// state is exported state and the file cache's content.
type state struct {
	Version int    `json:"version"`
	CacheID string `json:"cache_id"`
	AuthURL string `json:"auth_url"`
	Token   string `json:"token"`
	// Body is the token answer's body as Keystone sent it: {"token": {...}}
	// from Identity v3, {"access": {...}} from v2.0.
	Body json.RawMessage `json:"body"`
	// Proof binds everything above to the secret of the plugin that
	// obtained the token, under a key kept apart from the state.
	Proof string `json:"proof"`
}

// ErrNoState is returned by ExportState when the session holds no token
// that can be exported; it matches apierror.ErrInvalidConfig.
var ErrNoState = fmt.Errorf("%w: the session holds no token to export", apierror.ErrInvalidConfig)

// ExportState returns the session's current token and its body as JSON,
// keyed by CacheID of the session's plugin and sealed with the session's
// state key (WithStateKey) and the plugin's secret, for ImportState or
// WithState in a later session with the same key. It holds a live token:
// store it like a password, and apart from the state key. It makes no
// request; a session that has not authenticated yet (or that needs no
// token) returns ErrNoState.
func (s *Session) ExportState() ([]byte, error) {
	if s.configErr != nil {
		return nil, s.configErr
	}
	a := s.current()
	if !exportable(a) {
		return nil, ErrNoState
	}
	return encodeState(CacheID(s.plugin), a, s.stateKey, s.plugin)
}

// ImportState makes the session use the token of an exported state. The
// state must come from a plugin with the same CacheID and the same secret
// (a password, an application credential's secret, ...), be sealed with
// this session's state key (WithStateKey), and its token must not have
// expired; otherwise the session is unchanged and the error matches
// apierror.ErrInvalidConfig (and ErrCachedSecretMismatch or
// ErrCachedSecretUnproven when the secret is what is wrong). A plugin that
// cannot prove its secret (a TOTP passcode) is refused unless the session
// has WithUnprovenCache. A token within the refresh margin of its expiry
// is accepted and renewed on first use.
func (s *Session) ImportState(data []byte) error {
	if s.configErr != nil {
		return s.configErr
	}
	a, err := openState(data, CacheID(s.plugin), s.stateKey, s.plugin, s.unprovenCache)
	if err != nil {
		return err
	}
	if a.WillExpireSoon(0) {
		return fmt.Errorf("%w: the state's token expired at %s", apierror.ErrInvalidConfig, a.ExpiresAt.Format(time.RFC3339))
	}
	s.mu.Lock()
	s.access = a
	s.mu.Unlock()
	return nil
}

// WithState starts the session with the token of an exported state (see
// ImportState), once every other option is applied. A state that is
// invalid, belongs to another identity or secret, or holds an expired
// token is ignored, as a cache miss would be: the session then
// authenticates as usual.
func WithState(data []byte) Option {
	return func(s *Session) {
		s.initialState = data
	}
}

// exportable reports whether a holds a token with the body state keeps
// (v3 or v2.0).
func exportable(a *AccessInfo) bool {
	return a != nil && a.Token != "" && (a.Body != nil || a.V2 != nil)
}

// encodeState is a's state for cacheID, sealed with key for p's secret.
func encodeState(cacheID string, a *AccessInfo, key []byte, p Plugin) ([]byte, error) {
	body := a.raw
	if len(body) == 0 {
		var err error
		if a.V2 != nil {
			body, err = json.Marshal(identityv2.AccessEnvelope{Access: *a.V2})
		} else {
			body, err = json.Marshal(identityv3.TokenEnvelope{Token: *a.Body})
		}
		if err != nil {
			return nil, fmt.Errorf("auth: encoding the token body: %w", err)
		}
	}
	// The proof covers the body as the file will hold it: encoding/json
	// compacts (and escapes) a RawMessage when it writes one.
	body, err := json.Marshal(json.RawMessage(body))
	if err != nil {
		return nil, fmt.Errorf("auth: encoding the token body: %w", err)
	}
	st := state{Version: stateVersion, CacheID: cacheID, AuthURL: a.AuthURL, Token: a.Token, Body: body}
	seal(key, &st, p)
	return json.Marshal(st)
}

// errForeignState says a state belongs to another identity.
var errForeignState = errors.New("the state belongs to another identity (cache id)")

// openState reads a state for cacheID and hands its token over only when
// p proves the secret it was sealed for under key.
func openState(data []byte, cacheID string, key []byte, p Plugin, allowUnproven bool) (*AccessInfo, error) {
	st, err := readState(data, cacheID)
	if err != nil {
		return nil, err
	}
	if err := checkProof(key, st, p, allowUnproven); err != nil {
		return nil, fmt.Errorf("%w: %w", apierror.ErrInvalidConfig, err)
	}
	return st.access()
}

// decodeState reads a state for cacheID without checking its proof.
func decodeState(data []byte, cacheID string) (*AccessInfo, error) {
	st, err := readState(data, cacheID)
	if err != nil {
		return nil, err
	}
	return st.access()
}

// readState parses a state and checks that it is one, for cacheID.
func readState(data []byte, cacheID string) (*state, error) {
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%w: auth state: %w", apierror.ErrInvalidConfig, err)
	}
	switch {
	case st.Version != stateVersion:
		return nil, fmt.Errorf("%w: auth state version %d (want %d)", apierror.ErrInvalidConfig, st.Version, stateVersion)
	case st.CacheID != cacheID:
		return nil, fmt.Errorf("%w: %w", apierror.ErrInvalidConfig, errForeignState)
	case st.Token == "" || len(st.Body) == 0:
		return nil, fmt.Errorf("%w: auth state without a token", apierror.ErrInvalidConfig)
	}
	return &st, nil
}

// access decodes the state's token body.
func (st *state) access() (*AccessInfo, error) {
	a, err := parseTokenBody(st.Token, st.Body, st.AuthURL)
	if err != nil {
		return nil, fmt.Errorf("%w: auth state: %w", apierror.ErrInvalidConfig, err)
	}
	return a, nil
}
