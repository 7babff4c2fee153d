// Command adapter calls a service of the token's catalog through an
// adapter.Adapter, the way a program calls Nova or Glance with the session
// that authenticated to Keystone. It needs no service but Keystone itself:
// the identity service is in every catalog.
//
//	adapter [-cloud NAME] [-service TYPE]
//
// The cloud is found as the openstack CLI finds it: -cloud, else OS_CLOUD,
// else the OS_* variables. The program prints the service's endpoint (for
// Identity, the v3 root that version discovery chose) and the versions the
// document there lists; for the identity service it then lists the projects
// the token's user may scope to (GET auth/projects), one "ID NAME" line each.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/keystone-go/keystone/pkg/adapter"
	"github.com/keystone-go/keystone/pkg/identity"
)

func main() {
	cloudName := flag.String("cloud", "", "cloud of clouds.yaml (default: OS_CLOUD, else the OS_* variables)")
	serviceType := flag.String("service", "identity", "service type to call, as in the catalog")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, *cloudName, *serviceType); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, cloudName, serviceType string) error {
	sess, _, err := identity.FromCloud(ctx, cloudName)
	if err != nil {
		return err
	}
	var opts []adapter.Option
	if serviceType == "identity" {
		// Version discovery picks the v3 root even when the catalog lists
		// an unversioned URL.
		opts = append(opts, adapter.WithVersion("3", "3.latest"))
	}
	service, err := adapter.New(sess, serviceType, opts...)
	if err != nil {
		return err
	}
	endpoint, err := service.Endpoint(ctx)
	if err != nil {
		return fmt.Errorf("finding the %s endpoint: %w", serviceType, err)
	}
	fmt.Printf("Service %s at %s\n", serviceType, endpoint)

	// OpenStack services describe themselves at their endpoint: one
	// version at a versioned endpoint (Keystone's /v3, Nova's /v2.1), the
	// list of versions at an unversioned one (Glance's root).
	type version struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	var root struct {
		Version  *version  `json:"version"`
		Versions []version `json:"versions"`
	}
	if _, err := service.Get(ctx, "", &root); err != nil {
		return fmt.Errorf("reading the version document: %w", err)
	}
	if root.Version != nil {
		root.Versions = []version{*root.Version}
	}
	for _, v := range root.Versions {
		fmt.Printf("Version %s (%s)\n", v.ID, v.Status)
	}
	if serviceType != "identity" {
		return nil
	}

	var scopes struct {
		Projects []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"projects"`
	}
	if _, err := service.Get(ctx, "auth/projects", &scopes); err != nil {
		return fmt.Errorf("listing the projects to scope to: %w", err)
	}
	fmt.Println("Projects available to the token's user:")
	for _, p := range scopes.Projects {
		fmt.Printf("  %s %s\n", p.ID, p.Name)
	}
	return nil
}
