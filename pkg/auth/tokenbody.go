package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// AccessInfoFromBody builds the AccessInfo of a token as Keystone described
// it: the answer to a token request or to a validation, v3 ({"token": ...},
// with the token itself from the answer's X-Subject-Token header) or v2.0
// ({"access": ...}, which holds its token id; subjectToken is then "" or
// that id). authURL is the versioned identity URL that answered; it becomes
// AccessInfo.AuthURL. The catalog comes from the body, and the body is kept
// as it is, so that the AccessInfo exports like one a plugin obtained.
//
// A body that is neither, or that lacks the token, its expiry or (v3) the
// subject token, is an error matching apierror.ErrInvalidResponse.
func AccessInfoFromBody(subjectToken string, body []byte, authURL string) (*AccessInfo, error) {
	a, err := parseTokenBody(subjectToken, body, authURL)
	if err != nil {
		return nil, fmt.Errorf("%w: token body: %w", apierror.ErrInvalidResponse, err)
	}
	return a, nil
}

// parseTokenBody reads a v3 token or v2.0 access answer; its errors carry
// no kind, which the caller adds (a token answer is an invalid response, a
// stored state an invalid configuration).
func parseTokenBody(subjectToken string, body []byte, authURL string) (*AccessInfo, error) {
	var envelope struct {
		Token  json.RawMessage `json:"token"`
		Access json.RawMessage `json:"access"`
	}
	if err := json.Unmarshal(body, &envelope); err != nil {
		return nil, err
	}
	if envelope.Access != nil && envelope.Token == nil {
		return parseV2Body(subjectToken, body, authURL)
	}
	if envelope.Token == nil {
		return nil, errors.New(`neither "token" nor "access"`)
	}
	if subjectToken == "" {
		return nil, errors.New("a v3 token body without its token (X-Subject-Token)")
	}
	var env identityv3.TokenEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	if env.Token.ExpiresAt.IsZero() {
		return nil, errors.New("token without expires_at")
	}
	a := accessFromToken(subjectToken, &env.Token, authURL)
	a.raw = bytes.Clone(body)
	return a, nil
}

func parseV2Body(subjectToken string, body []byte, authURL string) (*AccessInfo, error) {
	var env identityv2.AccessEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	if subjectToken != "" && env.Access.Token.ID != subjectToken {
		return nil, errors.New("the token does not match its access body")
	}
	if env.Access.Token.Expires.IsZero() {
		return nil, errors.New("access without token.expires")
	}
	return accessFromV2(&env.Access, bytes.Clone(body), authURL)
}
