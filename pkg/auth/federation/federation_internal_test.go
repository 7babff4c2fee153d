package federation

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/keystone-go/keystone/internal/secrettest"
	"github.com/keystone-go/keystone/pkg/auth"
)

// Short names for the rows of minimalOptions, which read as the plugins of
// package auth's own rows do.
type (
	Plugin                = auth.Plugin
	Scope                 = auth.Scope
	Password              = auth.Password
	Token                 = auth.Token
	ApplicationCredential = auth.ApplicationCredential
)

// minimalOptions are, for every plugin of this package, options it builds
// from, and what it must become.
var minimalOptions = map[string]struct {
	opts map[string]string
	want Plugin
}{}

func init() {
	type row = struct {
		opts map[string]string
		want Plugin
	}
	fed := func(protocol string, kv ...string) map[string]string {
		m := map[string]string{"auth_url": "https://k/v3", "identity_provider": "idp", "protocol": protocol}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	login := func(protocol string, s Scope) FederatedLogin {
		return FederatedLogin{AuthURL: "https://k/v3", IdentityProvider: "idp", Protocol: protocol, Scope: s}
	}
	disc := "https://idp/.well-known/openid-configuration"
	minimalOptions["v3oidcpassword"] = row{
		fed("openid", "client_id", "c", "client_secret", "s", "discovery_endpoint", disc, "username", "alice", "password", "pw",
			"project_id", "p1", "idp_otp_key", "totp"),
		&OIDCPassword{FederatedLogin: login("openid", Scope{ProjectID: "p1"}),
			OIDCClient: OIDCClient{ClientID: "c", ClientSecret: "s", OpenIDScope: DefaultOpenIDScope, DiscoveryEndpoint: disc},
			Username:   "alice", Password: "pw", IDPOTPKey: "totp"}}
	minimalOptions["v3oidcclientcredentials"] = row{
		fed("openid", "client_id", "c", "client_secret", "s", "access_token_endpoint", "https://idp/token", "openid_scope", "openid email",
			"access_token_type", "id_token", "system_scope", "all"),
		&OIDCClientCredentials{FederatedLogin: login("openid", Scope{System: true}),
			OIDCClient: OIDCClient{ClientID: "c", ClientSecret: "s", OpenIDScope: "openid email", AccessTokenEndpoint: "https://idp/token", AccessTokenType: "id_token"}}}
	minimalOptions["v3oidcauthcode"] = row{
		fed("openid", "client_id", "c", "discovery_endpoint", disc, "redirect_uri", "http://localhost/cb", "authorization_code", "xyz",
			"code_verifier", "v"),
		&OIDCAuthorizationCode{FederatedLogin: login("openid", Scope{}),
			OIDCClient:  OIDCClient{ClientID: "c", OpenIDScope: DefaultOpenIDScope, DiscoveryEndpoint: disc},
			RedirectURI: "http://localhost/cb", Code: "xyz", CodeVerifier: "v"}}
	minimalOptions["v3oidcaccesstoken"] = row{
		fed("openid", "access_token", "at", "domain_name", "Default"),
		&OIDCAccessToken{FederatedLogin: login("openid", Scope{DomainName: "Default"}), AccessToken: "at"}}
	minimalOptions["v3oidcdeviceauthz"] = row{
		fed("openid", "client_id", "c", "discovery_endpoint", disc, "device_authorization_endpoint", "https://idp/device", "code_challenge_method", "S256"),
		&OIDCDeviceAuthorization{FederatedLogin: login("openid", Scope{}),
			OIDCClient:                  OIDCClient{ClientID: "c", OpenIDScope: DefaultOpenIDScope, DiscoveryEndpoint: disc},
			DeviceAuthorizationEndpoint: "https://idp/device", CodeChallengeMethod: "S256"}}
	minimalOptions["v3samlpassword"] = row{
		fed("saml2", "identity_provider_url", "https://idp/ECP", "username", "alice", "password", "pw", "project_name", "demo", "project_domain_id", "default"),
		&SAML2Password{FederatedLogin: login("saml2", Scope{ProjectName: "demo", ProjectDomainID: "default"}),
			IdentityProviderURL: "https://idp/ECP", Username: "alice", Password: "pw"}}
	minimalOptions["v3adfspassword"] = row{
		fed("saml2", "identity_provider_url", "https://adfs/trust", "service_provider_endpoint", "https://k/Shibboleth.sso/ADFS",
			"service_provider_entity_id", "https://k/shibboleth", "username", "alice", "password", "pw"),
		&ADFSPassword{FederatedLogin: login("saml2", Scope{}), IdentityProviderURL: "https://adfs/trust",
			ServiceProviderEndpoint: "https://k/Shibboleth.sso/ADFS", ServiceProviderEntityID: "https://k/shibboleth", Username: "alice", Password: "pw"}}
	minimalOptions["v3k2k"] = row{
		map[string]string{"auth_url": "https://k/v3", "username": "alice", "user_domain_id": "default", "password": "pw", "project_id": "p1",
			"service_provider": "sp", "remote_project_name": "demo", "remote_project_domain_name": "Default"},
		&Keystone2Keystone{Local: &Password{AuthURL: "https://k/v3", Username: "alice", UserDomainID: "default", Password: "pw",
			Scope: Scope{ProjectID: "p1"}}, ServiceProvider: "sp", Scope: Scope{ProjectName: "demo", ProjectDomainName: "Default"}}}
	minimalOptions["v3federatedheaders"] = row{
		fed("mapped", "federated_headers", "X-Ks-Fed-User: alice"),
		&FederatedHeaders{FederatedLogin: login("mapped", Scope{}), Headers: map[string][]string{"X-Ks-Fed-User": {"alice"}}}}
}

func TestK2KLocalCredentials(t *testing.T) {
	p, err := auth.NewPlugin("v3k2k", map[string]string{"auth_url": "https://k/v3", "token": "t", "project_id": "p1", "service_provider": "sp"})
	require.NoError(t, err)
	assert.Equal(t, &Token{AuthURL: "https://k/v3", Token: "t", Scope: Scope{ProjectID: "p1"}}, p.(*Keystone2Keystone).Local)
	p, err = auth.NewPlugin("v3k2k", map[string]string{"auth_url": "https://k/v3", "application_credential_id": "ac",
		"application_credential_secret": "s", "service_provider": "sp", "remote_system_scope": "all"})
	require.NoError(t, err)
	assert.Equal(t, &ApplicationCredential{AuthURL: "https://k/v3", ID: "ac", Secret: "s"}, p.(*Keystone2Keystone).Local)
	assert.True(t, p.(*Keystone2Keystone).Scope.System)
}

// ECP messages from a real Shibboleth SP and IdP (trimmed), as seeds.
const (
	seedSPPAOS = `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Header>` +
		`<paos:Request xmlns:paos="urn:liberty:paos:2003-08" S:actor="http://schemas.xmlsoap.org/soap/actor/next" S:mustUnderstand="1" responseConsumerURL="https://sp/Shibboleth.sso/SAML2/ECP" service="urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"/>` +
		`<ecp:RelayState xmlns:ecp="urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp" S:actor="http://schemas.xmlsoap.org/soap/actor/next" S:mustUnderstand="1">ss:mem:1</ecp:RelayState>` +
		`</S:Header><S:Body><samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1" AssertionConsumerServiceURL="https://sp/Shibboleth.sso/SAML2/ECP"/></S:Body></S:Envelope>`
	seedIdPECP = `<soap11:Envelope xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/"><soap11:Header>` +
		`<ecp:Response xmlns:ecp="urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp" AssertionConsumerServiceURL="https://sp/Shibboleth.sso/SAML2/ECP"/>` +
		`</soap11:Header><soap11:Body><saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol"/></soap11:Body></soap11:Envelope>`
	seedADFS = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><trust:RequestSecurityTokenResponseCollection xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512">` +
		`<trust:RequestSecurityTokenResponse><trust:RequestedSecurityToken><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion"/></trust:RequestedSecurityToken>` +
		`</trust:RequestSecurityTokenResponse></trust:RequestSecurityTokenResponseCollection></s:Body></s:Envelope>`
	seedADFSFault = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value>` +
		`<s:Subcode><s:Value>a:FailedAuthentication</s:Value></s:Subcode></s:Code></s:Fault></s:Body></s:Envelope>`
)

func TestECPParsers(t *testing.T) {
	doc, err := parseSOAP([]byte(seedSPPAOS), nsSOAP11)
	require.NoError(t, err)
	consumer, rs, err := spECPHeaders(doc)
	require.NoError(t, err)
	assert.Equal(t, "https://sp/Shibboleth.sso/SAML2/ECP", consumer)
	require.NotNil(t, rs)
	moved := portableCopy(rs)
	assert.Equal(t, "http://schemas.xmlsoap.org/soap/envelope/", moved.SelectAttrValue("xmlns:S", ""))

	doc, err = parseSOAP([]byte(seedIdPECP), nsSOAP11)
	require.NoError(t, err)
	consumer, resp, err := idpECPHeader(doc)
	require.NoError(t, err)
	assert.Equal(t, "https://sp/Shibboleth.sso/SAML2/ECP", consumer)
	assert.Equal(t, "Response", resp.Tag)

	_, err = parseSOAP([]byte(seedIdPECP), nsSOAP12)
	assert.Error(t, err, "SOAP 1.1 is not 1.2")
	_, err = parseSOAP([]byte("<html>"), nsSOAP11)
	assert.Error(t, err)

	wresult, err := adfsAssertion([]byte(seedADFS))
	require.NoError(t, err)
	assert.Contains(t, wresult, `xmlns:trust="http://schemas.xmlsoap.org/ws/2005/02/trust"`)
	assert.NotContains(t, wresult, "ws-sx")
	assert.True(t, strings.HasPrefix(wresult, "<trust:RequestSecurityTokenResponse"))
	assert.Equal(t, "a:FailedAuthentication", adfsFault([]byte(seedADFSFault)))
	assert.Empty(t, adfsFault([]byte(seedADFS)))
}

func FuzzECPEnvelopes(f *testing.F) {
	for _, s := range []string{seedSPPAOS, seedIdPECP, "", "<x/>", `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"/>`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if doc, err := parseSOAP(data, nsSOAP11); err == nil {
			if _, rs, err := spECPHeaders(doc); err == nil && rs != nil {
				_ = portableCopy(rs)
			}
			_, _, _ = idpECPHeader(doc)
		}
	})
}

func FuzzADFSAnswer(f *testing.F) {
	for _, s := range []string{seedADFS, seedADFSFault, "", "<x/>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = adfsFault(data)
		if s, err := adfsAssertion(data); err == nil && !strings.Contains(s, "RequestSecurityTokenResponse") {
			t.Fatalf("an assertion without its response: %q", s)
		}
	})
}

func FuzzParseFederatedHeaders(f *testing.F) {
	for _, s := range []string{"X-A: b\nX-C: d", `{"X-A": "b", "X-C": ["d", "e"]}`, "", "{", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseFederatedHeaders(s)
		if err != nil {
			return
		}
		for name, values := range h {
			if checkHeader(name, values) != nil {
				t.Fatalf("accepted %q: %q", name, values)
			}
		}
	})
}

// The values of federated headers are the credential, and often a guessable
// user name: the cache key names the headers, never a digest of the values.
func TestFederatedHeadersCacheKeyHoldsNoValue(t *testing.T) {
	p := &FederatedHeaders{FederatedLogin: FederatedLogin{AuthURL: "https://keystone.example/v3", IdentityProvider: "idp", Protocol: "mapped"},
		Headers: http.Header{"X-Remote-User": {"alice"}, "X-Remote-Groups": {"admins"}}}
	k := p.CacheKey()
	assert.Equal(t, "X-Remote-Groups,X-Remote-User", k["federation.headers"])
	for name, v := range k {
		for _, secret := range []string{"alice", "admins", sha256Hex("alice"), sha256Hex("admins")} {
			assert.NotContains(t, v, secret, name)
		}
		assert.NotContains(t, name, "sha256", "no digest of the values")
	}
}

func TestRegistryBuildsEveryFederationPlugin(t *testing.T) {
	names := auth.PluginNames()
	for name, tc := range minimalOptions {
		assert.Contains(t, names, name)
		p, err := auth.NewPlugin(name, tc.opts)
		require.NoError(t, err, name)
		assert.Equal(t, tc.want, p, name)
	}
	assert.Len(t, minimalOptions, 9, "every plugin of the package has its row")
}

func TestRegistryFederationOptionSpecs(t *testing.T) {
	for name := range minimalOptions {
		specs := auth.Options(name)
		require.NotEmpty(t, specs, name)
		seen := map[string]bool{}
		for _, o := range specs {
			assert.NotEmpty(t, o.Help, "%s %s", name, o.Name)
			assert.Equal(t, strings.ReplaceAll(o.Name, "-", "_"), o.Dest, name)
			assert.False(t, seen[o.Dest], "%s lists %s twice", name, o.Dest)
			seen[o.Dest] = true
			if strings.Contains(o.Dest, "password") || strings.HasSuffix(o.Dest, "secret") || o.Dest == "token" ||
				o.Dest == "access_token" || o.Dest == "code" || o.Dest == "federated_headers" {
				assert.True(t, o.Secret, "%s %s is a secret", name, o.Dest)
			}
		}
	}
}

// Every plugin of this package, built with a distinct value for each of its
// secret options, prints, logs and encodes without any of them.
func TestNoSecretInFormatting(t *testing.T) {
	for name, row := range minimalOptions {
		var secretDests []string
		for _, spec := range auth.Options(name) {
			if spec.Secret {
				secretDests = append(secretDests, spec.Dest)
			}
		}
		opts, secrets := secrettest.Markers(name, row.opts, secretDests, func(opts map[string]string) bool {
			_, err := auth.NewPlugin(name, opts)
			return err == nil
		})
		p, err := auth.NewPlugin(name, opts)
		require.NoError(t, err, name)
		require.NotEmpty(t, secrets, name)
		secrettest.AssertNoSecret(t, name, p, secrets...)
		secrettest.AssertNoSecret(t, name+" (value)", reflect.ValueOf(p).Elem().Interface(), secrets...)
		assert.Contains(t, fmt.Sprintf("%+v", p), "***", name)
	}
}

// What the registry cannot build: token sources and local sessions with a
// token.
func TestNoSecretInFormattingByHand(t *testing.T) {
	local := auth.New(&Password{AuthURL: "https://k/v3", UserID: "u", Password: "local-pw"},
		auth.WithAccessInfo(&auth.AccessInfo{Token: "local-token-id"}))
	for name, tc := range map[string]struct {
		v       any
		secrets []string
	}{
		"OIDCAccessToken with a token source": {&OIDCAccessToken{FederatedLogin: FederatedLogin{AuthURL: "https://k/v3"},
			TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "source-access-token"})},
			[]string{"source-access-token"}},
		"OIDCPassword": {&OIDCPassword{OIDCClient: OIDCClient{ClientID: "c", ClientSecret: "oidc-client-secret"}, Username: "u", Password: "oidc-pw"},
			[]string{"oidc-client-secret", "oidc-pw"}},
		"K2K with a local session": {&Keystone2Keystone{LocalSession: local, ServiceProvider: "sp"}, []string{"local-pw", "local-token-id"}},
		"K2K with a local plugin": {&Keystone2Keystone{Local: &ApplicationCredential{ID: "ac", Secret: "k2k-secret"}, ServiceProvider: "sp"},
			[]string{"k2k-secret"}},
	} {
		secrettest.AssertNoSecret(t, name, tc.v, tc.secrets...)
	}
}

// A token cached for a federated login goes only to a plugin that proves
// the same secret (package auth's cache tests show the cache holding to
// it): the cache id is the same, the secret is not.
func TestFederatedPluginsProveTheirSecret(t *testing.T) {
	login := FederatedLogin{AuthURL: "https://k/v3", IdentityProvider: "idp", Protocol: "saml2"}
	for name, tc := range map[string]struct{ right, wrong Plugin }{
		"federated password": {
			&SAML2Password{FederatedLogin: login, Username: "alice", Password: "pw"},
			&SAML2Password{FederatedLogin: login, Username: "alice", Password: "guess"},
		},
		"federated headers": {
			&FederatedHeaders{FederatedLogin: login, Headers: http.Header{"X-Remote-User": {"alice"}}},
			&FederatedHeaders{FederatedLogin: login, Headers: http.Header{"X-Remote-User": {"mallory"}}},
		},
	} {
		require.Equal(t, auth.CacheID(tc.right), auth.CacheID(tc.wrong), "%s: the same identity", name)
		right, complete := tc.right.(auth.SecretProver).CacheSecret()
		require.True(t, complete, name)
		wrong, _ := tc.wrong.(auth.SecretProver).CacheSecret()
		assert.NotEqual(t, right, wrong, name)
	}
}
