// Command trust creates a trust from the user of one cloud (the trustor)
// to the user of another (the trustee), gets a trust-scoped token for the
// trustee, and deletes the trust again (unless -keep).
//
//	trust -trustee-cloud NAME [-cloud NAME] [-role NAME]... [-impersonate] [-expires 1h] [-keep]
//
// Both clouds are found as the openstack CLI finds them (-cloud defaults to
// OS_CLOUD, else the OS_* variables). The trustor's token must be scoped to
// the project the trust delegates; the roles default to "member". The
// trustee authenticates with its cloud's credentials and the trust as the
// scope: the trust_id auth option, which takes the place of the cloud's
// project or domain.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"slices"
	"strings"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/cloudconfig"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/timestamp"
)

type roleFlags []string

func (r *roleFlags) String() string     { return strings.Join(*r, ",") }
func (r *roleFlags) Set(s string) error { *r = append(*r, s); return nil }

type config struct {
	cloud, trusteeCloud string
	roles               roleFlags
	impersonate, keep   bool
	expires             time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.cloud, "cloud", "", "the trustor's cloud (default: OS_CLOUD, else the OS_* variables)")
	flag.StringVar(&c.trusteeCloud, "trustee-cloud", "", "the trustee's cloud (required)")
	flag.Var(&c.roles, "role", "a role to delegate, by name (repeat for more; default member)")
	flag.BoolVar(&c.impersonate, "impersonate", false, "let the trustee act as the trustor (tokens name the trustor)")
	flag.DurationVar(&c.expires, "expires", time.Hour, "lifetime of the trust (0: no expiry)")
	flag.BoolVar(&c.keep, "keep", false, "keep the trust instead of deleting it at the end")
	flag.Parse()
	if c.trusteeCloud == "" {
		flag.Usage()
		log.Fatal("-trustee-cloud is required")
	}
	if len(c.roles) == 0 {
		c.roles = roleFlags{"member"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, c); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, c config) error {
	// The trustor.
	sess, client, err := identity.FromCloud(ctx, c.cloud)
	if err != nil {
		return err
	}
	trustor, err := sess.AccessInfo(ctx)
	if err != nil {
		return fmt.Errorf("authenticating the trustor: %w", err)
	}
	if trustor.ProjectID() == "" {
		return fmt.Errorf("the trustor's cloud must be scoped to the project the trust is for")
	}

	// The trustee: who is it?
	trusteeCloud, err := cloudconfig.Load(c.trusteeCloud)
	if err != nil {
		return err
	}
	trusteeSess, _, err := identity.FromConfig(trusteeCloud)
	if err != nil {
		return err
	}
	trustee, err := trusteeSess.AccessInfo(ctx)
	if err != nil {
		return fmt.Errorf("authenticating the trustee: %w", err)
	}

	body := identityv3.TrustCreate{
		TrustorUserID: trustor.UserID(),
		TrusteeUserID: trustee.UserID(),
		ProjectID:     nullable.NewNullableWithValue(trustor.ProjectID()),
		Impersonation: c.impersonate,
	}
	for _, r := range c.roles {
		body.Roles = append(body.Roles, identityv3.TrustRoleSelector{Name: &r})
	}
	if c.expires > 0 {
		body.ExpiresAt = new(timestamp.New(time.Now().Add(c.expires).UTC().Truncate(time.Second)))
	}
	tr, err := client.CreateTrust(ctx, body)
	if err != nil {
		return fmt.Errorf("creating the trust: %w", err)
	}
	fmt.Printf("Created trust %s: %s -> %s on project %s, roles %s, impersonation %t\n",
		tr.ID, trustor.Username(), trustee.Username(), trustor.ProjectName(), strings.Join(c.roles, ", "), c.impersonate)
	if !c.keep {
		defer func() {
			if err := client.DeleteTrust(context.WithoutCancel(ctx), tr.ID); err != nil {
				log.Printf("deleting the trust: %v", err)
				return
			}
			fmt.Printf("Deleted trust %s\n", tr.ID)
		}()
	}

	// The trustee's credentials with the trust as the scope: the cloud's
	// project, domain or system scope gives way to trust_id.
	scoped := *trusteeCloud
	scoped.Auth = map[string]string{}
	for k, v := range trusteeCloud.Auth {
		switch k {
		case "project_id", "project_name", "project_domain_id", "project_domain_name", "domain_id", "domain_name", "system_scope":
		default:
			scoped.Auth[k] = v
		}
	}
	scoped.Auth["trust_id"] = tr.ID
	trustSess, trustClient, err := identity.FromConfig(&scoped)
	if err != nil {
		return err
	}
	a, err := trustSess.AccessInfo(ctx)
	if err != nil {
		return fmt.Errorf("getting a trust-scoped token: %w", err)
	}
	fmt.Printf("Trust-scoped token for %s: trust %s, acting as %s, project %s, roles %s\n",
		trustee.Username(), a.TrustID(), a.Username(), a.ProjectName(), strings.Join(slices.Sorted(slices.Values(a.RoleNames())), ", "))

	// The token works within the trust: the project it delegates.
	p, err := trustClient.GetProject(ctx, a.ProjectID(), nil)
	if err != nil {
		return fmt.Errorf("reading the project with the trust: %w", err)
	}
	fmt.Printf("Read project %s with the trust\n", p.Name)
	return nil
}
