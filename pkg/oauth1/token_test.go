package oauth1

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTokenResponse(t *testing.T) {
	// The body of the api-ref's request token sample.
	tok, err := ParseTokenResponse([]byte("oauth_token=29971f&oauth_token_secret=238eb8&oauth_expires_at=2013-09-11T06:07:51.501805Z"))
	require.NoError(t, err)
	assert.Equal(t, "29971f", tok.Key)
	assert.Equal(t, "238eb8", tok.Secret)
	assert.True(t, tok.ExpiresAt.Equal(time.Date(2013, 9, 11, 6, 7, 51, 501805000, time.UTC)), tok.ExpiresAt)
	assert.Nil(t, tok.Extra)

	tok, err = ParseTokenResponse([]byte("oauth_token=a%20b&oauth_token_secret=s&oauth_callback_confirmed=true"))
	require.NoError(t, err)
	assert.Equal(t, "a b", tok.Key)
	assert.True(t, tok.ExpiresAt.IsZero(), "no oauth_expires_at: no expiry")
	assert.Equal(t, "true", tok.Extra.Get("oauth_callback_confirmed"))
}

func TestParseTokenResponseErrors(t *testing.T) {
	for _, body := range []string{
		"",
		"oauth_token_secret=s",
		"oauth_token=k",
		"oauth_token=k&oauth_token_secret=s&oauth_expires_at=tomorrow",
		"oauth_token=k;oauth_token_secret=s",
		"oauth_token=%zz&oauth_token_secret=s",
		`{"error":{"code":401}}`,
	} {
		_, err := ParseTokenResponse([]byte(body))
		assert.Error(t, err, body)
	}
}

func FuzzParseTokenResponse(f *testing.F) {
	f.Add([]byte("oauth_token=29971f&oauth_token_secret=238eb8&oauth_expires_at=2013-09-11T06:07:51.501805Z"))
	f.Add([]byte("oauth_token=&oauth_token_secret="))
	f.Add([]byte("%"))
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := ParseTokenResponse(body)
		if err == nil && (tok.Key == "" || tok.Secret == "") {
			t.Fatalf("accepted %q without a key or secret", body)
		}
	})
}
