package ec2signer

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Errors returned when a request description cannot be signed or checked.
var (
	// ErrUnsupportedVersion: the description asks for a signature version
	// other than 2 or 4 (Keystone still knows the insecure versions 0 and 1;
	// this package does not produce them).
	ErrUnsupportedVersion = errors.New("ec2signer: unsupported signature version")
	// ErrMalformed: the description lacks something its signature version needs.
	ErrMalformed = errors.New("ec2signer: malformed request description")
	// ErrSignatureMismatch: Verify computed a different signature.
	ErrSignatureMismatch = errors.New("ec2signer: signature mismatch")
	// ErrStale: the signature is right but the request's time is outside
	// the window Verify accepts (or its Expires has passed), as a replayed
	// request's would be.
	ErrStale = errors.New("ec2signer: request time outside the accepted window")
)

// DefaultMaxSkew is how far a signed request's time may be from the
// verifier's clock: AWS's and Keystone's (credential.auth_ttl) 15 minutes.
const DefaultMaxSkew = 15 * time.Minute

const (
	algorithmV4 = "AWS4-HMAC-SHA256"
	// emptySHA256 is the hex SHA-256 of an empty body.
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// Credentials is the request description that Keystone's POST /v3/ec2tokens
// reads from the "credentials" member of its body: who signed (Access), the
// signature, and everything the signature covers. Marshalled with
// encoding/json it has exactly Keystone's field names.
type Credentials struct {
	// Access is the EC2 access key (the "access" of an OS-EC2 credential).
	Access string `json:"access"`
	// Signature is base64 for version 2 and lowercase hex for version 4.
	Signature string `json:"signature"`
	// Host is host[:port] as the client addressed it.
	Host string `json:"host"`
	// Verb is the HTTP method.
	Verb string `json:"verb"`
	// Path is the request path, as sent (version 4 uses it unencoded).
	Path string `json:"path"`
	// Params are the query (or form) parameters, without the signature itself.
	Params map[string]string `json:"params"`
	// Headers are the request headers; version 4 needs at least the signed
	// ones, Authorization (or the X-Amz-* parameters) and X-Amz-Date.
	Headers map[string]string `json:"headers,omitempty"`
	// BodyHash is the hex SHA-256 of the request body (version 4 only).
	BodyHash string `json:"body_hash,omitempty"`
}

// Signature computes the signature Keystone expects for c with the given
// secret key, exactly as Keystone's ec2tokens check does (python-keystoneclient's
// Ec2Signer.generate): version 2 when params.SignatureVersion is "2", version 4
// when the Authorization header starts with AWS4-HMAC-SHA256 or
// params.X-Amz-Algorithm is AWS4-HMAC-SHA256. c.Signature is ignored and c is
// not modified.
func Signature(secret string, c *Credentials) (string, error) {
	if c == nil {
		return "", fmt.Errorf("%w: nil credentials", ErrMalformed)
	}
	switch v, ok := c.Params["SignatureVersion"]; {
	case ok && v == "2":
		return signatureV2(secret, c.Verb, c.Host, c.Path, c.Params), nil
	case ok && v != "2":
		return "", fmt.Errorf("%w: SignatureVersion %q", ErrUnsupportedVersion, v)
	case isV4(c):
		return signatureV4(secret, c)
	default:
		return "", fmt.Errorf("%w: neither SignatureVersion nor an AWS4-HMAC-SHA256 authorization", ErrUnsupportedVersion)
	}
}

// Verify checks c.Signature against the signature computed with secret,
// in constant time, and that the request is fresh: its version 2
// Timestamp or version 4 X-Amz-Date within DefaultMaxSkew of now, and its
// Expires or X-Amz-Expires not passed. A signature alone proves only that
// the request was signed once; without the time check a captured request
// could be replayed for ever. It is Verifier{}.Verify; use a Verifier for
// another window or clock.
func Verify(secret string, c *Credentials) error {
	return (&Verifier{}).Verify(secret, c)
}

// Verifier checks signatures and their freshness (see Verify).
type Verifier struct {
	// MaxSkew is how far the request's time may be from Now, either way;
	// zero means DefaultMaxSkew.
	MaxSkew time.Duration
	// Now is the verifier's clock; nil means time.Now.
	Now func() time.Time
}

// Verify checks c's signature with secret and then its time. A signature
// that does not match is ErrSignatureMismatch; a right one on a request
// outside the window is ErrStale; a time that cannot be read is
// ErrMalformed.
//
// Like Keystone, when the signature does not match and the host carries a
// port, it tries once more with the port removed (some clients sign
// without it).
func (v *Verifier) Verify(secret string, c *Credentials) error {
	if err := verifySignature(secret, c); err != nil {
		return err
	}
	return v.checkTime(c)
}

func verifySignature(secret string, c *Credentials) error {
	if c == nil || c.Signature == "" {
		return fmt.Errorf("%w: no signature", ErrMalformed)
	}
	want, err := Signature(secret, c)
	if err != nil {
		return err
	}
	if equal(want, c.Signature) {
		return nil
	}
	if host, _, err := net.SplitHostPort(c.Host); err == nil {
		portless := *c
		portless.Host = host
		if want, err := Signature(secret, &portless); err == nil && equal(want, c.Signature) {
			return nil
		}
	}
	return ErrSignatureMismatch
}

// checkTime applies the freshness rules of c's signature version.
func (v *Verifier) checkTime(c *Credentials) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if !isV4(c) || c.Params["SignatureVersion"] == "2" {
		ts, hasTS := c.Params["Timestamp"]
		exp, hasExp := c.Params["Expires"]
		if !hasTS && !hasExp {
			return fmt.Errorf("%w: neither Timestamp nor Expires", ErrMalformed)
		}
		if hasTS {
			t, err := time.Parse(time.RFC3339, ts)
			if err != nil {
				return fmt.Errorf("%w: Timestamp %q is not an ISO 8601 time", ErrMalformed, ts)
			}
			if err := within(t, now, skew, "Timestamp"); err != nil {
				return err
			}
		}
		if hasExp {
			t, err := time.Parse(time.RFC3339, exp)
			if err != nil {
				return fmt.Errorf("%w: Expires %q is not an ISO 8601 time", ErrMalformed, exp)
			}
			if now.After(t) {
				return fmt.Errorf("%w: expired at %s", ErrStale, t.UTC().Format(time.RFC3339))
			}
		}
		return nil
	}
	date, ok := c.Headers["X-Amz-Date"]
	if !ok {
		date = c.Params["X-Amz-Date"]
	}
	t, err := time.Parse("20060102T150405Z", date)
	if err != nil {
		return fmt.Errorf("%w: X-Amz-Date %q is not yyyymmddThhmmssZ", ErrMalformed, date)
	}
	if err := within(t, now, skew, "X-Amz-Date"); err != nil {
		return err
	}
	if e, ok := c.Params["X-Amz-Expires"]; ok {
		secs, err := strconv.ParseInt(e, 10, 64)
		if err != nil || secs < 0 || secs > 7*24*3600 {
			return fmt.Errorf("%w: X-Amz-Expires %q is not a number of seconds up to a week", ErrMalformed, e)
		}
		if end := t.Add(time.Duration(secs) * time.Second); now.After(end) {
			return fmt.Errorf("%w: the presigned request expired at %s", ErrStale, end.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// within reports whether t is within skew of now.
func within(t, now time.Time, skew time.Duration, what string) error {
	if d := now.Sub(t); d > skew || d < -skew {
		return fmt.Errorf("%w: %s %s is %s from now (at most %s allowed)", ErrStale, what,
			t.UTC().Format(time.RFC3339), d.Round(time.Second).Abs(), skew)
	}
	return nil
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// isV4 mirrors Ec2Signer._v4_creds: the Authorization header decides when it is
// present at all; only without one do the query parameters count.
func isV4(c *Credentials) bool {
	if auth, ok := c.Headers["Authorization"]; ok {
		return strings.HasPrefix(auth, algorithmV4)
	}
	return c.Params["X-Amz-Algorithm"] == algorithmV4
}

// signatureV2 is AWS signature version 2 as Keystone computes it: HmacSHA256
// over "verb\nhost\npath\n" and the canonical query string, with
// SignatureMethod forced to HmacSHA256 (Keystone overwrites whatever the
// client sent, so only HmacSHA256 requests can verify).
func signatureV2(secret, verb, host, path string, params map[string]string) string {
	p := make(map[string]string, len(params)+1)
	for k, v := range params {
		p[k] = v
	}
	p["SignatureMethod"] = "HmacSHA256"
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(verb + "\n" + host + "\n" + path + "\n" + canonicalQuery(p)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// canonicalQuery sorts the parameters by name and percent-encodes names and
// values, leaving only RFC 3986's unreserved characters as they are.
func canonicalQuery(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys) // byte order of UTF-8 = code point order, as Python sorts
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(escape(k, false))
		b.WriteByte('=')
		b.WriteString(escape(params[k], false))
	}
	return b.String()
}

// escape percent-encodes every byte outside A-Z a-z 0-9 - . _ ~ with
// upper-case hex; keepSlash also leaves '/' alone (for S3 paths).
func escape(s string, keepSlash bool) string {
	const hexdigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', keepSlash && c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexdigits[c>>4])
			b.WriteByte(hexdigits[c&15])
		}
	}
	return b.String()
}

// oldBoto matches the user agents of boto before 2.9.3, which signed the host
// header without its port; Keystone strips the port for them.
var oldBoto = regexp.MustCompile(`^Boto/2\.[0-9]\.[0-2]`)

// signatureV4 is AWS signature version 4 in Keystone's canonical form. It
// differs from AWS's own in small ways that this package follows so that
// Keystone agrees: the path is used as given (not URI-encoded again), header
// values are only trimmed (inner spaces are kept), and a POST has an empty
// canonical query (its parameters travel in the body).
func signatureV4(secret string, c *Credentials) (string, error) {
	signed, ok := authParam(c, "SignedHeaders")
	if !ok {
		return "", fmt.Errorf("%w: no SignedHeaders", ErrMalformed)
	}
	credential, ok := authParam(c, "Credential")
	if !ok {
		return "", fmt.Errorf("%w: no Credential", ErrMalformed)
	}
	scope := strings.Split(credential, "/")
	if len(scope) < 4 {
		return "", fmt.Errorf("%w: credential %q has no date/region/service scope", ErrMalformed, credential)
	}
	date, ok := c.Headers["X-Amz-Date"]
	if !ok {
		date, ok = c.Params["X-Amz-Date"]
	}
	if !ok {
		return "", fmt.Errorf("%w: no X-Amz-Date", ErrMalformed)
	}
	if !strings.HasPrefix(date, scope[1]) {
		return "", fmt.Errorf("%w: X-Amz-Date %q is not on the credential's day %q", ErrMalformed, date, scope[1])
	}

	lower := make(map[string]string, len(c.Headers))
	for k, v := range c.Headers {
		lower[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	stripPort := oldBoto.MatchString(lower["user-agent"])
	var headers strings.Builder
	for _, h := range strings.Split(signed, ";") {
		v, ok := lower[h]
		if !ok {
			continue // Keystone skips signed headers it was not given
		}
		if h == "host" && stripPort {
			v, _, _ = strings.Cut(v, ":")
		}
		headers.WriteString(h + ":" + v + "\n")
	}
	query := ""
	if !strings.EqualFold(c.Verb, "POST") {
		query = canonicalQuery(c.Params)
	}
	canonical := strings.Join([]string{strings.ToUpper(c.Verb), c.Path, query,
		headers.String(), signed, c.BodyHash}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	stringToSign := strings.Join([]string{algorithmV4, date, strings.Join(scope[1:], "/"),
		hex.EncodeToString(sum[:])}, "\n")
	key := signingKey(secret, scope[1], scope[2], scope[3])
	return hex.EncodeToString(hmacSHA256(key, stringToSign)), nil
}

// authParam reads Credential or SignedHeaders from the Authorization header
// (the text after "<name>=" up to the next comma), or, without that header,
// from the X-Amz-<name> parameter.
func authParam(c *Credentials, name string) (string, bool) {
	if auth, ok := c.Headers["Authorization"]; ok {
		_, after, _ := strings.Cut(auth, name+"=")
		v, _, _ := strings.Cut(after, ",")
		return v, true
	}
	v, ok := c.Params["X-Amz-"+name]
	return v, ok
}

func hmacSHA256(key []byte, msg string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msg))
	return mac.Sum(nil)
}

// signingKey derives the version 4 key for one day, region and service.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}
