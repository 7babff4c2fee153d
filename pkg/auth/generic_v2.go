package auth

import (
	"context"
)

// This file is the v2.0 half of the generic plugins: when the server offers
// only Identity v2.0, they hand over to V2Password and V2Token at the v2.0
// root URL that discovery found. identityVersion has already refused v2.0
// for anything that needs v3 (domains, system scope).

// v2Password authenticates a GenericPassword on a server that offers only
// Identity v2.0 (tenant from Scope.ProjectID / ProjectName, trust from
// Scope.TrustID).
func v2Password(ctx context.Context, client Doer, v2URL string, p *GenericPassword) (*AccessInfo, error) {
	return p.v2(v2URL).Authenticate(ctx, client)
}

// v2 is the v2.0 plugin the generic one stands for at the v2.0 URL u. The
// default domain options mean nothing to v2.0 (keystoneauth ignores them
// too), and neither does NoCatalog: a v2.0 token always has its catalog.
func (p *GenericPassword) v2(u string) *V2Password {
	return &V2Password{AuthURL: u, UserID: p.UserID, Username: p.Username, Password: p.Password,
		TenantID: p.Scope.ProjectID, TenantName: p.Scope.ProjectName, TrustID: p.Scope.TrustID}
}

// v2Token exchanges a GenericToken's token on a server that offers only
// Identity v2.0.
func v2Token(ctx context.Context, client Doer, v2URL string, p *GenericToken) (*AccessInfo, error) {
	return p.v2(v2URL).Authenticate(ctx, client)
}

func (p *GenericToken) v2(u string) *V2Token {
	return &V2Token{AuthURL: u, Token: p.Token,
		TenantID: p.Scope.ProjectID, TenantName: p.Scope.ProjectName, TrustID: p.Scope.TrustID}
}
