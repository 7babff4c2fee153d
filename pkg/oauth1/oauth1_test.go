package oauth1

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fixed(nonce string, unix int64) (func() string, func() time.Time) {
	return func() string { return nonce }, func() time.Time { return time.Unix(unix, 0) }
}

// RFC 5849 section 3.4.1.1: the worked example of a signature base string,
// with parameters in the query, the form body and the Authorization header.
func TestBaseStringRFC5849Example(t *testing.T) {
	u, err := url.Parse("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b")
	require.NoError(t, err)
	body, err := url.ParseQuery("c2&a3=2+q")
	require.NoError(t, err)
	params := url.Values{
		"oauth_consumer_key":     {"9djdj82h48djs9d2"},
		"oauth_token":            {"kkk9d7dh3k39sjv7"},
		"oauth_signature_method": {"HMAC-SHA1"},
		"oauth_timestamp":        {"137131201"},
		"oauth_nonce":            {"7d8f3e4a"},
		"oauth_signature":        {"djosJKDKJSD8743243%2Fjdk33klY%3D"}, // excluded from the base string
	}
	for k, v := range body {
		params[k] = append(params[k], v...)
	}
	got, err := BaseString("post", u, params)
	require.NoError(t, err)
	const want = "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q" +
		"%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9dj" +
		"dj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1" +
		"%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
	assert.Equal(t, want, got)
}

// The OAuth Core 1.0 appendix A.5 example (photos.example.net), whose base
// string and signature are the best-known HMAC-SHA1 test vector.
func TestSignerOAuthCoreAppendixA(t *testing.T) {
	nonce, now := fixed("kllo9940pd9333jh", 1191242096)
	s := &Signer{
		ConsumerKey: "dpf43f3p2l4k3l03", ConsumerSecret: "kd94hf93k423kf44",
		Token: "nnch734d00sl2jdk", TokenSecret: "pfkkdhi9sl3r4s00",
		Nonce: nonce, Now: now,
	}
	u, _ := url.Parse("http://photos.example.net/photos?file=vacation.jpg&size=original")
	base, err := BaseString("GET", u, s.protocolParams())
	require.NoError(t, err)
	assert.Equal(t, "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg"+
		"%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh"+
		"%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096"+
		"%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal", base)
	assert.Equal(t, "tR3+Ty81lMeYAr/Fid0kMTYa/WM=", HMACSHA1(base, s.ConsumerSecret, s.TokenSecret))

	h, err := s.Authorization("GET", u.String(), nil)
	require.NoError(t, err)
	assert.Contains(t, h, `oauth_signature="tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D"`)
}

// Twitter's documented "Creating a signature" example: a form body with
// spaces, "+", "," and "!" and a query parameter.
func TestSignerTwitterExample(t *testing.T) {
	nonce, now := fixed("kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", 1318622958)
	s := &Signer{
		ConsumerKey:    "xvz1evFS4wEEPTGEFPHBog",
		ConsumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
		Token:          "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
		TokenSecret:    "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
		Nonce:          nonce, Now: now,
	}
	body := "status=" + url.QueryEscape("Hello Ladies + Gentlemen, a signed OAuth request!")
	req, err := http.NewRequest(http.MethodPost,
		"https://api.twitter.com/1.1/statuses/update.json?include_entities=true", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	require.NoError(t, s.Sign(req))
	assert.Contains(t, req.Header.Get("Authorization"), `oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"`)

	// The body is still there to be sent.
	sent, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	assert.Equal(t, body, string(sent))
}

// Headers produced by python-oauthlib (what Keystone verifies with) for the
// same inputs, fixed nonce and timestamp.
func TestSignerMatchesOAuthlib(t *testing.T) {
	t.Run("request token", func(t *testing.T) {
		nonce, now := fixed("abcdef0123456789", 1700000000)
		s := &Signer{ConsumerKey: "0123456789abcdef0123456789abcdef", ConsumerSecret: "s3cr3t",
			Callback: "oob", Nonce: nonce, Now: now}
		h, err := s.Authorization("POST", "http://127.0.0.1:5000/v3/OS-OAUTH1/request_token", nil)
		require.NoError(t, err)
		assert.Equal(t, `OAuth oauth_callback="oob", oauth_consumer_key="0123456789abcdef0123456789abcdef", `+
			`oauth_nonce="abcdef0123456789", oauth_signature="8nQa7UkV0dZ4kIK6IciIGLCLs%2Bc%3D", `+
			`oauth_signature_method="HMAC-SHA1", oauth_timestamp="1700000000", oauth_version="1.0"`, h)
	})
	t.Run("non-ASCII secrets, default port, escaped path, query and form body", func(t *testing.T) {
		nonce, now := fixed("ffff", 1)
		s := &Signer{ConsumerKey: "ck", ConsumerSecret: "cs sec+ret/é", Token: "tok", TokenSecret: "ts&x",
			Verifier: "v3r1f1er", Nonce: nonce, Now: now}
		req, err := http.NewRequest("POST", "HTTPS://Example.COM:443/a%20b/c?x=1+2&y=%7E&z=",
			strings.NewReader("q=h%C3%A9llo+w&q=a"))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		require.NoError(t, s.Sign(req))
		assert.Contains(t, req.Header.Get("Authorization"), `oauth_signature="uFDSC6iehW52sinsqT4qGPP0ubU%3D"`)
	})
}

func TestSignerHeaderShape(t *testing.T) {
	nonce, now := fixed("00ff", 42)
	s := &Signer{ConsumerKey: "c k", ConsumerSecret: "x", Token: "t", Verifier: "v", Realm: "Photos",
		Nonce: nonce, Now: now}
	h, err := s.Authorization("POST", "http://h/x", nil)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(h, `OAuth realm="Photos", oauth_consumer_key="c%20k", `), h)
	for _, p := range []string{`oauth_nonce="00ff"`, `oauth_timestamp="42"`, `oauth_token="t"`,
		`oauth_verifier="v"`, `oauth_version="1.0"`, `oauth_signature_method="HMAC-SHA1"`} {
		assert.Contains(t, h, p)
	}
	assert.NotContains(t, h, "oauth_callback")
}

func TestSignerDefaults(t *testing.T) {
	s := &Signer{ConsumerKey: "k", ConsumerSecret: "s"}
	a, err := s.Authorization("GET", "http://h/", nil)
	require.NoError(t, err)
	b, err := s.Authorization("GET", "http://h/", nil)
	require.NoError(t, err)
	assert.NotEqual(t, a, b, "every signature needs a fresh nonce")
	p := s.protocolParams()
	assert.Regexp(t, `^[0-9a-f]{32}$`, p.Get("oauth_nonce"), "Keystone accepts only hex nonces")
	ts, err := strconv.ParseInt(p.Get("oauth_timestamp"), 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, time.Now().Unix(), ts, 5, "the timestamp is the current Unix time")
}

func TestSignerErrors(t *testing.T) {
	_, err := (&Signer{}).Authorization("GET", "http://h/", nil)
	assert.Error(t, err, "no consumer key")
	_, err = (&Signer{ConsumerKey: "k"}).Authorization("GET", "/relative", nil)
	assert.Error(t, err)
	_, err = (&Signer{ConsumerKey: "k"}).Authorization("GET", "http://h/?a=1;b=2", nil)
	assert.Error(t, err, "a query Go cannot parse cannot be signed reliably")
	assert.Error(t, (&Signer{ConsumerKey: "k"}).Sign(&http.Request{}))
}

func TestSignIgnoresNonFormBody(t *testing.T) {
	nonce, now := fixed("ab", 1)
	s := &Signer{ConsumerKey: "k", ConsumerSecret: "s", Nonce: nonce, Now: now}
	want, err := s.Authorization("POST", "http://h/v3/auth/tokens", nil)
	require.NoError(t, err)
	req, err := http.NewRequest("POST", "http://h/v3/auth/tokens", strings.NewReader(`{"auth":{}}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	require.NoError(t, s.EditRequest(t.Context(), req))
	assert.Equal(t, want, req.Header.Get("Authorization"))
}

func TestSignBodyWithoutGetBody(t *testing.T) {
	nonce, now := fixed("ab", 1)
	s := &Signer{ConsumerKey: "k", ConsumerSecret: "s", Nonce: nonce, Now: now}
	want, err := s.Authorization("POST", "http://h/t", url.Values{"a": {"b c"}})
	require.NoError(t, err)
	req := &http.Request{Method: "POST", URL: &url.URL{Scheme: "http", Host: "h", Path: "/t"},
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body:   io.NopCloser(strings.NewReader("a=b+c"))}
	require.NoError(t, s.Sign(req))
	assert.Equal(t, want, req.Header.Get("Authorization"))
	b, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	assert.Equal(t, "a=b+c", string(b))
	require.NotNil(t, req.GetBody)
}

func TestBaseURI(t *testing.T) {
	for in, want := range map[string]string{
		"http://EXAMPLE.COM:80/r%20v/X?id=123": "http://example.com/r%20v/X",
		"https://www.example.net:8080/?q=1":    "https://www.example.net:8080/",
		"https://example.com:443":              "https://example.com/",
		"http://example.com:443/":              "http://example.com:443/",
		"http://[::1]:5000/v3":                 "http://[::1]:5000/v3",
		"http://[::1]/v3":                      "http://[::1]/v3",
	} {
		u, err := url.Parse(in)
		require.NoError(t, err)
		assert.Equal(t, want, BaseURI(u), in)
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"abcABC123-._~":      "abcABC123-._~",
		"%":                  "%25",
		"+":                  "%2B",
		" ":                  "%20",
		"&=*":                "%26%3D%2A",
		"\u00e9":             "%C3%A9",
		"\U0001F600":         "%F0%9F%98%80",
		"Ladies + Gentlemen": "Ladies%20%2B%20Gentlemen",
	} {
		assert.Equal(t, want, Escape(in), in)
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a b", "%zz", "é", "~-._", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		for i := 0; i < len(e); i++ {
			if c := e[i]; !unreserved(c) && c != '%' {
				t.Fatalf("Escape(%q) = %q keeps the reserved byte %q", s, e, c)
			}
		}
		back, err := url.PathUnescape(e)
		if err != nil || back != s {
			t.Fatalf("Escape(%q) = %q does not unescape back (%q, %v)", s, e, back, err)
		}
	})
}
