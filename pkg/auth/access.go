package auth

import (
	"time"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// AccessInfo is what a plugin obtained: the token and everything Keystone
// said about it. It is immutable once a Session holds it.
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
}

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

// UserID is the id of the user the token was issued to.
func (a *AccessInfo) UserID() string {
	if a.Body == nil {
		return ""
	}
	return deref(a.Body.User.ID)
}

// Username is the name of the user the token was issued to.
func (a *AccessInfo) Username() string {
	if a.Body == nil {
		return ""
	}
	return deref(a.Body.User.Name)
}

// ProjectID is the project of a project-scoped token, or "".
func (a *AccessInfo) ProjectID() string {
	if a.Body == nil || a.Body.Project == nil {
		return ""
	}
	return deref(a.Body.Project.ID)
}

// ProjectName is the project name of a project-scoped token, or "".
func (a *AccessInfo) ProjectName() string {
	if a.Body == nil || a.Body.Project == nil {
		return ""
	}
	return deref(a.Body.Project.Name)
}

// DomainID is the domain of a domain-scoped token, or "".
func (a *AccessInfo) DomainID() string {
	if a.Body == nil || a.Body.Domain == nil {
		return ""
	}
	return deref(a.Body.Domain.ID)
}

// SystemScoped reports whether the token is scoped to the whole system.
func (a *AccessInfo) SystemScoped() bool {
	return a.Body != nil && a.Body.System != nil && a.Body.System.All != nil && *a.Body.System.All
}

// TrustID is the trust of a trust-scoped token, or "".
func (a *AccessInfo) TrustID() string {
	if a.Body == nil || a.Body.OSTRUSTTrust == nil {
		return ""
	}
	return deref(a.Body.OSTRUSTTrust.ID)
}

// Scoped reports whether the token has any scope.
func (a *AccessInfo) Scoped() bool {
	return a.ProjectID() != "" || a.DomainID() != "" || a.SystemScoped() || a.TrustID() != ""
}

// RoleNames lists the names of the token's roles.
func (a *AccessInfo) RoleNames() []string {
	if a.Body == nil {
		return nil
	}
	names := make([]string, 0, len(a.Body.Roles))
	for _, r := range a.Body.Roles {
		names = append(names, deref(r.Name))
	}
	return names
}

// Methods lists the auth methods the token was obtained with.
func (a *AccessInfo) Methods() []string {
	if a.Body == nil {
		return nil
	}
	return a.Body.Methods
}

// AuditIDs are the token's audit ids (its own first, then its parent's).
func (a *AccessInfo) AuditIDs() []string {
	if a.Body == nil {
		return nil
	}
	return a.Body.AuditIDs
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
