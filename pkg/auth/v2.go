package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// V2Password authenticates with a user's password on the Identity v2.0 API
// (keystoneauth's v2password): POST {AuthURL}/tokens with
// passwordCredentials. Identity v2.0 has no domains: the user and the
// tenant are those of Keystone's default domain.
type V2Password struct {
	// AuthURL is Keystone's v2.0 URL ("https://keystone.example/v2.0"); an
	// unversioned URL is resolved through version discovery.
	AuthURL string
	// The user: by UserID or by Username (UserID wins when both are set,
	// as with Password; keystoneauth sends the username).
	UserID   string
	Username string
	Password string
	// TenantID or TenantName scopes the token to a tenant (TenantID wins
	// when both are set); without either the token is unscoped.
	TenantID   string
	TenantName string
	// TrustID asks for a token through a trust (OS-TRUST).
	TrustID string
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v V2Password) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v V2Password) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// Authenticate issues a v2.0 token with the password.
func (p *V2Password) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	creds := &identityv2.PasswordCredentials{Password: p.Password}
	switch {
	case p.UserID != "":
		creds.UserID = &p.UserID
	case p.Username != "":
		creds.Username = &p.Username
	default:
		return nil, missing("user_id or username")
	}
	if p.Password == "" {
		return nil, missing("password")
	}
	return v2Auth{authURL: p.AuthURL, tenantID: p.TenantID, tenantName: p.TenantName, trustID: p.TrustID}.
		issue(ctx, client, identityv2.Auth{PasswordCredentials: creds})
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (p *V2Password) CacheKey() map[string]string {
	return CacheKey("v2password", p.AuthURL, v2Scope(p.TenantID, p.TenantName, p.TrustID), false,
		&PasswordMethod{UserID: p.UserID, Username: p.Username})
}

// CacheSecret is the password (see SecretProver).
func (p *V2Password) CacheSecret() ([]byte, bool) { return []byte(p.Password), true }

// V2Token exchanges an existing token for a new one on the Identity v2.0
// API (keystoneauth's v2token), typically to scope an unscoped token to a
// tenant. Keystone keeps the original token's expiry.
type V2Token struct {
	// AuthURL is Keystone's v2.0 URL; an unversioned URL is resolved
	// through version discovery.
	AuthURL    string
	Token      string
	TenantID   string
	TenantName string
	TrustID    string
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v V2Token) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v V2Token) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// Authenticate issues a v2.0 token in exchange for Token.
func (t *V2Token) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	if t.Token == "" {
		return nil, missing("token")
	}
	return v2Auth{authURL: t.AuthURL, tenantID: t.TenantID, tenantName: t.TenantName, trustID: t.TrustID}.
		issue(ctx, client, identityv2.Auth{Token: &identityv2.TokenCredentials{ID: t.Token}})
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (t *V2Token) CacheKey() map[string]string {
	return CacheKey("v2token", t.AuthURL, v2Scope(t.TenantID, t.TenantName, t.TrustID), false, &TokenMethod{Token: t.Token})
}

// CacheSecret is the token (see SecretProver).
func (t *V2Token) CacheSecret() ([]byte, bool) { return []byte(t.Token), true }

// v2Scope expresses a v2.0 request's scope as a Scope, for cache keys.
func v2Scope(tenantID, tenantName, trustID string) *Scope {
	return &Scope{ProjectID: tenantID, ProjectName: tenantName, TrustID: trustID}
}

// v2Auth is one POST /v2.0/tokens: where to send it and its scope.
type v2Auth struct {
	authURL    string
	tenantID   string
	tenantName string
	trustID    string
}

// issue sends the request with the credentials in body and reads the
// answer into AccessInfo.
func (r v2Auth) issue(ctx context.Context, client Doer, body identityv2.Auth) (*AccessInfo, error) {
	if r.authURL == "" {
		return nil, missing("auth_url")
	}
	// Keystone takes tenantId over tenantName; sending one says which.
	switch {
	case r.tenantID != "":
		body.TenantID = &r.tenantID
	case r.tenantName != "":
		body.TenantName = &r.tenantName
	}
	if r.trustID != "" {
		body.TrustID = &r.trustID
	}
	base, err := v2URL(ctx, client, r.authURL)
	if err != nil {
		return nil, err
	}
	gen, err := identityv2.NewClientWithResponses(base, identityv2.WithHTTPClient(client))
	if err != nil {
		return nil, fmt.Errorf("%w: auth URL %q: %w", apierror.ErrInvalidConfig, r.authURL, err)
	}
	resp, err := gen.IssueTokenWithResponse(ctx, identityv2.AuthRequest{Auth: body})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode() >= http.StatusBadRequest {
		// Only a Doer that is not a Session's lets an error answer through.
		e := ResponseError(resp.HTTPResponse.Request, resp.HTTPResponse, resp.Body)
		if e.URL == "" {
			e.Method, e.URL = http.MethodPost, redact.String(base+"/tokens")
		}
		return nil, e
	}
	if resp.JSON200 == nil {
		return nil, fmt.Errorf("%w: v2.0 token answer %d (Content-Type %q) without a JSON access body",
			apierror.ErrInvalidResponse, resp.StatusCode(), resp.ContentType())
	}
	return accessFromV2(&resp.JSON200.Access, resp.Body, base)
}

// accessFromV2 builds the AccessInfo of a v2.0 access body. raw is the
// whole answer ({"access": ...}); the catalog is parsed from it rather than
// from the generated types so that nothing Keystone sent is lost.
func accessFromV2(access *identityv2.Access, raw []byte, base string) (*AccessInfo, error) {
	if access.Token.ID == "" {
		return nil, fmt.Errorf("%w: v2.0 access without a token id", apierror.ErrInvalidResponse)
	}
	cat, err := v2ServiceCatalog(raw)
	if err != nil {
		return nil, err
	}
	a := &AccessInfo{
		Token:     access.Token.ID,
		ExpiresAt: access.Token.Expires.Time,
		AuthURL:   base,
		Catalog:   cat,
		V2:        access,
		raw:       raw,
	}
	if access.Token.IssuedAt != nil {
		a.IssuedAt = access.Token.IssuedAt.Time
	}
	return a, nil
}

// v2ServiceCatalog parses access.serviceCatalog of a v2.0 answer; an
// answer without one (an unscoped token) has an empty catalog.
func v2ServiceCatalog(raw []byte) (*catalog.Catalog, error) {
	var env struct {
		Access struct {
			ServiceCatalog json.RawMessage `json:"serviceCatalog"`
		} `json:"access"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("%w: v2.0 access: %w", apierror.ErrInvalidResponse, err)
	}
	sc := env.Access.ServiceCatalog
	if len(sc) == 0 || bytes.Equal(sc, []byte("null")) {
		return catalog.New(nil), nil
	}
	return catalog.ParseV2(sc)
}

// v2URL finds the v2.0 root of an auth URL.
func v2URL(ctx context.Context, client Doer, authURL string) (string, error) {
	if catalog.VersionOfURL(authURL) == 2 {
		return strings.TrimSuffix(authURL, "/"), nil
	}
	u, err := discoveryOf(client).VersionedURL(ctx, client, authURL, 2)
	if err != nil {
		return "", fmt.Errorf("auth: finding v2.0 at %s: %w", authURL, err)
	}
	return strings.TrimSuffix(u, "/"), nil
}

// What the AccessInfo getters answer for a v2.0 token (AccessInfo.V2).
// keystoneclient's AccessInfoV2 is the model: Identity v2.0 knows only
// Keystone's default domain, so the user's domain, and a tenant's, is
// "default" / "Default".
const (
	v2DomainID   = "default"
	v2DomainName = "Default"
)

// v2Username is the user's name, or the username of old Keystones.
func v2Username(x *identityv2.Access) string {
	if x.User.Name != "" {
		return x.User.Name
	}
	return deref(x.User.Username)
}

// v2ProjectID is the token's tenant, or (before Grizzly) the user's.
func v2ProjectID(x *identityv2.Access) string {
	if x.Token.Tenant != nil {
		return x.Token.Tenant.ID
	}
	return deref(x.User.TenantID)
}

func v2ProjectName(x *identityv2.Access) string {
	if x.Token.Tenant != nil {
		return x.Token.Tenant.Name
	}
	return ""
}

// v2Roles are the token's roles in the v3 shape. Keystone lists names
// under user.roles and ids under metadata.roles, in the same order; an id
// the role itself carries (as the API reference shows) wins.
func v2Roles(x *identityv2.Access) []identityv3.TokenRole {
	if x.User.Roles == nil {
		return nil
	}
	var ids []string
	if x.Metadata != nil && x.Metadata.Roles != nil && len(*x.Metadata.Roles) == len(*x.User.Roles) {
		ids = *x.Metadata.Roles
	}
	out := make([]identityv3.TokenRole, 0, len(*x.User.Roles))
	for i, r := range *x.User.Roles {
		tr := identityv3.TokenRole{Name: &r.Name, ID: r.ID}
		if tr.ID == nil && ids != nil {
			tr.ID = &ids[i]
		}
		out = append(out, tr)
	}
	return out
}

// v2RoleIDs are metadata.roles, as keystoneauth reads them, or else the
// ids the roles carry.
func v2RoleIDs(x *identityv2.Access) []string {
	if x.Metadata != nil && x.Metadata.Roles != nil {
		return slices.Clone(*x.Metadata.Roles)
	}
	var ids []string
	for _, r := range v2Roles(x) {
		if r.ID != nil {
			ids = append(ids, *r.ID)
		}
	}
	return ids
}

func v2RoleNames(x *identityv2.Access) []string {
	if x.User.Roles == nil {
		return nil
	}
	names := make([]string, 0, len(*x.User.Roles))
	for _, r := range *x.User.Roles {
		names = append(names, r.Name)
	}
	return names
}

// v2TenantDomain is d for a token scoped to a tenant, "" otherwise.
func v2TenantDomain(x *identityv2.Access, d string) string {
	if v2ProjectID(x) == "" {
		return ""
	}
	return d
}

func v2TrustID(x *identityv2.Access) string {
	if x.Trust == nil {
		return ""
	}
	return deref(x.Trust.ID)
}

func v2TrusteeUserID(x *identityv2.Access) string {
	if x.Trust == nil {
		return ""
	}
	return deref(x.Trust.TrusteeUserID)
}

// v2TrustorUserID is the trustor, which keystoneclient never reads from a
// v2.0 token (its bug 1331882) but Keystone does send.
func v2TrustorUserID(x *identityv2.Access) string {
	if x.Trust == nil {
		return ""
	}
	return deref(x.Trust.TrustorUserID)
}

func v2AuditIDs(x *identityv2.Access) []string {
	if x.Token.AuditIDs == nil {
		return nil
	}
	return *x.Token.AuditIDs
}

func v2Bind(x *identityv2.Access) map[string]any {
	if x.Token.Bind == nil {
		return nil
	}
	return *x.Token.Bind
}

// The registry's v2password and v2token: keystoneauth's option names
// (keystoneauth1/loading/_plugins/identity/v2.py), in its order.
var (
	v2ScopeOptions = []OptionSpec{
		opt("tenant-id", "Tenant ID"),
		opt("tenant-name", "Tenant Name"),
		opt("trust-id", "ID of the trust to use as a trustee use"),
	}
	v2PasswordOptions = slices.Concat([]OptionSpec{authURLOption}, v2ScopeOptions, []OptionSpec{
		deprecated(opt("username", "Username to login with"), "user_name"),
		opt("user-id", "User ID to login with"),
		secret(opt("password", "Password to use")),
	})
	v2TokenOptions = slices.Concat([]OptionSpec{authURLOption}, v2ScopeOptions, []OptionSpec{
		secret(opt("token", "Token")),
	})
)

func buildV2Password(o *PluginOptions) (Plugin, error) {
	p := &V2Password{AuthURL: o.Get("auth_url"), UserID: o.Get("user_id"), Username: o.Get("username"),
		Password: o.Get("password"), TenantID: o.Get("tenant_id"), TenantName: o.Get("tenant_name"), TrustID: o.Get("trust_id")}
	if p.UserID == "" && p.Username == "" {
		return nil, o.Missing("user_id or username")
	}
	if p.Password == "" {
		return nil, o.Missing("password")
	}
	return p, nil
}

func buildV2Token(o *PluginOptions) (Plugin, error) {
	t := &V2Token{AuthURL: o.Get("auth_url"), Token: o.Get("token"),
		TenantID: o.Get("tenant_id"), TenantName: o.Get("tenant_name"), TrustID: o.Get("trust_id")}
	if t.Token == "" {
		return nil, o.Missing("token")
	}
	return t, nil
}
