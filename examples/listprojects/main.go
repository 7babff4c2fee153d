// Command listprojects lists the projects of a cloud of clouds.yaml.
//
//	listprojects [-cloud NAME] [-region NAME] [-mine]
//
// The cloud is found as the openstack CLI finds it: -cloud, else OS_CLOUD,
// else the OS_* variables, else the only cloud of clouds.yaml (in the
// current directory, ~/.config/openstack or /etc/openstack, or the file
// OS_CLIENT_CONFIG_FILE names). With the admin role it lists every project;
// otherwise, or with -mine, the projects the user has a role on.
//
// Output: one line per project, "ID NAME domain=DOMAIN enabled=BOOL", after a
// line naming the cloud.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/cloudconfig"
	"github.com/keystone-go/keystone/pkg/identity"
)

func main() {
	cloudName := flag.String("cloud", "", "cloud of clouds.yaml (default: OS_CLOUD, else the OS_* variables)")
	region := flag.String("region", "", "region of the cloud (default: OS_REGION_NAME, else the cloud's first)")
	mine := flag.Bool("mine", false, "list only the projects the user has a role on")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, *cloudName, *region, *mine); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, name, region string, mine bool) error {
	var cfg []cloudconfig.Option
	if region != "" {
		cfg = append(cfg, cloudconfig.WithRegion(region))
	}
	cloud, err := cloudconfig.Load(name, cfg...)
	if err != nil {
		return err
	}
	sess, client, err := identity.FromConfig(cloud)
	if err != nil {
		return err
	}
	fmt.Printf("Cloud %s (region %q, interface %s)\n", cloud.Name, cloud.RegionName, cloud.Interface)

	if !mine {
		n := 0
		for p, err := range client.Projects(ctx, nil) {
			if errors.Is(err, apierror.ErrForbidden) && n == 0 {
				// Not an admin: fall back to the user's own projects.
				mine = true
				break
			}
			if err != nil {
				return fmt.Errorf("listing projects: %w", err)
			}
			n++
			printProject(p.ID, p.Name, deref(p.DomainID), p.Enabled)
		}
		if !mine {
			return nil
		}
	}
	access, err := sess.AccessInfo(ctx)
	if err != nil {
		return err
	}
	for p, err := range client.UserProjects(ctx, access.UserID(), &identityv3.ListUserProjectsParams{}) {
		if err != nil {
			return fmt.Errorf("listing the user's projects: %w", err)
		}
		printProject(p.ID, p.Name, deref(p.DomainID), p.Enabled)
	}
	return nil
}

func printProject(id, name, domain string, enabled bool) {
	fmt.Fprintf(os.Stdout, "%s %s domain=%s enabled=%t\n", id, name, domain, enabled)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
