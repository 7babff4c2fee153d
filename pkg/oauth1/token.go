package oauth1

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/keystone-go/keystone/pkg/timestamp"
)

// Token is a request token or an access token as the provider hands it out
// (RFC 5849 sections 2.1 and 2.3).
type Token struct {
	// Key is oauth_token: the token's id.
	Key string
	// Secret is oauth_token_secret, the key half that signs with the token.
	Secret string
	// ExpiresAt is oauth_expires_at (a Keystone addition); zero when the
	// response had none, as when Keystone is configured with no expiry.
	ExpiresAt time.Time
	// Extra holds every other parameter of the response, such as
	// oauth_callback_confirmed.
	Extra url.Values
}

// ParseTokenResponse reads a form-encoded token response such as
// "oauth_token=29971f&oauth_token_secret=238eb8&oauth_expires_at=2013-09-11T06:07:51.501805Z",
// the body Keystone answers to POST /v3/OS-OAUTH1/request_token and
// /v3/OS-OAUTH1/access_token.
func ParseTokenResponse(body []byte) (Token, error) {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return Token{}, fmt.Errorf("oauth1: the token response is not form-encoded: %w", err)
	}
	tok := Token{
		Key:    values.Get("oauth_token"),
		Secret: values.Get("oauth_token_secret"),
	}
	if tok.Key == "" {
		return Token{}, errors.New("oauth1: the token response has no oauth_token")
	}
	if tok.Secret == "" {
		return Token{}, errors.New("oauth1: the token response has no oauth_token_secret")
	}
	if exp := values.Get("oauth_expires_at"); exp != "" {
		t, err := timestamp.Parse(exp)
		if err != nil {
			return Token{}, fmt.Errorf("oauth1: oauth_expires_at: %w", err)
		}
		tok.ExpiresAt = t.Time
	}
	for _, k := range []string{"oauth_token", "oauth_token_secret", "oauth_expires_at"} {
		values.Del(k)
	}
	if len(values) > 0 {
		tok.Extra = values
	}
	return tok, nil
}
