package oauth1_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/oauth1"
)

// oauthKeystone answers the request-token call when its signature covers
// the URL the request reached, as Keystone checks it.
func oauthKeystone() *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v3/auth/tokens" {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Subject-Token", "admin-token")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u1"},"expires_at":%q,"issued_at":%q,
				"catalog":[{"type":"identity","endpoints":[{"interface":"public","url":"%s/v3"}]}]}}`,
				time.Now().Add(time.Hour).UTC().Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339), srv.URL)
			return
		}
		params := map[string]string{}
		for _, kv := range strings.Split(strings.TrimPrefix(r.Header.Get("Authorization"), "OAuth "), ", ") {
			k, v, _ := strings.Cut(kv, "=")
			params[k] = strings.Trim(v, `"`)
		}
		ts, _ := strconv.ParseInt(params["oauth_timestamp"], 10, 64)
		check := &oauth1.Signer{ConsumerKey: "consumer", ConsumerSecret: "consumer-secret", Callback: "oob",
			Nonce: func() string { return params["oauth_nonce"] }, Now: func() time.Time { return time.Unix(ts, 0) }}
		want, _ := check.Authorization(r.Method, srv.URL+r.URL.Path, nil)
		if want != r.Header.Get("Authorization") || r.Header.Get("X-Auth-Token") != "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, "oauth_token=rt1&oauth_token_secret=rts&oauth_expires_at=2030-01-01T00:00:00.000000Z")
	}))
	return srv
}

// The request-token call through identity.Client: the client fills in the
// endpoint before the signer runs, and sends the call without a token.
func ExampleSigner_EditRequest() {
	keystone := oauthKeystone()
	defer keystone.Close()
	ctx := context.Background()
	client, err := identity.NewV3(auth.New(&auth.Password{AuthURL: keystone.URL + "/v3", UserID: "u1", Password: "secret"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	s := &oauth1.Signer{ConsumerKey: "consumer", ConsumerSecret: "consumer-secret", Callback: "oob"}
	resp, err := client.Raw().CreateOAuth1RequestTokenWithResponse(ctx,
		&identityv3.CreateOAuth1RequestTokenParams{RequestedProjectID: "p1"}, s.EditRequest)
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := oauth1.ParseTokenResponse(resp.Body)
	fmt.Println(resp.StatusCode(), tok.Key, err)
	// Output: 201 rt1 <nil>
}
