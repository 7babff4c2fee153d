// Package federation holds the federated auth plugins, keystoneauth's
// v3oidcpassword, v3oidcclientcredentials, v3oidcauthcode,
// v3oidcaccesstoken and v3oidcdeviceauthz (OpenID Connect through
// golang.org/x/oauth2: OIDCPassword, OIDCClientCredentials,
// OIDCAuthorizationCode, OIDCAccessToken, OIDCDeviceAuthorization),
// v3samlpassword (SAML2 ECP: SAML2Password), v3adfspassword
// (ADFSPassword), v3k2k (Keystone to Keystone: Keystone2Keystone), and
// v3federatedheaders (FederatedHeaders, an extension for deployments whose
// web server takes the assertion from request headers).
//
// They are plugins of package auth like any other, for auth.New:
//
//	sess := auth.New(&federation.OIDCPassword{
//		FederatedLogin: federation.FederatedLogin{AuthURL: "https://keystone.example/v3",
//			IdentityProvider: "myidp", Protocol: "openid", Scope: auth.Scope{ProjectID: id}},
//		OIDCClient: federation.OIDCClient{ClientID: "keystone", ClientSecret: secret,
//			DiscoveryEndpoint: "https://idp.example/.well-known/openid-configuration"},
//		Username: "alice", Password: password})
//
// They live apart from package auth so that a program that authenticates
// otherwise links neither golang.org/x/oauth2 nor the XML library the SAML
// envelopes need. Importing the package registers the plugins under their
// keystoneauth names (auth.Register), for auth.NewPlugin and so for
// clouds.yaml's auth_type; a program that loads them from configuration
// without naming a type imports it for that alone:
//
//	import _ "github.com/keystone-go/keystone/pkg/auth/federation"
//
// Every federated login is unscoped first and rescoped with the token
// method when FederatedLogin.Scope asks for a scope, as keystoneauth does;
// the requests to identity providers and service providers go through the
// Session's HTTP client (its transport, TLS settings and timeout), refuse to
// post a credential over plain http to a URL named over https, and log no
// assertion.
package federation
