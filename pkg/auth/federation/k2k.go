package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// Keystone2Keystone logs in to a remote Keystone (a service provider) with
// a token of the local one (keystoneauth's Keystone2Keystone; registered
// as "v3k2k", since keystoneauth has no loader for it): the local Keystone,
// acting as SAML2 identity provider, wraps an assertion about the token's
// user for the service provider in an ECP envelope
// (POST /v3/auth/OS-FEDERATION/saml2/ecp), the plugin posts it to the
// service provider's sp_url (its SAML assertion consumer service), and the
// service provider's auth_url then answers with an unscoped token of the
// remote Keystone, which the plugin rescopes as Scope asks.
//
// Keystone issues assertions for project-scoped tokens only: scope the
// local token to a project.
type Keystone2Keystone struct {
	// Local authenticates against the local Keystone (a Password or Token
	// plugin, say); it is asked for a token at each remote login. Set
	// either Local or LocalSession.
	Local auth.Plugin
	// LocalSession is a Session of the local Keystone whose (cached)
	// token vouches for the user.
	LocalSession *auth.Session
	// ServiceProvider is the service provider's id in the local Keystone.
	ServiceProvider string
	// Scope is the scope on the remote Keystone; the zero Scope keeps the
	// unscoped token.
	Scope auth.Scope
}

// Authenticate runs the K2K exchange.
func (p *Keystone2Keystone) Authenticate(ctx context.Context, client auth.Doer) (*auth.AccessInfo, error) {
	if p.ServiceProvider == "" {
		return nil, missing("service_provider")
	}
	if err := p.Scope.Validate(); err != nil {
		return nil, err
	}
	var local *auth.AccessInfo
	var err error
	switch {
	case p.LocalSession != nil:
		local, err = p.LocalSession.AccessInfo(ctx)
	case p.Local != nil:
		local, err = p.Local.Authenticate(ctx, client)
	default:
		return nil, fmt.Errorf("%w: Keystone2Keystone needs Local or LocalSession to authenticate at the local Keystone", apierror.ErrMissingAuthPlugin)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: K2K: the local token: %w", err)
	}
	if local.AuthURL == "" {
		return nil, fmt.Errorf("%w: K2K: the local token does not say which Keystone issued it", apierror.ErrAuthorization)
	}
	gen, err := identityv3.NewClientWithResponses(local.AuthURL, identityv3.WithHTTPClient(client))
	if err != nil {
		return nil, fmt.Errorf("%w: local auth URL %q: %w", apierror.ErrInvalidConfig, local.AuthURL, err)
	}
	resp, err := gen.CreateECPAssertionWithResponse(ctx, identityv3.SAMLAssertionRequest{Auth: identityv3.SAMLAssertionAuth{
		Identity: identityv3.SAMLAssertionIdentity{Methods: []string{"token"}, Token: identityv3.TokenMethod{ID: local.Token}},
		Scope:    identityv3.SAMLAssertionScope{ServiceProvider: identityv3.ServiceProviderSelector{ID: p.ServiceProvider}},
	}}, func(_ context.Context, r *http.Request) error {
		r.Header.Set("Accept", "text/xml, application/json")
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth: K2K: requesting the ECP assertion for service provider %s: %w", p.ServiceProvider, err)
	}
	if len(resp.Body) == 0 {
		return nil, fmt.Errorf("%w: K2K: the local Keystone answered %d with an empty ECP assertion", apierror.ErrInvalidResponse, resp.StatusCode())
	}
	// Keystone names the service provider's URLs in the answer; a token
	// issued before the service provider was registered does not list it.
	spURL := pythonBytesText(resp.HTTPResponse.Header.Get("X-Sp-Url"))
	if spURL == "" {
		spURL = local.ServiceProviderURL(p.ServiceProvider)
	}
	spAuthURL := pythonBytesText(resp.HTTPResponse.Header.Get("X-Auth-Url"))
	if spAuthURL == "" {
		spAuthURL = local.ServiceProviderAuthURL(p.ServiceProvider)
	}
	if spURL == "" || spAuthURL == "" {
		return nil, fmt.Errorf("%w: K2K: neither the ECP answer nor the local token name the sp_url and auth_url of service provider %s",
			apierror.ErrInvalidResponse, p.ServiceProvider)
	}
	remote := RemoteAuthURL(spAuthURL)
	// The ECP assertion is a bearer credential for the remote Keystone.
	if err := learnedFrom("the service provider's sp_url", local.AuthURL, spURL); err != nil {
		return nil, fmt.Errorf("auth: K2K: %w", err)
	}

	hc, err := rawClient(client)
	if err != nil {
		return nil, err
	}
	req, err := fedRequest(ctx, http.MethodPost, spURL, resp.Body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", paosMediaType)
	answer, err := fedSend(hc, req)
	if err != nil {
		return nil, err
	}
	// A redirect says the service provider opened a session: the token
	// is at its auth_url (not necessarily where the redirect points).
	if answer.resp.StatusCode == http.StatusFound || answer.resp.StatusCode == http.StatusSeeOther {
		if req, err = fedRequest(ctx, http.MethodGet, spAuthURL, nil); err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		if answer, err = fedSend(hc, req); err != nil {
			return nil, err
		}
	}
	a, err := answer.tokenAnswer(remote)
	if err != nil {
		return nil, fmt.Errorf("auth: K2K: service provider %s: %w", p.ServiceProvider, err)
	}
	return finishFederated(ctx, client, remote, a, p.Scope)
}

// pythonBytesText undoes how Keystone 27 and later write the service
// provider's URLs into the ECP answer's headers: as the text of a Python
// bytes value, b'https://sp.example/...'. Anything else comes back as it is.
func pythonBytesText(s string) string {
	if len(s) >= 3 && s[0] == 'b' && (s[1] == '\'' || s[1] == '"') && s[len(s)-1] == s[1] {
		return s[2 : len(s)-1]
	}
	return s
}

// RemoteAuthURL is the auth URL of the remote Keystone behind a service
// provider's federated auth_url: what comes before "/OS-FEDERATION/"
// ("https://sp.example/v3"), or the whole URL if it has no such part.
func RemoteAuthURL(spAuthURL string) string {
	if i := strings.Index(spAuthURL, "/OS-FEDERATION/"); i >= 0 {
		return spAuthURL[:i]
	}
	return spAuthURL
}

// CacheKey identifies the tokens this plugin obtains (see CacheID): the
// local plugin's key with the service provider and the remote scope; nil
// when the local plugin has none.
func (p *Keystone2Keystone) CacheKey() map[string]string {
	var local auth.Plugin = p.Local
	if p.LocalSession != nil {
		local = p.LocalSession.Plugin()
	}
	ck, ok := local.(auth.CacheKeyer)
	if !ok {
		return nil
	}
	lk := ck.CacheKey()
	if lk == nil {
		return nil
	}
	k := auth.CacheKey("v3k2k", "", &p.Scope, false)
	delete(k, "auth_url")
	k["k2k.service_provider"] = p.ServiceProvider
	for name, v := range lk {
		k["local."+name] = v
	}
	return k
}

// CacheSecret is the local plugin's (see SecretProver).
func (p *Keystone2Keystone) CacheSecret() ([]byte, bool) {
	if p.LocalSession != nil {
		return secretOf(p.LocalSession.Plugin())
	}
	return secretOf(p.Local)
}

// k2kLocalPlugins are the plugins v3k2k logs in to the local Keystone
// with, and whose options it takes.
var k2kLocalPlugins = []string{"v3password", "v3token", "v3applicationcredential"}

// Options of v3k2k: the local credentials (password, token or application
// credential, with the local scope), the service provider, and the remote
// scope under the names python-openstackclient gives it
// (--os-remote-project-name ...), plus the remote domain and system scope.

var v3K2KOptions = slices.Concat(optionsOf(k2kLocalPlugins...), []auth.OptionSpec{
	required(opt("service-provider", "The service provider's id in the local Keystone")),
	opt("remote-project-id", "Project ID to scope to on the service provider's Keystone"),
	opt("remote-project-name", "Project name to scope to on the service provider's Keystone"),
	opt("remote-project-domain-id", "Domain ID containing the remote project"),
	opt("remote-project-domain-name", "Domain name containing the remote project"),
	opt("remote-domain-id", "Domain ID to scope to on the service provider's Keystone"),
	opt("remote-domain-name", "Domain name to scope to on the service provider's Keystone"),
	opt("remote-system-scope", `Scope for system operations on the service provider's Keystone ("all")`),
})

func buildV3K2K(o *auth.PluginOptions) (auth.Plugin, error) {
	var given []string
	for _, d := range []string{"password", "token", "application_credential_secret"} {
		if o.Has(d) {
			given = append(given, d)
		}
	}
	if len(given) > 1 {
		return nil, &auth.InvalidOptionError{Plugin: o.Plugin(), Option: strings.Join(given, ", "),
			Reason: "the local Keystone is logged in to with one credential: a password, a token or an application credential"}
	}
	kind := "v3password"
	switch {
	case o.Has("application_credential_id", "application_credential_name", "application_credential_secret"):
		kind = "v3applicationcredential"
	case o.Has("token"):
		kind = "v3token"
	}
	local, err := auth.NewPlugin(kind, valuesOf(o, kind))
	if err != nil {
		// The options were given to v3k2k: its errors name it.
		var missing *auth.MissingOptionError
		var invalid *auth.InvalidOptionError
		switch {
		case errors.As(err, &missing):
			missing.Plugin = o.Plugin()
		case errors.As(err, &invalid):
			invalid.Plugin = o.Plugin()
		}
		return nil, err
	}
	remote := auth.Scope{
		ProjectID: o.Get("remote_project_id"), ProjectName: o.Get("remote_project_name"),
		ProjectDomainID: o.Get("remote_project_domain_id"), ProjectDomainName: o.Get("remote_project_domain_name"),
		DomainID: o.Get("remote_domain_id"), DomainName: o.Get("remote_domain_name"),
	}
	switch v := o.Get("remote_system_scope"); strings.ToLower(v) {
	case "":
	case "all":
		remote.System = true
	default:
		return nil, &auth.InvalidOptionError{Plugin: o.Plugin(), Option: "remote_system_scope", Reason: fmt.Sprintf(`%q: Keystone knows only "all"`, v)}
	}
	if err := remote.Validate(); err != nil {
		return nil, &auth.InvalidOptionError{Plugin: o.Plugin(), Option: "remote_*", Reason: err.Error()}
	}
	return &Keystone2Keystone{Local: local, ServiceProvider: o.Get("service_provider"), Scope: remote}, nil
}
