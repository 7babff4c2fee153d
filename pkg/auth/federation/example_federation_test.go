package federation_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/auth/federation"
)

// Log in through an OpenID Connect provider with the user's password:
// the plugin finds the token endpoint in the provider's discovery
// document, gets an access token, presents it to Keystone's federated auth
// URL and rescopes the unscoped token it gets to the project.
func ExampleOIDCPassword() {
	provider := newFedOIDC() // an OpenID Connect provider
	defer provider.Close()
	keystone := newFedKeystone() // identity provider "myidp", protocol "openid"
	defer keystone.Close()
	keystone.OIDC = provider

	sess := auth.New(&federation.OIDCPassword{
		FederatedLogin: federation.FederatedLogin{
			AuthURL:          keystone.URL + "/v3",
			IdentityProvider: "myidp",
			Protocol:         "openid",
			Scope:            auth.Scope{ProjectName: "demo", ProjectDomainID: "default"},
		},
		OIDCClient: federation.OIDCClient{
			ClientID:          "keystone-cli",
			ClientSecret:      "cli-secret",
			DiscoveryEndpoint: provider.URL + "/.well-known/openid-configuration",
		},
		Username: "alice",
		Password: "wonderland",
	})
	a, err := sess.AccessInfo(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Username(), a.IdentityProviderID(), a.ProjectName(), a.Methods())
	// Output: alice myidp demo [token openid]
}

// The device authorization grant: the user approves the login on any
// device with a browser while the plugin polls the provider.
func ExampleOIDCDeviceAuthorization() {
	provider := newFedOIDC()
	defer provider.Close()
	keystone := newFedKeystone()
	defer keystone.Close()
	keystone.OIDC = provider

	plugin, err := auth.NewPlugin("v3oidcdeviceauthz", map[string]string{
		"auth_url":              keystone.URL + "/v3",
		"identity_provider":     "myidp",
		"protocol":              "openid",
		"client_id":             "cli-public", // a public client: no secret
		"discovery_endpoint":    provider.URL + "/.well-known/openid-configuration",
		"code_challenge_method": "S256",
	})
	if err != nil {
		panic(err)
	}
	plugin.(*federation.OIDCDeviceAuthorization).Prompt = func(_ context.Context, da *oauth2.DeviceAuthResponse) error {
		fmt.Println("enter", da.UserCode, "at the provider's verification page")
		return nil
	}
	// The login lasts as long as the user takes to approve it.
	sess := auth.New(plugin, auth.WithAuthTimeout(10*time.Minute))
	a, err := sess.AccessInfo(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Username(), a.Scoped())
	// Output:
	// enter WDJB-MJHT at the provider's verification page
	// alice false
}

// SAML2 ECP: the plugin asks Keystone's federated auth URL (behind a SAML
// service provider such as mod_shib) for a PAOS request, has the identity
// provider answer it for the user, and relays the assertion back.
func ExampleSAML2Password() {
	idp := newFedECPIdP() // a Shibboleth IdP's ECP endpoint
	defer idp.Close()
	keystone := newFedKeystone()
	defer keystone.Close()
	keystone.Trusted[idp.EntityID] = true

	sess := auth.New(&federation.SAML2Password{
		FederatedLogin: federation.FederatedLogin{
			AuthURL:          keystone.URL + "/v3",
			IdentityProvider: "myidp",
			Protocol:         "saml2",
			Scope:            auth.Scope{ProjectID: "p-demo"},
		},
		IdentityProviderURL: idp.URL + "/idp/profile/SAML2/SOAP/ECP",
		Username:            "alice",
		Password:            "wonderland",
	})
	a, err := sess.AccessInfo(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Username(), a.ProtocolID(), a.ProjectID())
	// Output: alice saml2 p-demo
}

// Microsoft ADFS: a WS-Trust request with the user's credentials yields an
// assertion, which signs in at the service provider in front of Keystone.
func ExampleADFSPassword() {
	keystone := newFedKeystone()
	defer keystone.Close()
	adfs := newFedADFS(keystone.URL + "/shibboleth")
	defer adfs.Close()
	keystone.Trusted[adfs.EntityID] = true

	plugin, err := auth.NewPlugin("v3adfspassword", map[string]string{
		"auth_url":                   keystone.URL + "/v3",
		"identity_provider":          "myidp",
		"protocol":                   "saml2",
		"identity_provider_url":      adfs.URL + "/adfs/services/trust/13/usernamemixed",
		"service_provider_endpoint":  keystone.URL + "/Shibboleth.sso/ADFS",
		"service_provider_entity_id": keystone.URL + "/shibboleth",
		"username":                   `EXAMPLE\alice`,
		"password":                   "wonderland",
	})
	if err != nil {
		panic(err)
	}
	a, err := auth.New(plugin).AccessInfo(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Username(), a.IsFederated())
	// Output: EXAMPLE\alice true
}

// Keystone to Keystone: a project-scoped token of the local Keystone
// becomes, through the local Keystone's SAML2 identity provider, a token of
// the remote one (the service provider "remote"), rescoped there.
func ExampleKeystone2Keystone() {
	local, remote := newFedKeystone(), newFedKeystone()
	defer local.Close()
	defer remote.Close()
	// The remote Keystone trusts the local one as identity provider
	// "keystone-local"; the local one knows the remote as a service provider.
	remote.IDP = "keystone-local"
	remote.Trusted[local.URL+"/v3/OS-FEDERATION/saml2/idp"] = true
	local.ServiceProviders["remote"] = [2]string{remote.URL + "/Shibboleth.sso/SAML2/ECP",
		remote.URL + "/v3/OS-FEDERATION/identity_providers/keystone-local/protocols/saml2/auth"}

	localSess := auth.New(&auth.Password{AuthURL: local.URL + "/v3", Username: "alice", UserDomainID: "default",
		Password: "wonderland", Scope: auth.Scope{ProjectID: "p-demo"}})
	remoteSess := auth.New(&federation.Keystone2Keystone{
		LocalSession:    localSess,
		ServiceProvider: "remote",
		Scope:           auth.Scope{ProjectName: "demo", ProjectDomainID: "default"},
	})
	a, err := remoteSess.AccessInfo(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Username(), a.IdentityProviderID(), a.ProjectName(), a.AuthURL == remote.URL+"/v3")
	// Output: alice keystone-local demo true
}

// A federated login whose assertion travels in request headers, for
// deployments where a trusted proxy in front of Keystone sets them
// ([federation] assertion_prefix).
func ExampleFederatedHeaders() {
	keystone := newFedKeystone() // protocol "mapped" reads X-Ks-Fed-Idp and X-Ks-Fed-User
	defer keystone.Close()

	sess := auth.New(&federation.FederatedHeaders{
		FederatedLogin: federation.FederatedLogin{AuthURL: keystone.URL + "/v3", IdentityProvider: "myidp", Protocol: "mapped"},
		Headers:        http.Header{"X-Ks-Fed-Idp": {"https://idp.test/myidp"}, "X-Ks-Fed-User": {"alice"}},
	})
	ctx := context.Background()
	a, err := sess.AccessInfo(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Username(), a.Scoped())
	// The unscoped session can be rescoped later.
	scoped, err := auth.Rescope(ctx, sess, auth.Scope{ProjectID: "p-demo"})
	if err != nil {
		panic(err)
	}
	s, _ := scoped.AccessInfo(ctx)
	fmt.Println(s.ProjectName(), s.Methods())
	// Output:
	// alice false
	// demo [token mapped]
}
