package auth

import (
	"context"
	"fmt"

	"github.com/keystone-go/keystone/internal/redact"
)

// ApplicationCredential authenticates with an application credential
// (keystoneauth's v3applicationcredential): by ID, or by Name with the
// owning user (UserID, or Username with UserDomainID or UserDomainName),
// plus the Secret.
//
// There is no Scope: the token is always scoped to the credential's
// project, and Keystone refuses a request that names a scope.
type ApplicationCredential struct {
	AuthURL        string
	ID             string
	Name           string
	Secret         string
	UserID         string
	Username       string
	UserDomainID   string
	UserDomainName string
	NoCatalog      bool
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v ApplicationCredential) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, v, secretFieldNames)
}
func (v ApplicationCredential) MarshalJSON() ([]byte, error) { return redact.JSON(v, secretFieldNames) }

func (p *ApplicationCredential) method() *ApplicationCredentialMethod {
	return &ApplicationCredentialMethod{ID: p.ID, Name: p.Name, Secret: p.Secret, UserID: p.UserID,
		Username: p.Username, UserDomainID: p.UserDomainID, UserDomainName: p.UserDomainName}
}

// Authenticate issues a token with the application_credential method.
func (p *ApplicationCredential) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	return v3Auth{authURL: p.AuthURL, methods: []Method{p.method()}, noCatalog: p.NoCatalog}.issue(ctx, client)
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (p *ApplicationCredential) CacheKey() map[string]string {
	return CacheKey("v3applicationcredential", p.AuthURL, nil, p.NoCatalog, p.method())
}

// CacheSecret is the application credential's secret (see SecretProver).
func (p *ApplicationCredential) CacheSecret() ([]byte, bool) { return methodsSecret(p.method()) }
