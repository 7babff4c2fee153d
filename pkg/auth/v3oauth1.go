package auth

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/oauth1"
)

// OAuth1 authenticates with an OS-OAUTH1 access token (keystoneauth's
// v3oauth1): the token request carries an "Authorization: OAuth ..." header
// signed with the consumer's and the access token's secrets. The token is
// scoped to the project the access token was authorized for, so there is
// no Scope.
type OAuth1 struct {
	AuthURL        string
	ConsumerKey    string
	ConsumerSecret string
	AccessKey      string
	AccessSecret   string
	NoCatalog      bool
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v OAuth1) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v OAuth1) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

func (p *OAuth1) method() *OAuth1Method {
	return &OAuth1Method{ConsumerKey: p.ConsumerKey, ConsumerSecret: p.ConsumerSecret,
		AccessKey: p.AccessKey, AccessSecret: p.AccessSecret}
}

// Authenticate issues a token with the oauth1 method.
func (p *OAuth1) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	return v3Auth{authURL: p.AuthURL, methods: []Method{p.method()}, noCatalog: p.NoCatalog}.issue(ctx, client)
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (p *OAuth1) CacheKey() map[string]string {
	return CacheKey("v3oauth1", p.AuthURL, nil, p.NoCatalog, p.method())
}

// CacheSecret is the consumer's and the access token's secrets (see
// SecretProver).
func (p *OAuth1) CacheSecret() ([]byte, bool) { return methodsSecret(p.method()) }

// OAuth1Method is the oauth1 method: an empty "oauth1" member, and the
// request signed with HMAC-SHA1 (RFC 5849) by consumer and access token.
type OAuth1Method struct {
	ConsumerKey    string
	ConsumerSecret string
	AccessKey      string
	AccessSecret   string
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v OAuth1Method) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v OAuth1Method) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// MethodName is "oauth1".
func (m *OAuth1Method) MethodName() string { return "oauth1" }

// AddTo adds {"oauth1": {}} and signs the request when it is sent.
func (m *OAuth1Method) AddTo(_ context.Context, r *TokenRequest) error {
	for _, o := range []struct{ name, value string }{
		{"consumer_key", m.ConsumerKey}, {"consumer_secret", m.ConsumerSecret},
		{"access_key", m.AccessKey}, {"access_secret", m.AccessSecret},
	} {
		if o.value == "" {
			return missing(o.name)
		}
	}
	if r.Members == nil {
		r.Members = map[string]json.RawMessage{}
	}
	r.Members["oauth1"] = json.RawMessage(`{}`)
	signer := &oauth1.Signer{ConsumerKey: m.ConsumerKey, ConsumerSecret: m.ConsumerSecret,
		Token: m.AccessKey, TokenSecret: m.AccessSecret}
	r.Editors = append(r.Editors, signer.EditRequest)
	return nil
}

// CacheKey identifies consumer and access token; the secrets are left out.
func (m *OAuth1Method) CacheKey() map[string]string {
	return map[string]string{"oauth1.consumer_key": m.ConsumerKey, "oauth1.access_key": m.AccessKey}
}

// CacheSecret is the consumer's and the access token's secrets (see
// SecretProver).
func (m *OAuth1Method) CacheSecret() ([]byte, bool) {
	return SecretFields(m.ConsumerSecret, m.AccessSecret), true
}
