// Command federation logs in to Keystone through an identity provider
// (federated authentication with OpenID Connect), then scopes the token to
// a project.
//
// It does what keystoneauth's v3oidcpassword, v3oidcclientcredentials and
// v3oidcaccesstoken plugins do: get an access token from the identity
// provider (the OAuth 2.0 password or client-credentials grant, or one you
// already have), present it to Keystone's federation endpoint
// (POST /v3/OS-FEDERATION/identity_providers/IDP/protocols/PROTOCOL/auth,
// which Keystone's web server protects with mod_auth_openidc or similar),
// and exchange the unscoped token Keystone answers for a scoped one.
//
// It cannot run without an identity provider and a Keystone set up for
// federation (identity provider, mapping and protocol; see the Keystone
// federation guide).
//
//	federation -auth-url URL -idp NAME [-protocol openid]
//	    (-issuer URL | -token-endpoint URL) -client-id ID [-client-secret S]
//	    [-grant password|client_credentials] [-username NAME] [-scope "openid profile"]
//	    [-access-token TOKEN]
//	    [-project-id ID | -project-name NAME -project-domain NAME] [-cacert FILE]
//
// Flags:
//
//	-auth-url        Keystone's v3 URL (default: OS_AUTH_URL)
//	-idp             the identity provider's id in Keystone (OS_IDENTITY_PROVIDER)
//	-protocol        the federation protocol's id in Keystone (OS_PROTOCOL, default openid)
//	-issuer          the OpenID provider; its token endpoint is discovered from
//	                 ISSUER/.well-known/openid-configuration (OS_DISCOVERY_ENDPOINT
//	                 may name that document directly)
//	-token-endpoint  the provider's token endpoint, instead of -issuer (OS_ACCESS_TOKEN_ENDPOINT)
//	-client-id       the OAuth 2.0 client (OS_CLIENT_ID); -client-secret its secret (OS_CLIENT_SECRET)
//	-grant           password (the default, with -username and OS_PASSWORD), client_credentials,
//	                 or none
//	-scope           the scopes to ask for (default "openid")
//	-access-token    an access token obtained elsewhere: no request to the provider (OS_ACCESS_TOKEN)
//	-header          "Name: value" to send to the federation endpoint (repeatable), for a web
//	                 server that takes the assertion from request headers; with -grant none no
//	                 access token is sent at all (test setups such as hack/keystone-up.sh's)
//	-project-id, -project-name, -project-domain   the project to scope to; without one the
//	                 token stays unscoped and the projects it may be scoped to are listed
//	-cacert          a CA bundle for Keystone and the provider (OS_CACERT)
//
// Secrets are read from the environment, not the command line, when they
// can be: OS_PASSWORD, OS_CLIENT_SECRET, OS_ACCESS_TOKEN.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

type config struct {
	authURL, idp, protocol                string
	issuer, tokenEndpoint, discovery      string
	clientID, clientSecret, grant, scope  string
	username, password, accessToken       string
	projectID, projectName, projectDomain string
	cacert                                string
	headers                               headerFlags
}

type headerFlags []string

func (h *headerFlags) String() string { return strings.Join(*h, "; ") }

func (h *headerFlags) Set(s string) error {
	if !strings.Contains(s, ":") {
		return fmt.Errorf("want \"Name: value\", got %q", s)
	}
	*h = append(*h, s)
	return nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	var c config
	flag.StringVar(&c.authURL, "auth-url", env("OS_AUTH_URL", ""), "Keystone's v3 URL")
	flag.StringVar(&c.idp, "idp", env("OS_IDENTITY_PROVIDER", ""), "identity provider id in Keystone")
	flag.StringVar(&c.protocol, "protocol", env("OS_PROTOCOL", "openid"), "federation protocol id in Keystone")
	flag.StringVar(&c.issuer, "issuer", "", "OpenID provider (issuer URL) whose token endpoint is discovered")
	flag.StringVar(&c.tokenEndpoint, "token-endpoint", env("OS_ACCESS_TOKEN_ENDPOINT", ""), "the provider's token endpoint")
	flag.StringVar(&c.clientID, "client-id", env("OS_CLIENT_ID", ""), "OAuth 2.0 client id")
	flag.StringVar(&c.grant, "grant", "password", "password or client_credentials")
	flag.StringVar(&c.scope, "scope", env("OS_SCOPE", "openid"), "scopes to ask for, separated by spaces")
	flag.StringVar(&c.username, "username", env("OS_USERNAME", ""), "user name at the provider (password grant)")
	flag.StringVar(&c.accessToken, "access-token", "", "an access token obtained elsewhere (else OS_ACCESS_TOKEN)")
	flag.StringVar(&c.projectID, "project-id", env("OS_PROJECT_ID", ""), "project to scope to, by id")
	flag.StringVar(&c.projectName, "project-name", env("OS_PROJECT_NAME", ""), "project to scope to, by name")
	flag.StringVar(&c.projectDomain, "project-domain", env("OS_PROJECT_DOMAIN_NAME", ""), "domain of -project-name")
	flag.StringVar(&c.cacert, "cacert", env("OS_CACERT", ""), "CA bundle for Keystone and the provider")
	flag.Var(&c.headers, "header", `"Name: value" to send to the federation endpoint (repeatable)`)
	flag.Parse()
	c.discovery = env("OS_DISCOVERY_ENDPOINT", "")
	c.clientSecret = env("OS_CLIENT_SECRET", "")
	c.password = env("OS_PASSWORD", "")
	if c.accessToken == "" {
		c.accessToken = env("OS_ACCESS_TOKEN", "")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, c); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, c config) error {
	if c.authURL == "" || c.idp == "" {
		return errors.New("-auth-url (or OS_AUTH_URL) and -idp are required")
	}
	hc, err := httpClient(c.cacert)
	if err != nil {
		return err
	}
	access, err := c.idpToken(context.WithValue(ctx, oauth2.HTTPClient, hc), hc)
	if err != nil {
		return err
	}

	// Keystone's federation endpoint takes the access token as a bearer
	// token and answers an unscoped token.
	raw, err := identityv3.NewClientWithResponses(strings.TrimSuffix(c.authURL, "/"), identityv3.WithHTTPClient(hc))
	if err != nil {
		return err
	}
	bearer := func(_ context.Context, r *http.Request) error {
		if access != "" {
			r.Header.Set("Authorization", "Bearer "+access)
		}
		for _, h := range c.headers {
			name, value, _ := strings.Cut(h, ":")
			r.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
		}
		return nil
	}
	resp, err := raw.IssueFederatedTokenWithResponse(ctx, c.idp, c.protocol, bearer)
	if err != nil {
		return fmt.Errorf("federated login: %w", err)
	}
	if resp.JSON201 == nil || resp.Headers201 == nil {
		return fmt.Errorf("federated login: Keystone answered %d: %s", resp.StatusCode(), resp.Body)
	}
	unscoped := resp.Headers201.XSubjectToken
	tok := resp.JSON201.Token
	fmt.Printf("Federated login as %s (user %s), methods %s\n", deref(tok.User.Name), deref(tok.User.ID), strings.Join(tok.Methods, ", "))

	scope := auth.Scope{ProjectID: c.projectID, ProjectName: c.projectName, ProjectDomainName: c.projectDomain}
	if scope.IsZero() {
		// List where the token may be scoped.
		xAuth := func(_ context.Context, r *http.Request) error { r.Header.Set("X-Auth-Token", unscoped); return nil }
		projects, err := raw.ListFederatedProjectsWithResponse(ctx, xAuth)
		if err != nil {
			return fmt.Errorf("listing the projects of the federated user: %w", err)
		}
		fmt.Println("Projects (give -project-id or -project-name to scope to one):")
		for _, p := range projects.JSON200.Projects {
			fmt.Printf("  %s %s domain=%s\n", deref(p.ID), deref(p.Name), deref(p.DomainID))
		}
		return nil
	}

	// Exchange it for a project-scoped token, in a Session that renews it
	// while the unscoped one lasts.
	sess := auth.New(&auth.Token{AuthURL: c.authURL, Token: unscoped, Scope: scope}, auth.WithHTTPClient(hc))
	a, err := sess.AccessInfo(ctx)
	if err != nil {
		return fmt.Errorf("scoping the federated token: %w", err)
	}
	fmt.Printf("Scoped to project %s (%s), roles %s, expires %s\n", a.ProjectName(), a.ProjectID(),
		strings.Join(a.RoleNames(), ", "), a.ExpiresAt.Format(time.RFC3339))
	client, err := identity.NewV3(sess)
	if err != nil {
		return err
	}
	p, err := client.GetProjectWithResponse(ctx, a.ProjectID(), nil)
	if err != nil {
		return err
	}
	fmt.Printf("Read project %s with it\n", p.JSON200.Project.Name)
	return nil
}

// idpToken gets an access token from the identity provider.
func (c config) idpToken(ctx context.Context, hc *http.Client) (string, error) {
	if c.accessToken != "" || c.grant == "none" {
		return c.accessToken, nil
	}
	endpoint := c.tokenEndpoint
	if endpoint == "" {
		var err error
		if endpoint, err = discoverTokenEndpoint(ctx, hc, c.issuer, c.discovery); err != nil {
			return "", err
		}
	}
	scopes := strings.Fields(c.scope)
	var tok *oauth2.Token
	var err error
	switch c.grant {
	case "password":
		if c.username == "" || c.password == "" {
			return "", errors.New("the password grant needs -username and OS_PASSWORD")
		}
		conf := oauth2.Config{ClientID: c.clientID, ClientSecret: c.clientSecret, Scopes: scopes,
			Endpoint: oauth2.Endpoint{TokenURL: endpoint}}
		tok, err = conf.PasswordCredentialsToken(ctx, c.username, c.password)
	case "client_credentials":
		conf := clientcredentials.Config{ClientID: c.clientID, ClientSecret: c.clientSecret, TokenURL: endpoint, Scopes: scopes}
		tok, err = conf.Token(ctx)
	default:
		return "", fmt.Errorf("unknown -grant %q (password, client_credentials or none)", c.grant)
	}
	if err != nil {
		return "", fmt.Errorf("getting an access token from %s: %w", endpoint, err)
	}
	return tok.AccessToken, nil
}

// discoverTokenEndpoint reads the provider's OpenID configuration.
func discoverTokenEndpoint(ctx context.Context, hc *http.Client, issuer, document string) (string, error) {
	if document == "" {
		if issuer == "" {
			return "", errors.New("give -issuer, -token-endpoint or -access-token")
		}
		document = strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, document, nil)
	if err != nil {
		return "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("OpenID discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("OpenID discovery: %s answered %s", document, resp.Status)
	}
	var conf struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&conf); err != nil || conf.TokenEndpoint == "" {
		return "", fmt.Errorf("OpenID discovery: %s has no token_endpoint", document)
	}
	return conf.TokenEndpoint, nil
}

func httpClient(cacert string) (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if cacert != "" {
		pem, err := os.ReadFile(cacert)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", cacert)
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: t, Timeout: time.Minute}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
