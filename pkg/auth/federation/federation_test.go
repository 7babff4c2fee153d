package federation_test

import (
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/auth/federation"
)

func samlWorld(t *testing.T) (*fedECPIdP, *fedKeystone) {
	idp := newFedECPIdP()
	t.Cleanup(idp.Close)
	ks := newFedKeystone()
	t.Cleanup(ks.Close)
	ks.Trusted[idp.EntityID] = true
	return idp, ks
}

func samlPlugin(idp *fedECPIdP, ks *fedKeystone, scope auth.Scope) *federation.SAML2Password {
	return &federation.SAML2Password{FederatedLogin: federation.FederatedLogin{AuthURL: ks.AuthURL(), IdentityProvider: ks.IDP,
		Protocol: "saml2", Scope: scope}, IdentityProviderURL: idp.URLECP(), Username: "alice", Password: "wonderland"}
}

func TestSAML2PasswordECP(t *testing.T) {
	idp, ks := samlWorld(t)
	a, err := fedSession(t, samlPlugin(idp, ks, auth.Scope{ProjectID: "p-demo"})).AccessInfo(fedCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "alice", a.Username())
	assert.Equal(t, "p-demo", a.ProjectID())
	assert.Equal(t, []string{"token", "saml2"}, a.Methods())
	assert.Equal(t, "saml2", a.ProtocolID())

	// The round: the protected URL offered PAOS and got an AuthnRequest...
	auths := ks.log.seen("/v3/OS-FEDERATION/identity_providers/myidp/protocols/saml2/auth")
	require.Len(t, auths, 2, "PAOS request, then the same URL with the session")
	first := auths[0]
	assert.Equal(t, http.MethodGet, first.Method)
	assert.Contains(t, first.Header.Get("Accept"), "application/vnd.paos+xml")
	assert.Equal(t, `ver="urn:liberty:paos:2003-08";"urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"`, first.Header.Get("PAOS"))
	assert.Empty(t, first.Header.Get("Cookie"))
	// ...the IdP got it with the user's credentials (and without the SP's
	// header, which the double checks)...
	sent := idp.log.seen("/idp/profile/SAML2/SOAP/ECP")
	require.Len(t, sent, 1)
	assert.Equal(t, "text/xml", sent[0].Header.Get("Content-Type"))
	user, pw, ok := (&http.Request{Header: sent[0].Header}).BasicAuth()
	require.True(t, ok)
	assert.Equal(t, [2]string{"alice", "wonderland"}, [2]string{user, pw})
	assert.Contains(t, string(sent[0].Body), "AuthnRequest")
	// ...the assertion went to the consumer service with the SP's relay
	// state in place of the IdP's header (the double checks both)...
	acs := ks.log.seen("/Shibboleth.sso/SAML2/ECP")
	require.Len(t, acs, 1)
	assert.Equal(t, "application/vnd.paos+xml", acs[0].Header.Get("Content-Type"))
	assert.Contains(t, string(acs[0].Body), "ss:mem:")
	assert.Contains(t, string(acs[0].Body), `xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"`,
		"the relay state moved with the namespace of its S:actor attribute")
	// ...and the second request to the protected URL carried the session.
	assert.Contains(t, auths[1].Header.Get("Cookie"), "_shibsession_keystone=")
}

func TestSAML2PasswordDirectAnswer(t *testing.T) {
	idp, ks := samlWorld(t)
	ks.DirectToken = true
	a, err := fedSession(t, samlPlugin(idp, ks, auth.Scope{})).AccessInfo(fedCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "alice", a.Username())
	assert.False(t, a.Scoped())
	assert.Len(t, ks.log.seen("/v3/OS-FEDERATION/identity_providers/myidp/protocols/saml2/auth"), 1)
}

func TestSAML2PasswordErrors(t *testing.T) {
	idp, ks := samlWorld(t)
	ctx := fedCtx(t)

	p := samlPlugin(idp, ks, auth.Scope{})
	p.Password = "wrong"
	_, err := fedSession(t, p).AccessInfo(ctx)
	assert.ErrorIs(t, err, apierror.ErrUnauthorized, "the IdP's 401")
	assert.Contains(t, err.Error(), "identity provider")
	assert.Empty(t, ks.log.seen("/Shibboleth.sso/SAML2/ECP"))

	// The IdP names another consumer service than the SP asked for: the
	// client refuses to send the assertion there and tells the SP.
	idp.ConsumerOverride = "https://evil.example/acs"
	_, err = fedSession(t, samlPlugin(idp, ks, auth.Scope{})).AccessInfo(ctx)
	var se *federation.SAMLError
	require.ErrorAs(t, err, &se)
	assert.ErrorIs(t, err, apierror.ErrAuthorization)
	assert.Contains(t, se.Reason, "https://evil.example/acs")
	faults := ks.log.seen("/Shibboleth.sso/SAML2/ECP")
	require.Len(t, faults, 1)
	assert.Contains(t, string(faults[0].Body), "Fault")
	assert.NotContains(t, string(faults[0].Body), "Assertion", "the assertion is not sent to either")
	idp.ConsumerOverride = ""

	// The SP does not trust the IdP.
	delete(ks.Trusted, idp.EntityID)
	_, err = fedSession(t, samlPlugin(idp, ks, auth.Scope{})).AccessInfo(ctx)
	assert.ErrorIs(t, err, apierror.ErrForbidden)

	// Without PAOS (Keystone with no SAML service provider in front), the
	// answer is Keystone's.
	asked := len(idp.log.seen("/idp/profile/SAML2/SOAP/ECP"))
	p = samlPlugin(idp, ks, auth.Scope{})
	p.Protocol = "mapped"
	_, err = fedSession(t, p).AccessInfo(ctx)
	assert.ErrorIs(t, err, apierror.ErrForbidden)
	assert.Len(t, idp.log.seen("/idp/profile/SAML2/SOAP/ECP"), asked, "no PAOS request, no IdP round")
}

func adfsWorld(t *testing.T) (*fedADFS, *fedKeystone) {
	ks := newFedKeystone()
	t.Cleanup(ks.Close)
	adfs := newFedADFS(ks.EntityID)
	t.Cleanup(adfs.Close)
	ks.Trusted[adfs.EntityID] = true
	return adfs, ks
}

func adfsPlugin(adfs *fedADFS, ks *fedKeystone, scope auth.Scope) *federation.ADFSPassword {
	return &federation.ADFSPassword{FederatedLogin: federation.FederatedLogin{AuthURL: ks.AuthURL(), IdentityProvider: ks.IDP,
		Protocol: "saml2", Scope: scope}, IdentityProviderURL: adfs.URLTrust(),
		ServiceProviderEndpoint: ks.URL + "/Shibboleth.sso/ADFS", ServiceProviderEntityID: ks.EntityID,
		Username: `EXAMPLE\alice`, Password: "wonderland"}
}

func TestADFSPassword(t *testing.T) {
	adfs, ks := adfsWorld(t)
	a, err := fedSession(t, adfsPlugin(adfs, ks, auth.Scope{ProjectName: "demo", ProjectDomainName: "Default"})).AccessInfo(fedCtx(t))
	require.NoError(t, err)
	assert.Equal(t, `EXAMPLE\alice`, a.Username())
	assert.Equal(t, "p-demo", a.ProjectID())

	rst := adfs.log.seen("/adfs/services/trust/13/usernamemixed")
	require.Len(t, rst, 1)
	body := string(rst[0].Body)
	for _, want := range []string{"RequestSecurityToken", "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue",
		"urn:oasis:names:tc:SAML:1.0:assertion", "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer",
		"<o:Username>EXAMPLE\\alice</o:Username>", ks.EntityID, adfs.URLTrust(), "u:Created", "u:Expires"} {
		assert.Contains(t, body, want)
	}
	// The sign-in carried the RSTR in the 2005/02 namespace (the double
	// refuses anything else), then the protected URL the session.
	signin := ks.log.seen("/Shibboleth.sso/ADFS")
	require.Len(t, signin, 1)
	assert.Equal(t, "wsignin1.0", signin[0].Form.Get("wa"))
	assert.NotContains(t, signin[0].Form.Get("wresult"), "ws-sx/ws-trust/200512\"")
	auths := ks.log.seen("/v3/OS-FEDERATION/identity_providers/myidp/protocols/saml2/auth")
	require.Len(t, auths, 1)
	assert.Contains(t, auths[0].Header.Get("Cookie"), "_shibsession_keystone=")
}

func TestADFSPasswordErrors(t *testing.T) {
	adfs, ks := adfsWorld(t)
	ctx := fedCtx(t)
	p := adfsPlugin(adfs, ks, auth.Scope{})
	p.Password = "wrong"
	_, err := fedSession(t, p).AccessInfo(ctx)
	assert.ErrorIs(t, err, apierror.ErrAuthorization)
	assert.Contains(t, err.Error(), "a:FailedAuthentication", "the fault's subcode is the reason")
	assert.Empty(t, ks.log.seen("/Shibboleth.sso/ADFS"))

	// The entity id ADFS does not know.
	p = adfsPlugin(adfs, ks, auth.Scope{})
	p.ServiceProviderEntityID = "urn:other"
	_, err = fedSession(t, p).AccessInfo(ctx)
	assert.Contains(t, err.Error(), "a:InvalidRequest")

	// A service provider that sets no cookie.
	noCookie := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/", http.StatusFound)
	}))
	t.Cleanup(noCookie.Close)
	p = adfsPlugin(adfs, ks, auth.Scope{})
	p.ServiceProviderEndpoint = noCookie.URL + "/Shibboleth.sso/ADFS"
	_, err = fedSession(t, p).AccessInfo(ctx)
	var se *federation.SAMLError
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.Reason, "no session cookie")
}

// k2kWorld is two Keystones: the local one is a K2K identity provider for
// the remote one, whose SAML service provider trusts it.
func k2kWorld(t *testing.T) (local, remote *fedKeystone) {
	local, remote = newFedKeystone(), newFedKeystone()
	t.Cleanup(local.Close)
	t.Cleanup(remote.Close)
	remote.IDP = "keystone-local"
	remote.Trusted[local.IdPEntityID()] = true
	local.ServiceProviders["remote"] = [2]string{remote.ECPConsumer(),
		remote.URL + "/v3/OS-FEDERATION/identity_providers/keystone-local/protocols/saml2/auth"}
	return local, remote
}

func TestKeystone2Keystone(t *testing.T) {
	local, remote := k2kWorld(t)
	p := &federation.Keystone2Keystone{
		Local:           &auth.Password{AuthURL: local.AuthURL(), Username: "alice", UserDomainID: "default", Password: "wonderland", Scope: auth.Scope{ProjectID: "p-demo"}},
		ServiceProvider: "remote",
		Scope:           auth.Scope{ProjectName: "demo", ProjectDomainID: "default"},
	}
	a, err := fedSession(t, p).AccessInfo(fedCtx(t))
	require.NoError(t, err)
	assert.Equal(t, "alice", a.Username())
	assert.Equal(t, "keystone-local", a.IdentityProviderID())
	assert.Equal(t, "p-demo", a.ProjectID())
	assert.Equal(t, remote.AuthURL(), a.AuthURL, "the token is the remote Keystone's")

	ecp := local.log.seen("/v3/auth/OS-FEDERATION/saml2/ecp")
	require.Len(t, ecp, 1)
	assert.Contains(t, string(ecp[0].Body), `"service_provider":{"id":"remote"}`)
	assert.Len(t, remote.log.seen("/Shibboleth.sso/SAML2/ECP"), 1)
	auths := remote.log.seen("/v3/OS-FEDERATION/identity_providers/keystone-local/protocols/saml2/auth")
	require.Len(t, auths, 1)
	assert.Contains(t, auths[0].Header.Get("Cookie"), "_shibsession_keystone=")
	assert.Len(t, remote.log.seen("/v3/auth/tokens"), 1, "rescoped on the remote Keystone")
	assert.Len(t, local.log.seen("/v3/auth/tokens"), 1, "one local token")
}

func TestKeystone2KeystoneLocalSession(t *testing.T) {
	local, remote := k2kWorld(t)
	remote.DirectToken = true
	localSess := fedSession(t, &auth.Password{AuthURL: local.AuthURL(), Username: "alice", UserDomainID: "default",
		Password: "wonderland", Scope: auth.Scope{ProjectID: "p-demo"}})
	ctx := fedCtx(t)
	for range 2 {
		p := &federation.Keystone2Keystone{LocalSession: localSess, ServiceProvider: "remote"}
		a, err := p.Authenticate(ctx, localSess.HTTPClient())
		require.NoError(t, err)
		assert.False(t, a.Scoped())
		assert.Equal(t, []string{"saml2"}, a.Methods())
	}
	assert.Len(t, local.log.seen("/v3/auth/tokens"), 1, "the local session's token is reused")

	// An unscoped local token: Keystone issues no assertion.
	_, err := fedSession(t, &federation.Keystone2Keystone{ServiceProvider: "remote",
		Local: &auth.Password{AuthURL: local.AuthURL(), Username: "alice", UserDomainID: "default", Password: "wonderland",
			Scope: auth.Scope{Unscoped: true}}}).AccessInfo(ctx)
	assert.ErrorIs(t, err, apierror.ErrForbidden)
	// An unknown service provider.
	_, err = fedSession(t, &federation.Keystone2Keystone{LocalSession: localSess, ServiceProvider: "nope"}).AccessInfo(ctx)
	assert.ErrorIs(t, err, apierror.ErrNotFound)
	// The remote SP does not trust the local Keystone.
	delete(remote.Trusted, local.IdPEntityID())
	_, err = fedSession(t, &federation.Keystone2Keystone{LocalSession: localSess, ServiceProvider: "remote"}).AccessInfo(ctx)
	assert.ErrorIs(t, err, apierror.ErrForbidden)
	// Nothing to log in to the local Keystone with.
	_, err = (&federation.Keystone2Keystone{ServiceProvider: "remote"}).Authenticate(ctx, http.DefaultClient)
	assert.ErrorIs(t, err, apierror.ErrMissingAuthPlugin)
}

func TestRemoteAuthURL(t *testing.T) {
	assert.Equal(t, "https://sp.example:5000/v3",
		federation.RemoteAuthURL("https://sp.example:5000/v3/OS-FEDERATION/identity_providers/idp/protocols/saml2/auth"))
	assert.Equal(t, "https://sp.example/odd", federation.RemoteAuthURL("https://sp.example/odd"))
}

func TestFederatedHeaders(t *testing.T) {
	ks := newFedKeystone()
	t.Cleanup(ks.Close)
	ctx := fedCtx(t)
	p, err := auth.NewPlugin("v3federatedheaders", map[string]string{
		"auth_url": ks.AuthURL(), "identity_provider": ks.IDP, "protocol": "mapped",
		"federated_headers": "X-Ks-Fed-Idp: https://idp.test/myidp\nX-Ks-Fed-User: alice\n",
		"project_id":        "p-demo",
	})
	require.NoError(t, err)
	a, err := fedSession(t, p).AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, "alice", a.Username())
	assert.Equal(t, "p-demo", a.ProjectID())
	assert.Equal(t, []string{"token", "mapped"}, a.Methods())
	posts := ks.log.seen("/v3/OS-FEDERATION/identity_providers/myidp/protocols/mapped/auth")
	require.Len(t, posts, 1)
	assert.Equal(t, "alice", posts[0].Header.Get("X-Ks-Fed-User"))
	rescope := ks.log.seen("/v3/auth/tokens")
	require.Len(t, rescope, 1)
	assert.Empty(t, rescope[0].Header.Get("X-Ks-Fed-User"), "the headers go with the login only")

	// The JSON form; a wrong remote id is Keystone's 403.
	p, err = auth.NewPlugin("v3federatedheaders", map[string]string{
		"auth_url": ks.AuthURL(), "identity_provider": ks.IDP, "protocol": "mapped",
		"federated_headers": `{"X-Ks-Fed-Idp": "https://evil.test/", "X-Ks-Fed-User": ["bob"]}`,
	})
	require.NoError(t, err)
	_, err = fedSession(t, p).AccessInfo(ctx)
	assert.ErrorIs(t, err, apierror.ErrForbidden)
}

func TestParseFederatedHeaders(t *testing.T) {
	h, err := federation.ParseFederatedHeaders(`{"X-Ks-Fed-User": "alice", "X-Ks-Fed-Groups": ["a;b", "c"]}`)
	require.NoError(t, err)
	assert.Equal(t, "alice", h.Get("X-Ks-Fed-User"))
	assert.Equal(t, []string{"a;b", "c"}, h.Values("X-Ks-Fed-Groups"))

	h, err = federation.ParseFederatedHeaders("\n  X-Ks-Fed-Idp: https://idp.test/x:y \r\n\nx-ks-fed-user:alice")
	require.NoError(t, err)
	assert.Equal(t, "https://idp.test/x:y", h.Get("X-Ks-Fed-Idp"))
	assert.Equal(t, "alice", h.Get("X-Ks-Fed-User"))

	for _, bad := range []string{"no colon", `{"X": 1}`, `{"Bad Name": "v"}`, `{"X": "a\nb"}`, ": value", `{"X":`} {
		_, err := federation.ParseFederatedHeaders(bad)
		assert.Error(t, err, bad)
	}
}

// Every federation plugin from keystoneauth's option names, through
// NewPlugin, to a token.
func TestFederationPluginsFromOptions(t *testing.T) {
	oidc, ks := oidcWorld(t)
	ecp := newFedECPIdP()
	t.Cleanup(ecp.Close)
	ks.Trusted[ecp.EntityID] = true
	adfs := newFedADFS(ks.EntityID)
	t.Cleanup(adfs.Close)
	ks.Trusted[adfs.EntityID] = true
	local, _ := k2kWorld(t)
	ctx := fedCtx(t)

	fed := func(protocol string, kv ...string) map[string]string {
		m := map[string]string{"auth_url": ks.AuthURL(), "identity_provider": ks.IDP, "protocol": protocol,
			"project_name": "demo", "project_domain_id": "default"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	discovery := oidc.URL + "/.well-known/openid-configuration"
	client := []string{"client_id", oidc.ClientID, "client_secret", oidc.ClientSecret, "discovery_endpoint", discovery}
	_, err := (&federation.OIDCPassword{FederatedLogin: oidcLogin(ks, auth.Scope{}), OIDCClient: oidcClient(oidc),
		Username: "alice", Password: "wonderland"}).Authenticate(ctx, http.DefaultClient)
	require.NoError(t, err)
	code := oidc.Code("alice", "http://localhost/cb", "", "")
	accessToken := bearerSent(t, ks)

	cases := map[string]map[string]string{
		"v3oidcpassword":          fed("openid", append(client, "username", "alice", "password", "wonderland")...),
		"v3oidcclientcredentials": fed("openid", client...),
		"v3oidcauthcode":          fed("openid", append(client, "redirect_uri", "http://localhost/cb", "authorization_code", code)...),
		"v3oidcaccesstoken":       fed("openid", "access_token", accessToken),
		"v3samlpassword":          fed("saml2", "identity_provider_url", ecp.URLECP(), "username", "alice", "password", "wonderland"),
		"v3adfspassword": fed("saml2", "identity_provider_url", adfs.URLTrust(), "service_provider_endpoint", ks.URL+"/Shibboleth.sso/ADFS",
			"service_provider_entity_id", ks.EntityID, "username", `EXAMPLE\alice`, "password", "wonderland"),
		"v3federatedheaders": fed("mapped", "federated_headers", `{"X-Ks-Fed-Idp":"https://idp.test/myidp","X-Ks-Fed-User":"alice"}`),
		"v3k2k": {"auth_url": local.AuthURL(), "username": "alice", "user_domain_id": "default", "password": "wonderland",
			"project_id": "p-demo", "service_provider": "remote", "remote_project_name": "demo", "remote_project_domain_id": "default"},
	}
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		t.Run(name, func(t *testing.T) {
			p, err := auth.NewPlugin(name, cases[name])
			require.NoError(t, err)
			a, err := fedSession(t, p).AccessInfo(ctx)
			require.NoError(t, err)
			assert.Equal(t, "p-demo", a.ProjectID())
			assert.True(t, a.IsFederated())
			assert.NotEmpty(t, auth.CacheID(p), "%s tokens can be cached", name)
		})
	}
}

// Cache keys say whose tokens they are and never carry a secret.
func TestFederationCacheKeys(t *testing.T) {
	ks := "https://keystone.example/v3"
	login := federation.FederatedLogin{AuthURL: ks, IdentityProvider: "idp", Protocol: "openid"}
	secrets := []string{"pw-secret", "client-secret", "the-code", "the-access-token", "hdr-secret"}
	plugins := []auth.Plugin{
		&federation.OIDCPassword{FederatedLogin: login, OIDCClient: federation.OIDCClient{ClientID: "c", ClientSecret: "client-secret"}, Username: "alice", Password: "pw-secret"},
		&federation.OIDCClientCredentials{FederatedLogin: login, OIDCClient: federation.OIDCClient{ClientID: "c", ClientSecret: "client-secret"}},
		&federation.OIDCAuthorizationCode{FederatedLogin: login, OIDCClient: federation.OIDCClient{ClientID: "c", ClientSecret: "client-secret"}, Code: "the-code"},
		&federation.OIDCAccessToken{FederatedLogin: login, AccessToken: "the-access-token"},
		&federation.SAML2Password{FederatedLogin: login, IdentityProviderURL: "https://idp", Username: "alice", Password: "pw-secret"},
		&federation.ADFSPassword{FederatedLogin: login, IdentityProviderURL: "https://adfs", ServiceProviderEndpoint: "https://sp", Username: "alice", Password: "pw-secret"},
		&federation.FederatedHeaders{FederatedLogin: login, Headers: http.Header{"X-User": {"hdr-secret"}}},
		&federation.Keystone2Keystone{Local: &auth.Password{AuthURL: ks, UserID: "u", Password: "pw-secret"}, ServiceProvider: "sp"},
	}
	ids := map[string]bool{}
	for _, p := range plugins {
		k := p.(auth.CacheKeyer).CacheKey()
		require.NotNil(t, k, "%T", p)
		for name, v := range k {
			for _, s := range secrets {
				assert.NotContains(t, v, s, "%T %s", p, name)
			}
		}
		id := auth.CacheID(p)
		assert.False(t, ids[id], "%T shares a cache id", p)
		ids[id] = true
	}
	// Another user, another key.
	a := &federation.OIDCPassword{FederatedLogin: login, OIDCClient: federation.OIDCClient{ClientID: "c"}, Username: "alice", Password: "x"}
	b := &federation.OIDCPassword{FederatedLogin: login, OIDCClient: federation.OIDCClient{ClientID: "c"}, Username: "bob", Password: "x"}
	assert.NotEqual(t, auth.CacheID(a), auth.CacheID(b))
	b.Username, b.Scope = "alice", auth.Scope{ProjectID: "p"}
	assert.NotEqual(t, auth.CacheID(a), auth.CacheID(b), "another scope, another key")
	assert.Empty(t, auth.CacheID(&federation.OIDCDeviceAuthorization{FederatedLogin: login}), "the device flow's user is not known beforehand")
}

func TestFederationOptionErrors(t *testing.T) {
	base := map[string]string{"auth_url": "https://k/v3", "identity_provider": "idp", "protocol": "openid",
		"client_id": "c", "discovery_endpoint": "https://idp/.well-known/openid-configuration", "username": "u", "password": "p"}
	with := func(name string, kv ...string) (string, map[string]string) {
		m := maps.Clone(base)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return name, m
	}
	cases := []struct {
		plugin string
		opts   map[string]string
		kind   *apierror.Kind
		text   string
	}{}
	add := func(kind *apierror.Kind, text string, name string, opts map[string]string) {
		cases = append(cases, struct {
			plugin string
			opts   map[string]string
			kind   *apierror.Kind
			text   string
		}{name, opts, kind, text})
	}
	n, o := with("v3oidcpassword", "protocol", "")
	add(apierror.ErrMissingAuthOption, "protocol", n, o)
	n, o = with("v3oidcpassword", "discovery_endpoint", "")
	add(apierror.ErrMissingAuthOption, "access_token_endpoint or discovery_endpoint", n, o)
	n, o = with("v3oidcpassword", "client_id", "")
	add(apierror.ErrMissingAuthOption, "client_id", n, o)
	n, o = with("v3oidcpassword", "access_token_type", "jwt")
	add(apierror.ErrInvalidConfig, "access_token_type", n, o)
	n, o = with("v3oidcpassword", "project_name", "demo")
	add(apierror.ErrMissingAuthOption, "project_domain_id", n, o)
	n, o = with("v3oidcclientcredentials", "username", "", "password", "")
	add(apierror.ErrMissingAuthOption, "client_secret", n, o)
	n, o = with("v3oidcdeviceauthz", "username", "", "password", "", "code_challenge_method", "S512")
	add(apierror.ErrInvalidConfig, "code_challenge_method", n, o)
	n, o = with("v3oidcdeviceauthz", "access_token_type", "id_token", "username", "", "password", "")
	add(apierror.ErrInvalidConfig, "access_token_type", n, o) // RFC 8628 yields access tokens only
	add(apierror.ErrMissingAuthOption, "access_token", "v3oidcaccesstoken", map[string]string{"auth_url": "u", "identity_provider": "i", "protocol": "p"})
	add(apierror.ErrMissingAuthOption, "identity_provider_url", "v3samlpassword", map[string]string{"auth_url": "u", "identity_provider": "i", "protocol": "p", "username": "u", "password": "p"})
	add(apierror.ErrMissingAuthOption, "service_provider_entity_id", "v3adfspassword", map[string]string{"auth_url": "u", "identity_provider": "i", "protocol": "p",
		"username": "u", "password": "p", "identity_provider_url": "x", "service_provider_endpoint": "y"})
	add(apierror.ErrInvalidConfig, "federated_headers", "v3federatedheaders", map[string]string{"auth_url": "u", "identity_provider": "i", "protocol": "p", "federated_headers": "nonsense"})
	add(apierror.ErrMissingAuthOption, "service_provider", "v3k2k", map[string]string{"auth_url": "u", "token": "t"})
	add(apierror.ErrInvalidConfig, "password, token", "v3k2k", map[string]string{"auth_url": "u", "token": "t", "user_id": "u", "password": "p", "service_provider": "sp"})
	add(apierror.ErrInvalidConfig, "remote_system_scope", "v3k2k", map[string]string{"auth_url": "u", "token": "t", "service_provider": "sp", "remote_system_scope": "region"})
	add(apierror.ErrInvalidConfig, "remote_", "v3k2k", map[string]string{"auth_url": "u", "token": "t", "service_provider": "sp", "remote_project_id": "p", "remote_domain_id": "d"})
	for _, tc := range cases {
		t.Run(tc.plugin+" "+tc.text, func(t *testing.T) {
			p, err := auth.NewPlugin(tc.plugin, tc.opts)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.True(t, errors.Is(err, tc.kind), "%v is not %s", err, tc.kind)
			assert.Contains(t, err.Error(), tc.text)
			assert.Contains(t, err.Error(), tc.plugin)
		})
	}
}

// The plugins accept a Doer that is not a Session's.
func TestFederationWithPlainClient(t *testing.T) {
	idp, ks := samlWorld(t)
	a, err := samlPlugin(idp, ks, auth.Scope{}).Authenticate(fedCtx(t), &http.Client{})
	require.NoError(t, err)
	assert.Equal(t, "alice", a.Username())
	// Any Doer will do, if it leaves redirects to the plugin (one that
	// follows them itself drops the cookie of the hop in between).
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var d doerFunc = func(r *http.Request) (*http.Response, error) { return noFollow.Do(r) }
	a, err = samlPlugin(idp, ks, auth.Scope{}).Authenticate(fedCtx(t), d)
	require.NoError(t, err)
	assert.Equal(t, "alice", a.Username())
	assert.True(t, strings.HasPrefix(a.Token, "ks-"))
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
