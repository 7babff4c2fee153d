package federation_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/internal/secrettest"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/auth/federation"
)

// A discovery document served over https that names a token endpoint over
// plain http is refused before the client secret or the password is sent.
func TestOIDCRefusesAPlainHTTPTokenEndpointFromHTTPSDiscovery(t *testing.T) {
	idp, ks := oidcWorld(t)
	discovery := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fedJSON(w, http.StatusOK, map[string]any{"issuer": idp.URL, "token_endpoint": idp.URL + "/token",
			"grant_types_supported": []string{"password", "client_credentials"}})
	}))
	t.Cleanup(discovery.Close)
	login := federation.FederatedLogin{AuthURL: ks.AuthURL(), IdentityProvider: ks.IDP, Protocol: "openid"}
	client := federation.OIDCClient{ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
		DiscoveryEndpoint: discovery.URL + "/.well-known/openid-configuration"}
	for _, p := range []auth.Plugin{
		&federation.OIDCPassword{FederatedLogin: login, OIDCClient: client, Username: "alice", Password: "wonderland"},
		&federation.OIDCClientCredentials{FederatedLogin: login, OIDCClient: client},
	} {
		_, err := auth.New(p, auth.WithHTTPClient(discovery.Client())).Token(fedCtx(t))
		var coe *apierror.CrossOriginError
		require.True(t, errors.As(err, &coe), "%v", err)
		assert.Contains(t, err.Error(), idp.URL+"/token")
		assert.NotContains(t, err.Error(), idp.ClientSecret)
	}
	assert.Empty(t, idp.log.seen("/token"), "the client secret and the password went over plain http")
}

// A discovery document over https that redirects to plain http is not
// followed, so the provider it would name is never asked.
func TestOIDCRefusesADiscoveryRedirectToHTTP(t *testing.T) {
	idp, ks := oidcWorld(t)
	discovery := secrettest.Redirector(t, http.StatusFound, idp.URL, true)
	p := &federation.OIDCPassword{FederatedLogin: federation.FederatedLogin{AuthURL: ks.AuthURL(), IdentityProvider: ks.IDP, Protocol: "openid"},
		OIDCClient: federation.OIDCClient{ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
			DiscoveryEndpoint: discovery.URL + "/.well-known/openid-configuration"},
		Username: "alice", Password: "wonderland"}
	_, err := auth.New(p, auth.WithHTTPClient(discovery.Client())).Token(fedCtx(t))
	assert.True(t, errors.Is(err, apierror.ErrCrossOrigin), "%v", err)
	assert.Empty(t, idp.log.seen("/.well-known/openid-configuration"))
	assert.Empty(t, idp.log.seen("/token"))
}

// The headers of v3federatedheaders are its credential: they are logged
// hashed, and a redirect of the login to another host does not carry them.
func TestFederatedHeadersAreSecret(t *testing.T) {
	const user = "alice-federated-0123456789"
	ks := newFedKeystone()
	t.Cleanup(ks.Close)
	p := &federation.FederatedHeaders{FederatedLogin: federation.FederatedLogin{AuthURL: ks.AuthURL(), IdentityProvider: ks.IDP, Protocol: "mapped"},
		Headers: http.Header{"X-Ks-Fed-Idp": {ks.HeaderRemoteID}, "X-Ks-Fed-User": {user}}}
	logger, log := debugLogger()
	_, err := fedSession(t, p, auth.WithLogger(logger)).Token(fedCtx(t))
	require.NoError(t, err)
	assert.NotContains(t, log.String(), user, "the federated header is logged in clear")
	assert.Contains(t, log.String(), "{SHA256}")

	other := secrettest.NewWitness(t, false)
	moved := secrettest.Redirector(t, http.StatusFound, other.URL, false)
	p.AuthURL = moved.URL + "/v3"
	_, err = auth.New(p).Token(fedCtx(t))
	require.Error(t, err)
	require.Equal(t, 1, other.Count(), "the login without a body follows the redirect")
	assert.NotContains(t, other.All(), user, "the federated header went to another origin")
	assert.NotContains(t, strings.ToLower(other.All()), "x-ks-fed-user")
}

// The ECP envelope Keystone answers a K2K assertion request with holds a
// bearer assertion: the log shows its length and type, never the XML.
func TestK2KAssertionIsNotLogged(t *testing.T) {
	local, _ := k2kWorld(t)
	logger, log := debugLogger()
	p := &federation.Keystone2Keystone{
		Local: &auth.Password{AuthURL: local.AuthURL(), Username: "alice", UserDomainID: "default", Password: "wonderland",
			Scope: auth.Scope{ProjectID: "p-demo"}},
		ServiceProvider: "remote",
	}
	_, err := fedSession(t, p, auth.WithLogger(logger)).Token(fedCtx(t))
	require.NoError(t, err)
	out := log.String()
	require.Contains(t, out, "/v3/auth/OS-FEDERATION/saml2/ecp")
	for _, xml := range []string{"Envelope", "Assertion", "SignatureValue", "openstack_user"} {
		assert.NotContains(t, out, xml)
	}
	assert.Regexp(t, `<not logged: (\d+ bytes of|text/xml of unknown length)`, out)
}

// debugLogger logs at debug level into the returned buffer.
func debugLogger() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}
