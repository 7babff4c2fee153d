// Command appcredential creates an application credential for the current
// user of a cloud, authenticates with it as a program given only the
// credential would, and deletes it again (unless -keep).
//
//	appcredential [-cloud NAME] [-name NAME] [-role NAME]... [-expires 24h] [-keep] [-show-secret]
//
// The cloud is found as the openstack CLI finds it (-cloud, OS_CLOUD, the
// OS_* variables, clouds.yaml); its token must be scoped to the project the
// credential is for, and must not come from an application credential
// itself. The roles default to all the roles of that token.
//
// It prints the clouds.yaml entry that uses the credential; the secret is
// shown only with -show-secret (Keystone shows it once, at creation).
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
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/cloudconfig"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/timestamp"
)

type roleFlags []string

func (r *roleFlags) String() string     { return strings.Join(*r, ",") }
func (r *roleFlags) Set(s string) error { *r = append(*r, s); return nil }

type config struct {
	cloud, name      string
	roles            roleFlags
	expires          time.Duration
	keep, showSecret bool
}

func main() {
	var c config
	flag.StringVar(&c.cloud, "cloud", "", "cloud of clouds.yaml (default: OS_CLOUD, else the OS_* variables)")
	flag.StringVar(&c.name, "name", "", "name of the credential (default: appcredential-example-TIME)")
	flag.Var(&c.roles, "role", "a role to delegate, by name (repeat for more; default: all the token's roles)")
	flag.DurationVar(&c.expires, "expires", 0, "lifetime of the credential (default: no expiry)")
	flag.BoolVar(&c.keep, "keep", false, "keep the credential instead of deleting it at the end")
	flag.BoolVar(&c.showSecret, "show-secret", false, "print the secret")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
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
	sess, client, err := identity.FromConfig(cloud)
	if err != nil {
		return err
	}
	me, err := sess.AccessInfo(ctx)
	if err != nil {
		return fmt.Errorf("authenticating: %w", err)
	}
	if me.ProjectID() == "" {
		return fmt.Errorf("cloud %s: an application credential is for a project; scope the cloud to one", cloud.Name)
	}

	body := identityv3.ApplicationCredentialCreate{Name: c.name}
	if body.Name == "" {
		body.Name = "appcredential-example-" + time.Now().UTC().Format("20060102T150405.000")
	}
	for _, r := range c.roles {
		body.Roles = append(body.Roles, identityv3.ApplicationCredentialRoleSelector{Name: &r})
	}
	if c.expires > 0 {
		body.ExpiresAt = nullable.NewNullableWithValue(timestamp.New(time.Now().Add(c.expires).UTC().Truncate(time.Second)))
	}
	ac, err := client.CreateApplicationCredential(ctx, me.UserID(), body)
	if err != nil {
		return fmt.Errorf("creating the application credential: %w", err)
	}
	fmt.Printf("Created application credential %s (%s) for user %s on project %s\n", ac.Name, ac.ID, me.Username(), me.ProjectName())
	if !c.keep {
		defer func() {
			// The credential's own token may not delete it: use the user's.
			if err := client.DeleteApplicationCredential(context.WithoutCancel(ctx), me.UserID(), ac.ID); err != nil {
				log.Printf("deleting the application credential: %v", err)
				return
			}
			fmt.Printf("Deleted application credential %s\n", ac.ID)
		}()
	}

	secret := "<the secret>"
	if c.showSecret && ac.Secret != nil {
		secret = *ac.Secret
	}
	fmt.Printf("\nclouds.yaml entry:\n  %s-appcred:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: %s\n      application_credential_id: %s\n      application_credential_secret: %s\n",
		cloud.Name, cloud.Auth["auth_url"], ac.ID, secret)
	if cloud.RegionName != "" {
		fmt.Printf("    region_name: %s\n", cloud.RegionName)
	}
	fmt.Println()

	// Authenticate with the credential alone, through the same transport
	// settings (TLS, timeout) as the cloud.
	opts, err := cloud.SessionOptions()
	if err != nil {
		return err
	}
	acSess := auth.New(&auth.ApplicationCredential{AuthURL: cloud.Auth["auth_url"], ID: ac.ID, Secret: *ac.Secret}, opts...)
	a, err := acSess.AccessInfo(ctx)
	if err != nil {
		return fmt.Errorf("authenticating with the application credential: %w", err)
	}
	fmt.Printf("Authenticated with application credential %s: user %s (%s), project %s (%s), roles %s\n",
		a.ApplicationCredentialID(), a.Username(), a.UserID(), a.ProjectName(), a.ProjectID(), strings.Join(slices.Sorted(slices.Values(a.RoleNames())), ", "))
	return nil
}
