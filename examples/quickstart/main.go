// Command quickstart authenticates against Keystone, prints the token's
// scope and expiry, the service catalog and the projects it can see.
//
// It reads the usual OS_* variables (OS_AUTH_URL, OS_USERNAME, OS_PASSWORD,
// OS_PROJECT_NAME, OS_USER_DOMAIN_ID, OS_PROJECT_DOMAIN_ID, ...), as the
// openstack CLI does. `make demo` starts a local Keystone and sets them when
// they are not already set.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/keystone-go/keystone/pkg/auth"
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
	plugin, err := passwordFromEnv()
	if err != nil {
		return err
	}
	sess := auth.New(plugin, auth.WithUserAgent("quickstart", "1.0"))

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
	fmt.Printf("Roles: %s\n", strings.Join(access.RoleNames(), ", "))
	fmt.Printf("Token expires at %s (in %s)\n\n", access.ExpiresAt.Format(time.RFC3339), time.Until(access.ExpiresAt).Round(time.Second))

	fmt.Println("Service catalog:")
	for _, s := range access.Catalog.Services() {
		fmt.Printf("  %s (%s)\n", s.Type, s.Name)
		for _, ep := range s.Endpoints {
			fmt.Printf("    %-8s %-10s %s\n", ep.Interface, ep.Region, ep.URL)
		}
	}

	client, err := identity.NewV3(sess)
	if err != nil {
		return err
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

func passwordFromEnv() (*auth.Password, error) {
	p := &auth.Password{
		AuthURL:        os.Getenv("OS_AUTH_URL"),
		UserID:         os.Getenv("OS_USER_ID"),
		Username:       os.Getenv("OS_USERNAME"),
		UserDomainID:   os.Getenv("OS_USER_DOMAIN_ID"),
		UserDomainName: os.Getenv("OS_USER_DOMAIN_NAME"),
		Password:       os.Getenv("OS_PASSWORD"),
		Scope: auth.Scope{
			ProjectID:         os.Getenv("OS_PROJECT_ID"),
			ProjectName:       os.Getenv("OS_PROJECT_NAME"),
			ProjectDomainID:   os.Getenv("OS_PROJECT_DOMAIN_ID"),
			ProjectDomainName: os.Getenv("OS_PROJECT_DOMAIN_NAME"),
			DomainID:          os.Getenv("OS_DOMAIN_ID"),
			DomainName:        os.Getenv("OS_DOMAIN_NAME"),
			System:            os.Getenv("OS_SYSTEM_SCOPE") == "all",
		},
	}
	if p.AuthURL == "" {
		return nil, fmt.Errorf("OS_AUTH_URL is not set (run `make demo` to start a local Keystone)")
	}
	return p, nil
}
