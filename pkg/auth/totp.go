package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// TOTP authenticates with a time-based one-time passcode (keystoneauth's
// v3totp). The user needs a credential of type "totp" whose blob is a
// base32 secret, and "totp" must be among Keystone's [auth] methods.
type TOTP struct {
	AuthURL string
	// The user: by UserID, or by Username with UserDomainID or UserDomainName.
	UserID         string
	Username       string
	UserDomainID   string
	UserDomainName string
	// Passcode is the code to send. A code is good for 30 seconds only,
	// so a Session that must renew its token later needs PasscodeFunc.
	Passcode string
	// PasscodeFunc, when set, supplies a code at each authentication (see
	// TOTPGenerator, or prompt the user).
	PasscodeFunc func(ctx context.Context) (string, error)
	Scope        Scope
	NoCatalog    bool
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v TOTP) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v TOTP) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

func (p *TOTP) method() *TOTPMethod {
	return &TOTPMethod{UserID: p.UserID, Username: p.Username, UserDomainID: p.UserDomainID,
		UserDomainName: p.UserDomainName, Passcode: p.Passcode, PasscodeFunc: p.PasscodeFunc}
}

// Authenticate issues a token with the totp method.
func (p *TOTP) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	return v3Auth{authURL: p.AuthURL, methods: []Method{p.method()}, scope: &p.Scope, noCatalog: p.NoCatalog}.issue(ctx, client)
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (p *TOTP) CacheKey() map[string]string {
	return CacheKey("v3totp", p.AuthURL, &p.Scope, p.NoCatalog, p.method())
}

// CacheSecret proves nothing: a passcode is good for 30 seconds, and a
// PasscodeFunc cannot be compared. A cached token reaches a TOTP plugin
// only through WithUnprovenCache.
func (p *TOTP) CacheSecret() ([]byte, bool) { return methodsSecret(p.method()) }

// Keystone's TOTP parameters (keystone/auth/plugins/totp.py): six digits,
// 30-second steps, HMAC-SHA1. They are not configurable there, and RFC 6238
// with them fixed is a few lines of the standard library: no OTP library
// goes into every program that links this package.
const (
	totpPeriod  = 30
	totpDigits  = 6
	totpModulus = 1_000_000 // 10^totpDigits
)

// TOTPPasscode computes the passcode Keystone expects at time t from the
// base32 secret of a "totp" credential (padding and case do not matter).
func TOTPPasscode(secret string, t time.Time) (string, error) {
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return "", fmt.Errorf("%w: TOTP secret: %w", apierror.ErrInvalidConfig, err)
	}
	return hotp(key, uint64(t.Unix()/totpPeriod)), nil
}

// decodeTOTPSecret reads a secret as authenticator apps and Keystone's
// users write it: base32, in either case, often without its padding.
func decodeTOTPSecret(secret string) ([]byte, error) {
	secret = strings.ToUpper(strings.TrimSpace(secret))
	if n := len(secret) % 8; n != 0 {
		secret += strings.Repeat("=", 8-n)
	}
	return base32.StdEncoding.DecodeString(secret)
}

// hotp is RFC 4226's code for counter: HMAC-SHA1, dynamic truncation,
// the last totpDigits decimal digits.
func hotp(key []byte, counter uint64) string {
	mac := hmac.New(sha1.New, key)
	mac.Write(binary.BigEndian.AppendUint64(nil, counter))
	sum := mac.Sum(nil)
	offset := sum[len(sum)-1] & 0xf
	value := binary.BigEndian.Uint32(sum[offset:]) & 0x7fffffff
	return fmt.Sprintf("%0*d", totpDigits, value%totpModulus)
}

// TOTPGenerator returns a PasscodeFunc that computes the current code from
// a base32 secret, for a TOTP plugin or method that must renew its token
// without a person at hand.
//
// It never hands out the same code twice: Keystone 30 with the OSSN-0109
// fixes refuses a passcode it has already seen for the user, so a renewal
// within the 30-second step of the last code waits for the next step,
// bounded by the context. Share one generator per secret.
func TOTPGenerator(secret string) func(context.Context) (string, error) {
	return (&totpGenerator{secret: secret, now: time.Now, lastStep: -1}).next
}

// totpGenerator remembers the last step it gave a code for.
type totpGenerator struct {
	secret   string
	now      func() time.Time
	mu       sync.Mutex
	lastStep int64
}

func (g *totpGenerator) next(ctx context.Context) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	period := int64(totpPeriod)
	for {
		now := g.now()
		if step := now.Unix() / period; step > g.lastStep {
			code, err := TOTPPasscode(g.secret, now)
			if err != nil {
				return "", err
			}
			g.lastStep = step
			return code, nil
		}
		wait := time.Unix((g.lastStep+1)*period, 0).Sub(now)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return "", fmt.Errorf("auth: waiting %v for the next TOTP step (the current code was used): %w", wait.Round(time.Second), ctx.Err())
		case <-timer.C:
		}
	}
}

// NewTOTPSecret returns a fresh random secret (160 bits, base32 without
// padding, as authenticator apps take it) for a new "totp" credential.
func NewTOTPSecret() string {
	var b [20]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}
