package auth

import (
	"fmt"
	"slices"
	"time"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// AccessInfo is what a plugin obtained: the token and everything Keystone
// said about it. It is immutable once a Session holds it.
//
// Its methods are python-keystoneclient's and keystoneauth's AccessInfo
// properties in Go spelling (user_id → UserID, trust_scoped → TrustScoped,
// ...); each answers the zero value when the token does not carry the item,
// as the Python properties answer None.
type AccessInfo struct {
	// Token is the token itself (X-Subject-Token).
	Token string
	// ExpiresAt and IssuedAt come from the token body.
	ExpiresAt time.Time
	IssuedAt  time.Time
	// AuthURL is the versioned identity URL the token was issued by.
	AuthURL string
	// Catalog is the token's service catalog (empty with nocatalog).
	Catalog *catalog.Catalog
	// Body is the v3 token body as Keystone returned it.
	Body *identityv3.Token
	// V2 is the access body of a token from Identity v2.0 (V2Password,
	// V2Token, or a generic plugin on a v2.0-only server), with Body nil.
	// The getters answer from whichever of the two is set (v2.go).
	V2 *identityv2.Access

	// NoToken marks access that needs no token: the plugin authenticates
	// each request otherwise (http_basic, v3tokenlessauth) or not at all
	// (none). A Session sends no X-Auth-Token with it.
	NoToken bool
	// EndpointOverride, when set, is the URL of every service: the Session
	// looks nothing up in the catalog (admin_token, http_basic, none).
	EndpointOverride string

	// raw is the token answer's body exactly as Keystone sent it, so that
	// exported state keeps what the generated types do not model.
	raw []byte
	// fromCache marks a token read from a file cache or state, whose
	// issued_at says nothing of the clock now.
	fromCache bool
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v AccessInfo) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v AccessInfo) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// WillExpireSoon reports whether the token expires within margin of now.
// A token without an expiry never expires.
func (a *AccessInfo) WillExpireSoon(margin time.Duration) bool {
	return a.willExpireBy(time.Now().Add(margin))
}

func (a *AccessInfo) willExpireBy(t time.Time) bool {
	if a == nil {
		return true
	}
	return !a.ExpiresAt.IsZero() && !t.Before(a.ExpiresAt)
}

// Expires is when the token expires (zero for a token without expiry).
func (a *AccessInfo) Expires() time.Time { return a.ExpiresAt }

// Issued is when the token was issued.
func (a *AccessInfo) Issued() time.Time { return a.IssuedAt }

// Version is the Identity API version the token comes from: "v3", "v2.0",
// or "" for access that holds no Keystone token body (admin_token, none, ...).
func (a *AccessInfo) Version() string {
	if a.V2 != nil {
		return "v2.0"
	}
	if a.Body == nil {
		return ""
	}
	return "v3"
}

// HasServiceCatalog reports whether the token came with a catalog.
func (a *AccessInfo) HasServiceCatalog() bool { return a.Catalog.Len() > 0 }

// UserID is the id of the user the token was issued to.
func (a *AccessInfo) UserID() string {
	if a.V2 != nil {
		return a.V2.User.ID
	}
	if a.Body == nil {
		return ""
	}
	return deref(a.Body.User.ID)
}

// Username is the name of the user the token was issued to.
func (a *AccessInfo) Username() string {
	if a.V2 != nil {
		return v2Username(a.V2)
	}
	if a.Body == nil {
		return ""
	}
	return deref(a.Body.User.Name)
}

// UserDomainID is the id of the user's domain.
func (a *AccessInfo) UserDomainID() string {
	if a.V2 != nil {
		return v2DomainID
	}
	if a.Body == nil || a.Body.User.Domain == nil {
		return ""
	}
	return deref(a.Body.User.Domain.ID)
}

// UserDomainName is the name of the user's domain.
func (a *AccessInfo) UserDomainName() string {
	if a.V2 != nil {
		return v2DomainName
	}
	if a.Body == nil || a.Body.User.Domain == nil {
		return ""
	}
	return deref(a.Body.User.Domain.Name)
}

// PasswordExpiresAt is when the user's password expires, or the zero time
// when it does not (or the token does not say).
func (a *AccessInfo) PasswordExpiresAt() time.Time {
	if a.Body == nil || a.Body.User.PasswordExpiresAt == nil {
		return time.Time{}
	}
	return a.Body.User.PasswordExpiresAt.Time
}

// ProjectID is the project of a project-scoped token, or "".
func (a *AccessInfo) ProjectID() string {
	if a.V2 != nil {
		return v2ProjectID(a.V2)
	}
	if a.Body == nil || a.Body.Project == nil {
		return ""
	}
	return deref(a.Body.Project.ID)
}

// ProjectName is the project name of a project-scoped token, or "".
func (a *AccessInfo) ProjectName() string {
	if a.V2 != nil {
		return v2ProjectName(a.V2)
	}
	if a.Body == nil || a.Body.Project == nil {
		return ""
	}
	return deref(a.Body.Project.Name)
}

// ProjectDomainID is the id of the project's domain, or "".
func (a *AccessInfo) ProjectDomainID() string {
	if a.V2 != nil {
		return v2TenantDomain(a.V2, v2DomainID)
	}
	if a.Body == nil || a.Body.Project == nil || a.Body.Project.Domain == nil {
		return ""
	}
	return deref(a.Body.Project.Domain.ID)
}

// ProjectDomainName is the name of the project's domain, or "".
func (a *AccessInfo) ProjectDomainName() string {
	if a.V2 != nil {
		return v2TenantDomain(a.V2, v2DomainName)
	}
	if a.Body == nil || a.Body.Project == nil || a.Body.Project.Domain == nil {
		return ""
	}
	return deref(a.Body.Project.Domain.Name)
}

// TenantID is ProjectID (keystoneclient's v2-era synonym).
func (a *AccessInfo) TenantID() string { return a.ProjectID() }

// TenantName is ProjectName (keystoneclient's v2-era synonym).
func (a *AccessInfo) TenantName() string { return a.ProjectName() }

// ProjectIsDomain reports whether the token's project acts as a domain.
func (a *AccessInfo) ProjectIsDomain() bool {
	return a.Body != nil && a.Body.IsDomain != nil && *a.Body.IsDomain
}

// IsAdminProject reports whether the token's project is the cloud's admin
// project. Like keystoneauth, it answers true when the token does not say
// (Keystone leaves is_admin_project out when no admin project is
// configured, and policies then treat every project as one).
func (a *AccessInfo) IsAdminProject() bool {
	if a.Body == nil || a.Body.IsAdminProject == nil {
		return true
	}
	return *a.Body.IsAdminProject
}

// DomainID is the domain of a domain-scoped token, or "".
func (a *AccessInfo) DomainID() string {
	if a.Body == nil || a.Body.Domain == nil {
		return ""
	}
	return deref(a.Body.Domain.ID)
}

// DomainName is the domain name of a domain-scoped token, or "".
func (a *AccessInfo) DomainName() string {
	if a.Body == nil || a.Body.Domain == nil {
		return ""
	}
	return deref(a.Body.Domain.Name)
}

// ProjectScoped reports whether the token is scoped to a project.
func (a *AccessInfo) ProjectScoped() bool {
	return a.Body != nil && a.Body.Project != nil || a.V2 != nil && v2ProjectID(a.V2) != ""
}

// DomainScoped reports whether the token is scoped to a domain.
func (a *AccessInfo) DomainScoped() bool { return a.Body != nil && a.Body.Domain != nil }

// SystemScoped reports whether the token is scoped to the whole system.
func (a *AccessInfo) SystemScoped() bool {
	return a.Body != nil && a.Body.System != nil && a.Body.System.All != nil && *a.Body.System.All
}

// Scoped reports whether the token has any scope.
func (a *AccessInfo) Scoped() bool {
	return a.ProjectID() != "" || a.DomainID() != "" || a.SystemScoped() || a.TrustID() != ""
}

// TrustID is the trust of a trust-scoped token, or "".
func (a *AccessInfo) TrustID() string {
	if a.V2 != nil {
		return v2TrustID(a.V2)
	}
	if a.Body == nil || a.Body.OSTRUSTTrust == nil {
		return ""
	}
	return deref(a.Body.OSTRUSTTrust.ID)
}

// TrustScoped reports whether the token was obtained through a trust.
func (a *AccessInfo) TrustScoped() bool {
	return a.Body != nil && a.Body.OSTRUSTTrust != nil || a.V2 != nil && a.V2.Trust != nil
}

// TrusteeUserID is the trustee of a trust-scoped token, or "".
func (a *AccessInfo) TrusteeUserID() string {
	if a.V2 != nil {
		return v2TrusteeUserID(a.V2)
	}
	if a.Body == nil || a.Body.OSTRUSTTrust == nil || a.Body.OSTRUSTTrust.TrusteeUser == nil {
		return ""
	}
	return deref(a.Body.OSTRUSTTrust.TrusteeUser.ID)
}

// TrustorUserID is the trustor of a trust-scoped token, or "".
func (a *AccessInfo) TrustorUserID() string {
	if a.V2 != nil {
		return v2TrustorUserID(a.V2)
	}
	if a.Body == nil || a.Body.OSTRUSTTrust == nil || a.Body.OSTRUSTTrust.TrustorUser == nil {
		return ""
	}
	return deref(a.Body.OSTRUSTTrust.TrustorUser.ID)
}

// Impersonation reports whether a trust-scoped token acts as the trustor
// (the token's user is then the trustor, not the trustee).
func (a *AccessInfo) Impersonation() bool {
	if a.V2 != nil {
		return a.V2.Trust != nil && deref(a.V2.Trust.Impersonation)
	}
	return a.Body != nil && a.Body.OSTRUSTTrust != nil && a.Body.OSTRUSTTrust.Impersonation != nil &&
		*a.Body.OSTRUSTTrust.Impersonation
}

// RedelegatedTrustID is the trust a redelegated trust came from, or "".
func (a *AccessInfo) RedelegatedTrustID() string {
	if a.Body == nil || a.Body.OSTRUSTTrust == nil {
		return ""
	}
	return deref(a.Body.OSTRUSTTrust.RedelegatedTrustID)
}

// Roles are the token's roles as Keystone listed them.
func (a *AccessInfo) Roles() []identityv3.TokenRole {
	if a.V2 != nil {
		return v2Roles(a.V2)
	}
	if a.Body == nil {
		return nil
	}
	return a.Body.Roles
}

// RoleIDs lists the ids of the token's roles.
func (a *AccessInfo) RoleIDs() []string {
	if a.V2 != nil {
		return v2RoleIDs(a.V2)
	}
	if a.Body == nil {
		return nil
	}
	ids := make([]string, 0, len(a.Body.Roles))
	for _, r := range a.Body.Roles {
		ids = append(ids, deref(r.ID))
	}
	return ids
}

// RoleNames lists the names of the token's roles.
func (a *AccessInfo) RoleNames() []string {
	if a.V2 != nil {
		return v2RoleNames(a.V2)
	}
	if a.Body == nil {
		return nil
	}
	names := make([]string, 0, len(a.Body.Roles))
	for _, r := range a.Body.Roles {
		names = append(names, deref(r.Name))
	}
	return names
}

// HasRole reports whether the token has a role of this name.
func (a *AccessInfo) HasRole(name string) bool { return slices.Contains(a.RoleNames(), name) }

// Methods lists the auth methods the token was obtained with.
func (a *AccessInfo) Methods() []string {
	if a.Body == nil {
		return nil
	}
	return a.Body.Methods
}

// AuditIDs are the token's audit ids (its own first, then its parent's).
func (a *AccessInfo) AuditIDs() []string {
	if a.V2 != nil {
		return v2AuditIDs(a.V2)
	}
	if a.Body == nil {
		return nil
	}
	return a.Body.AuditIDs
}

// AuditID is the token's own audit id.
func (a *AccessInfo) AuditID() string {
	if ids := a.AuditIDs(); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// AuditChainID is, for a token obtained from another token (rescoped), the
// audit id of the first token of the chain; "" otherwise.
func (a *AccessInfo) AuditChainID() string {
	if ids := a.AuditIDs(); len(ids) > 1 {
		return ids[1]
	}
	return ""
}

// InitialAuditID is AuditChainID, or AuditID for the first token of a
// chain: the id that ties every token of one login together.
func (a *AccessInfo) InitialAuditID() string {
	if id := a.AuditChainID(); id != "" {
		return id
	}
	return a.AuditID()
}

// IsFederated reports whether the user came in through federation.
func (a *AccessInfo) IsFederated() bool { return a.Body != nil && a.Body.User.OSFEDERATION != nil }

// IdentityProviderID is the identity provider of a federated user, or "".
func (a *AccessInfo) IdentityProviderID() string {
	if !a.IsFederated() || a.Body.User.OSFEDERATION.IdentityProvider == nil {
		return ""
	}
	return deref(a.Body.User.OSFEDERATION.IdentityProvider.ID)
}

// ProtocolID is the federation protocol a federated user came in by, or "".
func (a *AccessInfo) ProtocolID() string {
	if !a.IsFederated() || a.Body.User.OSFEDERATION.Protocol == nil {
		return ""
	}
	return deref(a.Body.User.OSFEDERATION.Protocol.ID)
}

// FederatedGroupIDs are the groups a federated user was mapped into.
func (a *AccessInfo) FederatedGroupIDs() []string {
	if !a.IsFederated() {
		return nil
	}
	ids := make([]string, 0, len(a.Body.User.OSFEDERATION.Groups))
	for _, g := range a.Body.User.OSFEDERATION.Groups {
		ids = append(ids, deref(g.ID))
	}
	return ids
}

// OAuthAccessTokenID is the OAuth1 access token the token was obtained
// with, or "".
func (a *AccessInfo) OAuthAccessTokenID() string {
	if a.Body == nil || a.Body.OSOAUTH1 == nil {
		return ""
	}
	return deref(a.Body.OSOAUTH1.AccessTokenID)
}

// OAuthConsumerID is the OAuth1 consumer the token was obtained through, or "".
func (a *AccessInfo) OAuthConsumerID() string {
	if a.Body == nil || a.Body.OSOAUTH1 == nil {
		return ""
	}
	return deref(a.Body.OSOAUTH1.ConsumerID)
}

// OAuth2CredentialThumbprint is the SHA-256 thumbprint (x5t#S256) of the
// client certificate an OAuth 2.0 mutual-TLS token is bound to, or "".
func (a *AccessInfo) OAuth2CredentialThumbprint() string {
	if a.Body == nil || a.Body.Oauth2Credential == nil {
		return ""
	}
	return deref(a.Body.Oauth2Credential.X5TS256)
}

// ApplicationCredentialID is the application credential the token was
// obtained with, or "".
func (a *AccessInfo) ApplicationCredentialID() string {
	if a.Body == nil || a.Body.ApplicationCredential == nil {
		return ""
	}
	return deref(a.Body.ApplicationCredential.ID)
}

// ApplicationCredentialName is the name of that application credential.
func (a *AccessInfo) ApplicationCredentialName() string {
	if a.Body == nil || a.Body.ApplicationCredential == nil {
		return ""
	}
	return deref(a.Body.ApplicationCredential.Name)
}

// ApplicationCredentialRestricted reports whether that application
// credential is restricted (it may not create credentials or trusts).
func (a *AccessInfo) ApplicationCredentialRestricted() bool {
	return a.Body != nil && a.Body.ApplicationCredential != nil &&
		a.Body.ApplicationCredential.Restricted != nil && *a.Body.ApplicationCredential.Restricted
}

// ApplicationCredentialAccessRules are the access rules of that
// application credential (empty when it has none).
func (a *AccessInfo) ApplicationCredentialAccessRules() []identityv3.TokenAccessRule {
	if a.Body == nil || a.Body.ApplicationCredential == nil {
		return nil
	}
	return a.Body.ApplicationCredential.AccessRules
}

// ServiceProviders are the federation service providers (Keystone to
// Keystone) the token may be used with.
func (a *AccessInfo) ServiceProviders() []identityv3.TokenServiceProvider {
	if a.Body == nil {
		return nil
	}
	return a.Body.ServiceProviders
}

// ServiceProviderURL is the sp_url of a service provider, or "".
func (a *AccessInfo) ServiceProviderURL(id string) string {
	for _, sp := range a.ServiceProviders() {
		if deref(sp.ID) == id {
			return deref(sp.SpURL)
		}
	}
	return ""
}

// ServiceProviderAuthURL is the auth_url of a service provider, or "".
func (a *AccessInfo) ServiceProviderAuthURL(id string) string {
	for _, sp := range a.ServiceProviders() {
		if deref(sp.ID) == id {
			return deref(sp.AuthURL)
		}
	}
	return ""
}

// Bind is the token's bind information (for example kerberos), or nil.
func (a *AccessInfo) Bind() map[string]any {
	if a.V2 != nil {
		return v2Bind(a.V2)
	}
	if a.Body == nil {
		return nil
	}
	return a.Body.Bind
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
