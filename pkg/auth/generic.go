package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// GenericPassword authenticates with a password on whichever Identity API
// the server offers (keystoneauth's generic "password" plugin): it
// discovers the versions at AuthURL and uses v3 when offered, else v2.0.
// A versioned AuthURL (".../v3", ".../v2.0") skips discovery.
type GenericPassword struct {
	AuthURL        string
	UserID         string
	Username       string
	UserDomainID   string
	UserDomainName string
	Password       string
	Scope          Scope
	// DefaultDomainID and DefaultDomainName stand in for the user's and
	// the project's domain on v3 when those are not set; v2.0 ignores them.
	DefaultDomainID   string
	DefaultDomainName string
	NoCatalog         bool
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v GenericPassword) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v GenericPassword) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// Authenticate picks the API version and authenticates with it.
func (p *GenericPassword) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	major, u, err := identityVersion(ctx, client, p.AuthURL, p.v3Only())
	if err != nil {
		return nil, err
	}
	if major == 2 {
		return v2Password(ctx, client, u, p)
	}
	return p.v3(u).Authenticate(ctx, client)
}

// v3 is the v3 plugin the generic one stands for at the v3 URL u.
func (p *GenericPassword) v3(u string) *Password {
	v3 := &Password{AuthURL: u, UserID: p.UserID, Username: p.Username, UserDomainID: p.UserDomainID,
		UserDomainName: p.UserDomainName, Password: p.Password, Scope: p.Scope, NoCatalog: p.NoCatalog}
	if v3.UserDomainID == "" && v3.UserDomainName == "" {
		v3.UserDomainID, v3.UserDomainName = p.DefaultDomainID, p.DefaultDomainName
	}
	v3.Scope = withDefaultDomain(v3.Scope, p.DefaultDomainID, p.DefaultDomainName)
	return v3
}

// v3Only reports whether something set has no v2.0 meaning (domains,
// system scope), so that v2.0 must not be chosen.
func (p *GenericPassword) v3Only() bool {
	return p.UserDomainID != "" || p.UserDomainName != "" || scopeNeedsV3(p.Scope)
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (p *GenericPassword) CacheKey() map[string]string {
	v3 := p.v3(p.AuthURL)
	return CacheKey("password", p.AuthURL, &v3.Scope, p.NoCatalog, v3.method())
}

// CacheSecret is the password (see SecretProver).
func (p *GenericPassword) CacheSecret() ([]byte, bool) { return []byte(p.Password), true }

// GenericToken exchanges a token on whichever Identity API the server
// offers (keystoneauth's generic "token" plugin); see GenericPassword.
type GenericToken struct {
	AuthURL           string
	Token             string
	Scope             Scope
	DefaultDomainID   string
	DefaultDomainName string
	NoCatalog         bool
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v GenericToken) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v GenericToken) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// Authenticate picks the API version and authenticates with it.
func (p *GenericToken) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	major, u, err := identityVersion(ctx, client, p.AuthURL, scopeNeedsV3(p.Scope))
	if err != nil {
		return nil, err
	}
	if major == 2 {
		return v2Token(ctx, client, u, p)
	}
	return p.v3(u).Authenticate(ctx, client)
}

func (p *GenericToken) v3(u string) *Token {
	return &Token{AuthURL: u, Token: p.Token, NoCatalog: p.NoCatalog,
		Scope: withDefaultDomain(p.Scope, p.DefaultDomainID, p.DefaultDomainName)}
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (p *GenericToken) CacheKey() map[string]string {
	v3 := p.v3(p.AuthURL)
	return CacheKey("token", p.AuthURL, &v3.Scope, p.NoCatalog, &TokenMethod{Token: p.Token})
}

// CacheSecret is the token (see SecretProver).
func (p *GenericToken) CacheSecret() ([]byte, bool) { return []byte(p.Token), true }

func withDefaultDomain(s Scope, id, name string) Scope {
	if s.ProjectName != "" && s.ProjectDomainID == "" && s.ProjectDomainName == "" {
		s.ProjectDomainID, s.ProjectDomainName = id, name
	}
	return s
}

func scopeNeedsV3(s Scope) bool {
	return s.DomainID != "" || s.DomainName != "" || s.ProjectDomainID != "" || s.ProjectDomainName != "" || s.System
}

// identityVersion decides between v3 and v2.0 at authURL and returns the
// chosen major version and its root URL. v3 wins whenever it is offered;
// v2.0 is chosen only when it is the only one and v3Only is false.
func identityVersion(ctx context.Context, client Doer, authURL string, v3Only bool) (int, string, error) {
	if authURL == "" {
		return 0, "", missing("auth_url")
	}
	switch catalog.VersionOfURL(authURL) {
	case 3:
		return 3, strings.TrimSuffix(authURL, "/"), nil
	case 2:
		if v3Only {
			return 0, "", fmt.Errorf("%w: %s is an Identity v2.0 URL, and v2.0 has no domains or system scope",
				apierror.ErrVersionNotAvailable, authURL)
		}
		return 2, strings.TrimSuffix(authURL, "/"), nil
	}
	d := discoveryOf(client)
	u, err := d.VersionedURL(ctx, client, authURL, 3)
	if err == nil {
		return 3, u, nil
	}
	if !errors.Is(err, apierror.ErrVersionNotAvailable) {
		return 0, "", fmt.Errorf("auth: discovering the identity versions at %s: %w", authURL, err)
	}
	if v3Only {
		return 0, "", fmt.Errorf("auth: %s offers no Identity v3, and v2.0 has no domains or system scope: %w", authURL, err)
	}
	u2, err2 := d.VersionedURL(ctx, client, authURL, 2)
	if err2 != nil {
		return 0, "", fmt.Errorf("auth: %s offers neither Identity v3 nor v2.0: %w", authURL, err)
	}
	return 2, u2, nil
}
