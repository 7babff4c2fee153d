package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// FederatedLogin is what every federated plugin needs to know about the
// Keystone it logs in to (keystoneauth's FederationBaseAuth): the
// identity provider and protocol, registered in Keystone, that name the
// federated auth URL
//
//	{AuthURL}/OS-FEDERATION/identity_providers/{IdentityProvider}/protocols/{Protocol}/auth
//
// and the scope to exchange the unscoped token a federated login yields
// for. Like keystoneauth the plugins always log in unscoped first and, when
// Scope asks for a project, domain, system or trust, rescope with the token
// method; the zero Scope (and Scope.Unscoped) keeps the unscoped token.
type FederatedLogin struct {
	// AuthURL is Keystone's v3 URL ("https://keystone.example/v3"); an
	// unversioned URL is resolved through version discovery.
	AuthURL string
	// IdentityProvider is the identity provider's id in Keystone.
	IdentityProvider string
	// Protocol is the protocol's id under the identity provider ("openid",
	// "saml2", "mapped").
	Protocol string
	Scope    auth.Scope
}

// check refuses a login that cannot name its federated auth URL.
func (f *FederatedLogin) check() error {
	switch {
	case f.AuthURL == "":
		return missing("auth_url")
	case f.IdentityProvider == "":
		return missing("identity_provider")
	case f.Protocol == "":
		return missing("protocol")
	}
	if err := f.Scope.Validate(); err != nil {
		return err
	}
	return nil
}

// base is the v3 root of AuthURL.
func (f *FederatedLogin) base(ctx context.Context, client auth.Doer) (string, error) {
	return auth.V3URL(ctx, client, f.AuthURL)
}

// FederatedAuthURL is the federated auth URL of the identity provider and
// protocol under the v3 root base.
func FederatedAuthURL(base, identityProvider, protocol string) string {
	return strings.TrimSuffix(base, "/") + "/OS-FEDERATION/identity_providers/" +
		url.PathEscape(identityProvider) + "/protocols/" + url.PathEscape(protocol) + "/auth"
}

// finishFederated rescopes the unscoped token of a federated login when scope asks
// for a target, with the token method at base.
func finishFederated(ctx context.Context, client auth.Doer, base string, unscoped *auth.AccessInfo, scope auth.Scope) (*auth.AccessInfo, error) {
	if scope.IsZero() || scope.Unscoped {
		return unscoped, nil
	}
	a, err := (&auth.Token{AuthURL: base, Token: unscoped.Token, Scope: scope}).Authenticate(ctx, client)
	if err != nil {
		return nil, fmt.Errorf("auth: rescoping the federated token: %w", err)
	}
	return a, nil
}

// federatedToken asks Keystone's federated auth URL for an unscoped token
// (POST), with edit adding the proof of identity to the request, and
// rescopes it.
func (f *FederatedLogin) federatedToken(ctx context.Context, client auth.Doer, edit identityv3.RequestEditorFn) (*auth.AccessInfo, error) {
	base, err := f.base(ctx, client)
	if err != nil {
		return nil, err
	}
	gen, err := identityv3.NewClientWithResponses(base, identityv3.WithHTTPClient(client))
	if err != nil {
		return nil, fmt.Errorf("%w: auth URL %q: %w", apierror.ErrInvalidConfig, f.AuthURL, err)
	}
	resp, err := gen.IssueFederatedTokenWithResponse(ctx, f.IdentityProvider, f.Protocol, edit)
	if err != nil {
		return nil, fmt.Errorf("auth: federated login at identity provider %s, protocol %s: %w", f.IdentityProvider, f.Protocol, err)
	}
	if resp.StatusCode() >= 400 {
		// A Doer that is not a Session's hands errors back as answers.
		return nil, auth.ResponseError(resp.HTTPResponse.Request, resp.HTTPResponse, resp.Body)
	}
	a, err := auth.AccessInfoFromBody(resp.HTTPResponse.Header.Get("X-Subject-Token"), resp.Body, base)
	if err != nil {
		return nil, err
	}
	return finishFederated(ctx, client, base, a, f.Scope)
}

// cacheKey is the key of the tokens of a federated plugin called kind.
func (f *FederatedLogin) cacheKey(kind string) map[string]string {
	k := auth.CacheKey(kind, f.AuthURL, &f.Scope, false)
	put(k, "federation.identity_provider", f.IdentityProvider)
	put(k, "federation.protocol", f.Protocol)
	return k
}

// FederatedHeaders logs in at Keystone's federated auth URL with an
// assertion carried in request headers. It is a keystone-go extension
// (registered as "v3federatedheaders"; keystoneauth has no such plugin):
// for deployments whose web server or authenticating proxy in front of
// Keystone turns trusted request headers into the assertion (Keystone's
// [federation] assertion_prefix / remote_id_attribute, e.g. HTTP_X_KS_FED_
// for "X-Ks-Fed-User"), and for test setups that do the same. The mapping
// of the protocol decides who the headers make the caller.
type FederatedHeaders struct {
	FederatedLogin
	// Headers are sent with the login request, and only with it.
	Headers http.Header
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v FederatedHeaders) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v FederatedHeaders) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// Authenticate logs in with the headers and rescopes the token if Scope
// asks for a target.
func (p *FederatedHeaders) Authenticate(ctx context.Context, client auth.Doer) (*auth.AccessInfo, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if len(p.Headers) == 0 {
		return nil, missing("federated_headers")
	}
	// The headers are the credential: logged hashed, and dropped by a
	// redirect to another origin, like a token.
	ctx = auth.ContextWithSecretHeaders(ctx, slices.Collect(maps.Keys(p.Headers))...)
	return p.federatedToken(ctx, client, func(_ context.Context, req *http.Request) error {
		for name, values := range p.Headers {
			req.Header.Del(name)
			for _, v := range values {
				req.Header.Add(name, v)
			}
		}
		return nil
	})
}

// CacheKey identifies the tokens this plugin obtains (see CacheID). The
// header values are the credential, and often guessable (a user name a
// proxy vouches for), so only their names enter the key: a hash of the
// values in a cache file's name would let the file be used to guess them.
// Two plugins with the same names share an entry, and CacheSecret keeps
// either from being served the other's token.
func (p *FederatedHeaders) CacheKey() map[string]string {
	k := p.cacheKey("v3federatedheaders")
	names := make([]string, 0, len(p.Headers))
	for name := range p.Headers {
		names = append(names, textproto.CanonicalMIMEHeaderKey(name))
	}
	slices.Sort(names)
	k["federation.headers"] = strings.Join(slices.Compact(names), ",")
	return k
}

// CacheSecret is the headers (see SecretProver).
func (p *FederatedHeaders) CacheSecret() ([]byte, bool) {
	var fields []string
	for _, name := range slices.Sorted(maps.Keys(p.Headers)) {
		fields = append(fields, textproto.CanonicalMIMEHeaderKey(name))
		fields = append(fields, p.Headers[name]...)
		fields = append(fields, "")
	}
	return auth.SecretFields(fields...), true
}

// ParseFederatedHeaders reads the federated_headers option: a JSON object
// ({"X-Ks-Fed-User": "alice"}, a value may be a list of strings), or lines
// of "Name: value" (as in HTTP; blank lines are skipped).
func ParseFederatedHeaders(s string) (http.Header, error) {
	h := http.Header{}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &raw); err != nil {
			return nil, fmt.Errorf("not a JSON object of header names and values: %w", err)
		}
		for name, v := range raw {
			var one string
			var many []string
			switch {
			case json.Unmarshal(v, &one) == nil:
				many = []string{one}
			case json.Unmarshal(v, &many) == nil:
			default:
				return nil, fmt.Errorf("header %q: the value is neither a string nor a list of strings", name)
			}
			if err := checkHeader(name, many); err != nil {
				return nil, err
			}
			for _, v := range many {
				h.Add(name, v)
			}
		}
		return h, nil
	}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("line %d: %q is not \"Name: value\"", i+1, line)
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if err := checkHeader(name, []string{value}); err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		h.Add(name, value)
	}
	return h, nil
}

// checkHeader refuses what net/http would refuse to send (or would send as
// two headers).
func checkHeader(name string, values []string) error {
	if name == "" || strings.ContainsFunc(name, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
	}) {
		return fmt.Errorf("%q is not a header name", name)
	}
	for _, v := range values {
		if strings.ContainsAny(v, "\r\n\x00") {
			return fmt.Errorf("header %s: the value has a line break or NUL", name)
		}
	}
	return nil
}

// Options of the federation plugins: keystoneauth's BaseFederationLoader
// (auth_url, the v3 scope, identity_provider, protocol) and one option per
// plugin on top.

var (
	federationOptions = slices.Concat(auth.BaseV3Options(), []auth.OptionSpec{
		required(opt("identity-provider", "Identity Provider's name")),
		required(opt("protocol", "Protocol for federated plugin")),
	})
	v3FederatedHeadersOptions = slices.Concat(federationOptions, []auth.OptionSpec{
		secret(required(opt("federated-headers", `Headers that carry the federated assertion (keystone-go extension): a JSON object `+
			`{"X-Ks-Fed-User": "alice"} or lines of "Name: value"`))),
	})
)

// federatedLogin reads the options every federation plugin has.
func federatedLogin(o *auth.PluginOptions) (FederatedLogin, error) {
	s, err := o.Scope()
	return FederatedLogin{AuthURL: o.Get("auth_url"), IdentityProvider: o.Get("identity_provider"),
		Protocol: o.Get("protocol"), Scope: s}, err
}

func buildV3FederatedHeaders(o *auth.PluginOptions) (auth.Plugin, error) {
	f, err := federatedLogin(o)
	if err != nil {
		return nil, err
	}
	h, err := ParseFederatedHeaders(o.Get("federated_headers"))
	if err != nil {
		return nil, &auth.InvalidOptionError{Plugin: o.Plugin(), Option: "federated_headers", Reason: err.Error()}
	}
	if len(h) == 0 {
		return nil, o.Missing("federated_headers")
	}
	return &FederatedHeaders{FederatedLogin: f, Headers: h}, nil
}
