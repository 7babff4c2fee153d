package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/internal/jsonbody"
	"github.com/keystone-go/keystone/internal/redact"
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

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v Password) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v Password) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// Authenticate issues a token with the password method.
func (p *Password) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	return v3Auth{authURL: p.AuthURL, methods: []Method{p.method()}, scope: &p.Scope, noCatalog: p.NoCatalog}.issue(ctx, client)
}

func (p *Password) method() *PasswordMethod {
	return &PasswordMethod{UserID: p.UserID, Username: p.Username, UserDomainID: p.UserDomainID,
		UserDomainName: p.UserDomainName, Password: p.Password}
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (p *Password) CacheKey() map[string]string {
	return CacheKey("v3password", p.AuthURL, &p.Scope, p.NoCatalog, p.method())
}

// CacheSecret is the password (see SecretProver).
func (p *Password) CacheSecret() ([]byte, bool) { return methodsSecret(p.method()) }

// Token exchanges an existing token for a new one, typically to change its
// scope (keystoneauth's v3token).
type Token struct {
	AuthURL   string
	Token     string
	Scope     Scope
	NoCatalog bool
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v Token) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v Token) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// Authenticate issues a token with the token method.
func (t *Token) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	return v3Auth{authURL: t.AuthURL, methods: []Method{&TokenMethod{Token: t.Token}}, scope: &t.Scope, noCatalog: t.NoCatalog}.issue(ctx, client)
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (t *Token) CacheKey() map[string]string {
	return CacheKey("v3token", t.AuthURL, &t.Scope, t.NoCatalog, &TokenMethod{Token: t.Token})
}

// CacheSecret is the token (see SecretProver).
func (t *Token) CacheSecret() ([]byte, bool) { return methodsSecret(&TokenMethod{Token: t.Token}) }

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
	// Plugin is the registry name of the plugin, when known.
	Plugin string
}

func (e *MissingOptionError) Error() string {
	if e.Plugin != "" {
		return "auth: plugin " + e.Plugin + ": missing option " + e.Option
	}
	return "auth: missing option " + e.Option
}

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

// IsZero reports whether s asks for nothing (Keystone's default scope).
func (s Scope) IsZero() bool { return s == Scope{} }

// Validate reports a Scope that Keystone would refuse (two targets at once,
// a project named without its domain) as a *ScopeError.
func (s Scope) Validate() error {
	_, err := s.v3()
	return err
}

// v3 builds the request's scope member: an *identityv3.AuthScope, the
// string "unscoped", or nil for Keystone's default. The value is marshalled
// once, with the rest of the request, rather than into the generated union
// first.
func (s *Scope) v3() (any, error) {
	var named [5]string
	set := named[:0]
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
	if s.Unscoped {
		return identityv3.Unscoped, nil
	}
	return &scope, nil
}

// v3Auth is one POST /v3/auth/tokens: the methods to send, the scope, and
// the receipt of an earlier multi-factor attempt.
type v3Auth struct {
	authURL string
	methods []Method
	// scope is nil for methods that cannot choose one (application
	// credentials, OAuth): the request then has no scope member at all.
	scope     *Scope
	noCatalog bool
	receipt   string
}

// issue sends the request and reads the answer into AccessInfo. Everything
// that can be checked locally is checked before the first request.
func (r v3Auth) issue(ctx context.Context, client Doer) (*AccessInfo, error) {
	if r.authURL == "" {
		return nil, missing("auth_url")
	}
	var sc any
	if r.scope != nil {
		var err error
		if sc, err = r.scope.v3(); err != nil {
			return nil, err
		}
	}
	if len(r.methods) == 0 {
		return nil, missing("an auth method")
	}
	var tr TokenRequest
	for _, m := range r.methods {
		tr.Identity.Methods = append(tr.Identity.Methods, m.MethodName())
		if err := m.AddTo(ctx, &tr); err != nil {
			return nil, err
		}
	}
	base, err := V3URL(ctx, client, r.authURL)
	if err != nil {
		return nil, err
	}
	body, err := tr.body(sc)
	if err != nil {
		return nil, err
	}
	// Every process authenticates, many do little else: the request is
	// built directly (one URL parse) rather than through the generated
	// client, which parses the server URL, the path and the result again.
	target := base + "/auth/tokens"
	if r.noCatalog {
		target += "?nocatalog=true"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: auth URL %q: %w", apierror.ErrInvalidConfig, r.authURL, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if r.receipt != "" {
		req.Header.Set("Openstack-Auth-Receipt", r.receipt)
	}
	for _, edit := range tr.Editors {
		if err := edit(ctx, req); err != nil {
			return nil, err
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, receiptError(err)
	}
	defer resp.Body.Close()
	data, checked := jsonbody.Bytes(resp)
	if !checked {
		if data, err = io.ReadAll(resp.Body); err != nil {
			return nil, err
		}
	}
	var env *identityv3.TokenEnvelope
	if checked || jsonbody.IsJSON(resp.Header.Get("Content-Type")) {
		env = new(identityv3.TokenEnvelope)
		if err := json.Unmarshal(data, env); err != nil {
			return nil, &apierror.InvalidResponseError{StatusCode: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"),
				RequestID: apierror.RequestID(resp.Header), Method: req.Method, URL: redact.URL(req.URL), Err: err}
		}
	}
	a, err := accessFromV3(resp, env, base)
	if err != nil {
		return nil, err
	}
	a.raw = data
	return a, nil
}

// receiptError turns a 401 that carries an auth receipt into a
// *MissingAuthMethodsError (which still unwraps to the *apierror.Error).
func receiptError(err error) error {
	var apiErr *apierror.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		return err
	}
	receipt := apiErr.Header.Get("Openstack-Auth-Receipt")
	if receipt == "" {
		return err
	}
	e := &MissingAuthMethodsError{Receipt: receipt, Err: apiErr}
	if apiErr.Identity != nil {
		e.Methods = apiErr.Identity.Methods
		e.RequiredAuthMethods = apiErr.Identity.RequiredAuthMethods
	}
	return e
}

func accessFromV3(resp *http.Response, env *identityv3.TokenEnvelope, base string) (*AccessInfo, error) {
	token := resp.Header.Get("X-Subject-Token")
	if env == nil || token == "" {
		return nil, fmt.Errorf("%w: token answer %d (Content-Type %q) without X-Subject-Token or a JSON token body",
			apierror.ErrInvalidResponse, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return accessFromToken(token, &env.Token, base), nil
}

// accessFromToken builds the AccessInfo of a v3 token body.
func accessFromToken(token string, body *identityv3.Token, base string) *AccessInfo {
	services := make([]catalog.Service, len(body.Catalog))
	for i, s := range body.Catalog {
		eps := make([]catalog.Endpoint, len(s.Endpoints))
		for j, e := range s.Endpoints {
			eps[j] = catalog.Endpoint{ID: deref(e.ID), Interface: deref(e.Interface), Region: deref(e.Region), RegionID: deref(e.RegionID), URL: e.URL}
		}
		services[i] = catalog.Service{ID: deref(s.ID), Type: deref(s.Type), Name: deref(s.Name), Endpoints: eps}
	}
	return &AccessInfo{
		Token:     token,
		ExpiresAt: body.ExpiresAt.Time,
		IssuedAt:  body.IssuedAt.Time,
		AuthURL:   base,
		Catalog:   catalog.New(services),
		Body:      body,
	}
}

// V3URL finds the v3 root of an auth URL: the URL itself when it names v3,
// else through version discovery (with the Session's discovery cache when
// client is a Doer a Session gave).
func V3URL(ctx context.Context, client Doer, authURL string) (string, error) {
	if trimmed := strings.TrimSuffix(authURL, "/"); strings.HasSuffix(trimmed, "/v3") && !strings.ContainsAny(trimmed, "?#") {
		// The common spelling, known without taking the URL apart.
		return trimmed, nil
	}
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
