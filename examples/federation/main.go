// Command federation logs in to Keystone through an identity provider
// (federated authentication), as a cloud of clouds.yaml describes it, and
// lists the projects the federated user may use or scopes the token to one.
//
//	federation [-cloud NAME] [-project-id ID | -project-name NAME -project-domain NAME]
//
// It needs an identity provider and a Keystone set up for federation (an
// identity provider, a mapping and a protocol; see Keystone's federation
// guide), so it cannot run without them. The cloud (-cloud, else OS_CLOUD)
// names one of keystoneauth's federated auth types, and its options:
//
//	clouds:
//	  sso:
//	    auth_type: v3oidcpassword      # or v3oidcclientcredentials, v3oidcaccesstoken,
//	    auth:                          # v3oidcauthcode, v3oidcdeviceauthz, v3samlpassword,
//	      auth_url: https://keystone.example.com/v3   # v3adfspassword
//	      identity_provider: myidp     # the identity provider's id in Keystone
//	      protocol: openid             # the protocol's id under it
//	      discovery_endpoint: https://idp.example.com/.well-known/openid-configuration
//	      client_id: keystone
//	      username: alice
//	      project_name: demo           # leave the scope out to list the projects
//	      project_domain_name: Default
//
// with the secrets (password, client_secret) in secure.yaml or in OS_PASSWORD
// and OS_CLIENT_SECRET. The plugin gets an access token from the provider,
// presents it to Keystone's federated auth URL
// (/v3/OS-FEDERATION/identity_providers/IDP/protocols/PROTOCOL/auth), and
// exchanges the unscoped token Keystone answers for one of the cloud's
// scope.
//
// Flags:
//
//	-cloud           the cloud of clouds.yaml (default: OS_CLOUD)
//	-project-id      scope to this project instead of the cloud's scope
//	-project-name    scope to this project, by name, with -project-domain (its domain's name)
//
// Deployments whose web server turns request headers into the assertion
// (and test setups such as hack/keystone-up.sh's) use keystone-go's
// v3federatedheaders auth type, whose federated_headers option holds the
// headers ("X-Ks-Fed-User: alice", one per line).
//
// The federated auth types live in package federation, which registers
// them when imported: a program that loads them from clouds.yaml imports
// it, as this one does, and one that does not links none of what they need
// (SAML, OAuth 2.0).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"slices"
	"strings"
	"time"

	// The federated auth types of clouds.yaml (auth_type: v3oidcpassword, ...).
	_ "github.com/keystone-go/keystone/pkg/auth/federation"
	"github.com/keystone-go/keystone/pkg/cloudconfig"
	"github.com/keystone-go/keystone/pkg/identity"
)

type config struct {
	cloud                                 string
	projectID, projectName, projectDomain string
}

func main() {
	var c config
	flag.StringVar(&c.cloud, "cloud", "", "cloud of clouds.yaml with a federated auth_type (default: OS_CLOUD)")
	flag.StringVar(&c.projectID, "project-id", "", "scope to this project, by id, instead of the cloud's scope")
	flag.StringVar(&c.projectName, "project-name", "", "scope to this project, by name (with -project-domain)")
	flag.StringVar(&c.projectDomain, "project-domain", "", "the name of the domain of -project-name")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, c); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, c config) error {
	cloud, err := cloudconfig.Load(c.cloud)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(cloud.AuthType, "v3oidc") && !strings.HasPrefix(cloud.AuthType, "v3saml") &&
		cloud.AuthType != "v3adfspassword" && cloud.AuthType != "v3federatedheaders" {
		return fmt.Errorf("cloud %s: auth type %s is not a federated one", cloud.Name, cloud.AuthType)
	}
	if c.projectID != "" || c.projectName != "" {
		// The flags replace the cloud's scope.
		for _, k := range []string{"project_id", "project_name", "project_domain_id", "project_domain_name",
			"domain_id", "domain_name", "system_scope", "trust_id"} {
			delete(cloud.Auth, k)
		}
		cloud.Auth["project_id"], cloud.Auth["project_name"], cloud.Auth["project_domain_name"] = c.projectID, c.projectName, c.projectDomain
	}
	sess, client, err := identity.FromConfig(cloud)
	if err != nil {
		return err
	}
	a, err := sess.AccessInfo(ctx)
	if err != nil {
		return fmt.Errorf("federated login: %w", err)
	}
	fmt.Printf("Federated login as %s (user %s) through identity provider %s, protocol %s\n",
		a.Username(), a.UserID(), a.IdentityProviderID(), a.ProtocolID())

	if a.ProjectID() == "" {
		// An unscoped token has no catalog: the client goes to the
		// Keystone it logged in to.
		client, err = identity.NewV3(sess, identity.WithEndpoint(a.AuthURL))
		if err != nil {
			return err
		}
		fmt.Println("Projects (give -project-id or -project-name to scope to one):")
		for p, err := range client.FederatedProjects(ctx) {
			if err != nil {
				return fmt.Errorf("listing the projects of the federated user: %w", err)
			}
			fmt.Printf("  %s %s domain=%s\n", deref(p.ID), deref(p.Name), deref(p.DomainID))
		}
		return nil
	}
	fmt.Printf("Scoped to project %s (%s), roles %s, expires %s\n", a.ProjectName(), a.ProjectID(),
		strings.Join(slices.Sorted(slices.Values(a.RoleNames())), ", "), a.ExpiresAt.Format(time.RFC3339))
	p, err := client.GetProject(ctx, a.ProjectID(), nil)
	if err != nil {
		return err
	}
	fmt.Printf("Read project %s with it\n", p.Name)
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
