package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// Password authenticates with a user's password (keystoneauth's v3password).
type Password struct {
	// AuthURL is Keystone's v3 URL ("https://keystone.example/v3"); an
	// unversioned URL is resolved through version discovery.
	AuthURL string
	// The user: by UserID, or by Username with UserDomainID or UserDomainName.
	UserID         string
	Username       string
	UserDomainID   string
	UserDomainName string
	Password       string
	Scope          Scope
	// NoCatalog asks Keystone to leave the catalog out of the token.
	NoCatalog bool
}

// Authenticate issues a token with the password method.
func (p *Password) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	user, err := passwordUser(p.UserID, p.Username, p.UserDomainID, p.UserDomainName)
	if err != nil {
		return nil, err
	}
	if p.Password == "" {
		return nil, missing("password")
	}
	user.Password = p.Password
	identity := identityv3.AuthIdentity{
		Methods:  []string{"password"},
		Password: &identityv3.PasswordMethod{User: user},
	}
	return issueV3(ctx, client, p.AuthURL, identity, p.Scope, p.NoCatalog)
}

// Token exchanges an existing token for a new one, typically to change its
// scope (keystoneauth's v3token).
type Token struct {
	AuthURL   string
	Token     string
	Scope     Scope
	NoCatalog bool
}

// Authenticate issues a token with the token method.
func (t *Token) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	if t.Token == "" {
		return nil, missing("token")
	}
	identity := identityv3.AuthIdentity{
		Methods: []string{"token"},
		Token:   &identityv3.TokenMethod{ID: t.Token},
	}
	return issueV3(ctx, client, t.AuthURL, identity, t.Scope, t.NoCatalog)
}

func passwordUser(id, name, domainID, domainName string) (identityv3.PasswordUser, error) {
	var u identityv3.PasswordUser
	switch {
	case id != "":
		u.ID = &id
	case name != "":
		u.Name = &name
		d, ok := domainSelector(domainID, domainName)
		if !ok {
			return u, missing("user_domain_id or user_domain_name (a user named without its domain)")
		}
		u.Domain = d
	default:
		return u, missing("user_id or username")
	}
	return u, nil
}

func domainSelector(id, name string) (*identityv3.DomainSelector, bool) {
	switch {
	case id != "":
		return &identityv3.DomainSelector{ID: &id}, true
	case name != "":
		return &identityv3.DomainSelector{Name: &name}, true
	}
	return nil, false
}

// MissingOptionError names an option a plugin needs and did not get.
type MissingOptionError struct {
	Option string
}

func (e *MissingOptionError) Error() string { return "auth: missing option " + e.Option }

// Is matches apierror.ErrMissingAuthOption.
func (e *MissingOptionError) Is(target error) bool { return apierror.ErrMissingAuthOption.Is(target) }

func missing(option string) error { return &MissingOptionError{Option: option} }

// ScopeError says that a Scope asks for two things at once, or for a
// project by name without its domain.
type ScopeError struct {
	Reason string
}

func (e *ScopeError) Error() string { return "auth: invalid scope: " + e.Reason }

// Is matches apierror.ErrInvalidConfig.
func (e *ScopeError) Is(target error) bool { return apierror.ErrInvalidConfig.Is(target) }

// v3 builds the request's scope, or nil for Keystone's default.
func (s Scope) v3() (*identityv3.Auth_Scope, error) {
	var set []string
	var scope identityv3.AuthScope
	if s.ProjectID != "" || s.ProjectName != "" {
		set = append(set, "project")
		p := &identityv3.ProjectSelector{}
		if s.ProjectID != "" {
			p.ID = &s.ProjectID
		} else {
			d, ok := domainSelector(s.ProjectDomainID, s.ProjectDomainName)
			if !ok {
				return nil, &ScopeError{Reason: "project " + s.ProjectName + " named without its domain (set ProjectDomainID or ProjectDomainName)"}
			}
			p.Name, p.Domain = &s.ProjectName, d
		}
		scope.Project = p
	}
	if d, ok := domainSelector(s.DomainID, s.DomainName); ok {
		set = append(set, "domain")
		scope.Domain = d
	}
	if s.System {
		set = append(set, "system")
		all := true
		scope.System = &identityv3.SystemScope{All: &all}
	}
	if s.TrustID != "" {
		set = append(set, "trust")
		scope.OSTRUSTTrust = &identityv3.TrustSelector{ID: s.TrustID}
	}
	if s.Unscoped {
		set = append(set, "unscoped")
	}
	switch {
	case len(set) > 1:
		return nil, &ScopeError{Reason: "more than one scope: " + strings.Join(set, ", ")}
	case len(set) == 0:
		return nil, nil
	}
	out := &identityv3.Auth_Scope{}
	var err error
	if s.Unscoped {
		err = out.FromAuthUnscoped(identityv3.Unscoped)
	} else {
		err = out.FromAuthScope(scope)
	}
	return out, err
}

// issueV3 sends POST /v3/auth/tokens and reads the answer into AccessInfo.
func issueV3(ctx context.Context, client Doer, authURL string, identity identityv3.AuthIdentity, scope Scope, noCatalog bool) (*AccessInfo, error) {
	if authURL == "" {
		return nil, missing("auth_url")
	}
	sc, err := scope.v3()
	if err != nil {
		return nil, err
	}
	base, err := v3URL(ctx, client, authURL)
	if err != nil {
		return nil, err
	}
	gen, err := identityv3.NewClientWithResponses(base, identityv3.WithHTTPClient(client))
	if err != nil {
		return nil, fmt.Errorf("%w: auth URL %q: %w", apierror.ErrInvalidConfig, authURL, err)
	}
	var params identityv3.IssueTokenParams
	if noCatalog {
		params.Nocatalog = &noCatalog
	}
	body := identityv3.AuthRequest{Auth: identityv3.Auth{Identity: identity, Scope: sc}}
	resp, err := gen.IssueTokenWithResponse(ctx, &params, body)
	if err != nil {
		return nil, err
	}
	env := resp.JSON201
	if env == nil {
		env = resp.JSON200
	}
	return accessFromV3(resp.HTTPResponse, env, base)
}

func accessFromV3(resp *http.Response, env *identityv3.TokenEnvelope, base string) (*AccessInfo, error) {
	token := resp.Header.Get("X-Subject-Token")
	if env == nil || token == "" {
		return nil, fmt.Errorf("%w: token answer %d (Content-Type %q) without X-Subject-Token or a JSON token body",
			apierror.ErrInvalidResponse, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	services := make([]catalog.Service, len(env.Token.Catalog))
	for i, s := range env.Token.Catalog {
		eps := make([]catalog.Endpoint, len(s.Endpoints))
		for j, e := range s.Endpoints {
			eps[j] = catalog.Endpoint{ID: deref(e.ID), Interface: deref(e.Interface), Region: deref(e.Region), RegionID: deref(e.RegionID), URL: e.URL}
		}
		services[i] = catalog.Service{ID: deref(s.ID), Type: deref(s.Type), Name: deref(s.Name), Endpoints: eps}
	}
	return &AccessInfo{
		Token:     token,
		ExpiresAt: env.Token.ExpiresAt.Time,
		IssuedAt:  env.Token.IssuedAt.Time,
		AuthURL:   base,
		Catalog:   catalog.New(services),
		Body:      &env.Token,
	}, nil
}

// v3URL finds the v3 root of an auth URL.
func v3URL(ctx context.Context, client Doer, authURL string) (string, error) {
	if catalog.VersionOfURL(authURL) == 3 {
		return strings.TrimSuffix(authURL, "/"), nil
	}
	u, err := discoveryOf(client).VersionedURL(ctx, client, authURL, 3)
	if err != nil {
		return "", fmt.Errorf("auth: finding v3 at %s: %w", authURL, err)
	}
	return u, nil
}

// discoveryOf is the discovery cache of the Session behind client, or a
// throwaway one for a client that has none.
func discoveryOf(client Doer) *catalog.Discovery {
	if d, ok := client.(interface{ Discovery() *catalog.Discovery }); ok {
		return d.Discovery()
	}
	return catalog.NewDiscovery(0)
}
