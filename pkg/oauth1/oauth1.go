package oauth1

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SignatureMethod is the only signature method this package produces, and
// the one Keystone's OS-OAUTH1 extension accepts.
const SignatureMethod = "HMAC-SHA1"

// Version is the oauth_version the signer sends.
const Version = "1.0"

// formContentType is the media type whose body parameters are signed
// (RFC 5849 section 3.4.1.3.1).
const formContentType = "application/x-www-form-urlencoded"

// Signer signs requests for one consumer and, optionally, one token (a
// request token while trading it for an access token, or an access token).
// A Signer holds no mutable state: one value may sign many requests from
// many goroutines.
type Signer struct {
	// ConsumerKey and ConsumerSecret identify the consumer (Keystone: the
	// consumer's id and secret).
	ConsumerKey    string
	ConsumerSecret string

	// Token and TokenSecret are the request or access token and its secret;
	// empty when asking for a request token.
	Token       string
	TokenSecret string

	// Callback is sent as oauth_callback when set; RFC 5849 requires it when
	// asking for a request token ("oob" when there is no callback URL).
	Callback string
	// Verifier is sent as oauth_verifier when set: the code the authorizing
	// user was given, needed to trade a request token for an access token.
	Verifier string
	// Realm is sent as the realm attribute of the header when set. It is
	// not signed.
	Realm string

	// Now returns the current time; nil means time.Now. Set it only to make
	// signatures reproducible in tests.
	Now func() time.Time
	// Nonce returns a fresh nonce; nil means 16 random bytes in lower-case
	// hex, the only shape Keystone accepts.
	Nonce func() string
}

// Sign adds an "Authorization: OAuth ..." header to req. It signs the
// method, the URL and, for a form-encoded body, the body's parameters; such
// a body is read and put back so that it can still be sent.
func (s *Signer) Sign(req *http.Request) error {
	if req == nil || req.URL == nil {
		return errors.New("oauth1: cannot sign a request without a URL")
	}
	form, err := formBody(req)
	if err != nil {
		return err
	}
	header, err := s.authorization(req.Method, req.URL, form)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", header)
	return nil
}

// EditRequest signs req. It has the shape of the generated clients'
// RequestEditorFn, so s.EditRequest can be passed to any generated call.
func (s *Signer) EditRequest(_ context.Context, req *http.Request) error {
	return s.Sign(req)
}

// Authorization returns the value of the Authorization header for a request
// with this method and URL. form holds the parameters of a form-encoded body
// (nil when the body is not form-encoded).
func (s *Signer) Authorization(method, rawURL string, form url.Values) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("oauth1: %w", err)
	}
	return s.authorization(method, u, form)
}

func (s *Signer) authorization(method string, u *url.URL, form url.Values) (string, error) {
	if s.ConsumerKey == "" {
		return "", errors.New("oauth1: the signer has no consumer key")
	}
	if !u.IsAbs() {
		return "", fmt.Errorf("oauth1: cannot sign the relative URL %q", u.String())
	}
	protocol := s.protocolParams()
	all := url.Values{}
	for _, vs := range []url.Values{form, protocol} {
		for k, v := range vs {
			all[k] = append(all[k], v...)
		}
	}
	base, err := BaseString(method, u, all)
	if err != nil {
		return "", err
	}
	protocol.Set("oauth_signature", HMACSHA1(base, s.ConsumerSecret, s.TokenSecret))
	return headerValue(s.Realm, protocol), nil
}

// protocolParams returns the oauth_* parameters of one signature, without
// oauth_signature, with a fresh nonce and timestamp.
func (s *Signer) protocolParams() url.Values {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	nonce := randomNonce
	if s.Nonce != nil {
		nonce = s.Nonce
	}
	p := url.Values{}
	p.Set("oauth_consumer_key", s.ConsumerKey)
	p.Set("oauth_signature_method", SignatureMethod)
	p.Set("oauth_timestamp", strconv.FormatInt(now().Unix(), 10))
	p.Set("oauth_nonce", nonce())
	p.Set("oauth_version", Version)
	if s.Token != "" {
		p.Set("oauth_token", s.Token)
	}
	if s.Callback != "" {
		p.Set("oauth_callback", s.Callback)
	}
	if s.Verifier != "" {
		p.Set("oauth_verifier", s.Verifier)
	}
	return p
}

func randomNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// headerValue formats the Authorization header: realm first, then the
// protocol parameters in name order, every value percent-encoded
// (RFC 5849 section 3.5.1).
func headerValue(realm string, protocol url.Values) string {
	var b strings.Builder
	b.WriteString("OAuth ")
	first := true
	add := func(name, value string) {
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(Escape(name))
		b.WriteString(`="`)
		b.WriteString(Escape(value))
		b.WriteByte('"')
	}
	if realm != "" {
		add("realm", realm)
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range protocol {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, v := range protocol[name] {
			add(name, v)
		}
	}
	return b.String()
}

// formBody returns the parameters of req's body when it is form-encoded, and
// leaves the body readable again.
func formBody(req *http.Request) (url.Values, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil || mt != formContentType {
		return nil, nil // only a form-encoded body is signed
	}
	var data []byte
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("oauth1: reading the body: %w", err)
		}
		data, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("oauth1: reading the body: %w", err)
		}
	} else {
		data, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("oauth1: reading the body: %w", err)
		}
		req.Body = io.NopCloser(bytes.NewReader(data))
		req.GetBody = func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}
	}
	form, err := url.ParseQuery(string(data))
	if err != nil {
		return nil, fmt.Errorf("oauth1: the form body: %w", err)
	}
	return form, nil
}

// BaseString returns the signature base string of RFC 5849 section 3.4.1:
// the upper-case method, the base string URI and the normalized parameters,
// each percent-encoded and joined by "&". params holds the parameters that
// do not come from u's query: the oauth_* protocol parameters (without
// oauth_signature) and those of a form-encoded body. u's query parameters
// are added here.
func BaseString(method string, u *url.URL, params url.Values) (string, error) {
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", fmt.Errorf("oauth1: the query of %q: %w", u.Redacted(), err)
	}
	type pair struct{ name, value string }
	var pairs []pair
	for _, vs := range []url.Values{query, params} {
		for name, values := range vs {
			if name == "oauth_signature" {
				continue // the signature never signs itself (section 3.4.1.3.1)
			}
			for _, v := range values {
				pairs = append(pairs, pair{Escape(name), Escape(v)})
			}
		}
	}
	// Sort by encoded name, then by encoded value (section 3.4.1.3.2).
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var normalized strings.Builder
	for i, p := range pairs {
		if i > 0 {
			normalized.WriteByte('&')
		}
		normalized.WriteString(p.name)
		normalized.WriteByte('=')
		normalized.WriteString(p.value)
	}
	return strings.ToUpper(method) + "&" + Escape(BaseURI(u)) + "&" + Escape(normalized.String()), nil
}

// BaseURI returns the base string URI of RFC 5849 section 3.4.1.2: scheme
// and host in lower case, the port only when it is not the scheme's default,
// the path as sent ("/" when empty), and no query or fragment.
func BaseURI(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 literal keeps its brackets
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// HMACSHA1 returns the base64 HMAC-SHA1 signature of a base string, keyed
// with the percent-encoded consumer and token secrets joined by "&"
// (RFC 5849 section 3.4.2).
func HMACSHA1(base, consumerSecret, tokenSecret string) string {
	mac := hmac.New(sha1.New, []byte(Escape(consumerSecret)+"&"+Escape(tokenSecret)))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Escape percent-encodes s as RFC 5849 section 3.6 requires: every byte of
// its UTF-8 form except the unreserved characters A-Z a-z 0-9 - . _ ~ is
// written as %XX with upper-case hex digits. It differs from
// url.QueryEscape, which writes a space as "+" and leaves fewer characters
// alone.
func Escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&0x0f])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
