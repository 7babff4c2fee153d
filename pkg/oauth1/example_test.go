package oauth1_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/keystone-go/keystone/pkg/oauth1"
)

// Sign the request-token call of Keystone's OS-OAUTH1 flow. Nonce and Now are
// fixed here only so that the output is reproducible; leave them nil.
func ExampleSigner() {
	s := &oauth1.Signer{
		ConsumerKey:    "0123456789abcdef0123456789abcdef",
		ConsumerSecret: "s3cr3t",
		Callback:       "oob",
		Nonce:          func() string { return "abcdef0123456789" },
		Now:            func() time.Time { return time.Unix(1700000000, 0) },
	}
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:5000/v3/OS-OAUTH1/request_token", nil)
	req.Header.Set("Requested-Project-Id", "b9fca3")
	if err := s.Sign(req); err != nil {
		panic(err)
	}
	fmt.Println(req.Header.Get("Authorization"))
	// Output:
	// OAuth oauth_callback="oob", oauth_consumer_key="0123456789abcdef0123456789abcdef", oauth_nonce="abcdef0123456789", oauth_signature="8nQa7UkV0dZ4kIK6IciIGLCLs%2Bc%3D", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1700000000", oauth_version="1.0"
}

// Read Keystone's form-encoded answer to the request or access token call.
func ExampleParseTokenResponse() {
	tok, err := oauth1.ParseTokenResponse([]byte(
		"oauth_token=29971f&oauth_token_secret=238eb8&oauth_expires_at=2013-09-11T06:07:51.501805Z"))
	if err != nil {
		panic(err)
	}
	fmt.Println(tok.Key, tok.Secret, tok.ExpiresAt.Format(time.RFC3339))
	// Output: 29971f 238eb8 2013-09-11T06:07:51Z
}
