// Command quickstart authenticates against Keystone, prints the token's
// scope and expiry, the service catalog and the projects it can see.
//
// It finds its cloud as the openstack CLI does: the cloud of clouds.yaml
// that OS_CLOUD names, or the usual OS_* variables (OS_AUTH_URL,
// OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_ID,
// OS_PROJECT_DOMAIN_ID, ...). `make demo` starts a local Keystone and sets
// them when neither OS_CLOUD nor OS_AUTH_URL is set.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
	"strings"
	"time"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/cloudconfig"
	"github.com/keystone-go/keystone/pkg/identity"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	sess, client, err := identity.FromCloud(ctx, "",
		identity.WithSessionOptions(auth.WithUserAgent("quickstart", "1.0")))
	var cfgErr *cloudconfig.Error
	if errors.As(err, &cfgErr) && cfgErr.File == cloudconfig.Environment && cfgErr.Cloud == "" {
		// Nothing is configured at all.
		return fmt.Errorf("%w (run `make demo` to start a local Keystone)", err)
	}
	if err != nil {
		return err
	}

	access, err := sess.AccessInfo(ctx)
	if err != nil {
		return fmt.Errorf("authenticating: %w", err)
	}
	fmt.Printf("Authenticated as %s (%s)\n", access.Username(), access.UserID())
	switch {
	case access.ProjectID() != "":
		fmt.Printf("Scope: project %s (%s)\n", access.ProjectName(), access.ProjectID())
	case access.DomainID() != "":
		fmt.Printf("Scope: domain %s\n", access.DomainID())
	case access.SystemScoped():
		fmt.Println("Scope: system")
	default:
		fmt.Println("Scope: none (unscoped token)")
	}
	fmt.Printf("Roles: %s\n", strings.Join(slices.Sorted(slices.Values(access.RoleNames())), ", "))
	fmt.Printf("Token expires at %s (in %s)\n\n", access.ExpiresAt.Format(time.RFC3339), time.Until(access.ExpiresAt).Round(time.Second))

	fmt.Println("Service catalog:")
	for _, s := range access.Catalog.Services() {
		fmt.Printf("  %s (%s)\n", s.Type, s.Name)
		for _, ep := range s.Endpoints {
			fmt.Printf("    %-8s %-10s %s\n", ep.Interface, ep.Region, ep.URL)
		}
	}

	fmt.Println("\nProjects:")
	for p, err := range client.Projects(ctx, nil) {
		if err != nil {
			return fmt.Errorf("listing projects: %w", err)
		}
		domain := ""
		if p.DomainID != nil {
			domain = *p.DomainID
		}
		fmt.Printf("  %s  %-24s domain=%s enabled=%t\n", p.ID, p.Name, domain, p.Enabled)
	}
	return nil
}
