// Package oauth1 signs HTTP requests with OAuth 1.0a (RFC 5849) HMAC-SHA1
// signatures and reads the form-encoded token responses of an OAuth1
// provider. It is what Keystone's OS-OAUTH1 extension needs: the request
// token and access token calls, and token issue with the oauth1 method, all
// carry a signed "Authorization: OAuth ..." header.
//
// The package has no dependency on the generated clients; Signer.EditRequest
// has the shape of their RequestEditorFn, so a signer plugs into any call
// of identity.Client, which fills in the endpoint before the caller's
// editors run (the signature covers the URL) and sends the OAuth1 legs
// without a token:
//
//	s := &oauth1.Signer{ConsumerKey: consumerID, ConsumerSecret: consumerSecret, Callback: "oob"}
//	resp, err := client.CreateOAuth1RequestTokenWithResponse(ctx,
//		&identityv3.CreateOAuth1RequestTokenParams{RequestedProjectID: projectID},
//		s.EditRequest)
//	tok, err := oauth1.ParseTokenResponse(resp.Body) // tok.Key, tok.Secret, tok.ExpiresAt
//
// After the request token is authorized (PUT /v3/OS-OAUTH1/authorize/{id},
// which answers the verifier), the same consumer trades it for an access
// token, and the access token signs token requests:
//
//	s = &oauth1.Signer{ConsumerKey: consumerID, ConsumerSecret: consumerSecret,
//		Token: tok.Key, TokenSecret: tok.Secret, Verifier: verifier}
//	// POST /v3/OS-OAUTH1/access_token with s.EditRequest, then
//	s = &oauth1.Signer{ConsumerKey: consumerID, ConsumerSecret: consumerSecret,
//		Token: access.Key, TokenSecret: access.Secret}
//	// POST /v3/auth/tokens {"auth":{"identity":{"methods":["oauth1"],"oauth1":{}}}} with s.EditRequest
//
// What is signed follows RFC 5849 section 3.4.1: the method, the base string
// URI (lower-case scheme and host, default port dropped, no query), and every
// parameter from the query, a form-encoded body and the oauth_* protocol
// parameters, percent-encoded (section 3.6) and sorted. Keystone checks the
// signature against the URL it was reached at, so sign the URL the request
// is really sent to.
//
// Keystone's validator accepts only lower-case hexadecimal nonces, which is
// what the default nonce source produces; a custom Nonce function must do the
// same to be accepted by Keystone.
package oauth1
