// Command gopherclient is the gophercloud v2 client of the process-level
// benchmark, written as gophercloud's documentation shows: a provider
// client authenticated with AuthOptions, the identity v3 service client,
// projects.List(...).AllPages + ExtractProjects, tokens.Get(...).ExtractToken.
// See package proc for the protocol.
package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/projects"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"

	"github.com/keystone-go/keystone/bench/internal/proc"
)

func main() {
	cfg := proc.Flags()
	rt := proc.NewCounter()
	opts := gophercloud.AuthOptions{IdentityEndpoint: cfg.AuthURL, Username: cfg.Username, Password: cfg.Password,
		DomainID: cfg.Domain, Scope: &gophercloud.AuthScope{ProjectName: cfg.Project, DomainID: cfg.Domain},
		AllowReauth: true}
	provider, err := openstack.NewClient(cfg.AuthURL)
	if err != nil {
		proc.Fail("gophercloud", err)
	}
	provider.HTTPClient = http.Client{Transport: rt}
	var ident *gophercloud.ServiceClient
	// connect authenticates once, as openstack.AuthenticatedClient does.
	connect := func(ctx context.Context) error {
		if ident != nil {
			return nil
		}
		if err := openstack.Authenticate(ctx, provider, opts); err != nil {
			return err
		}
		ident, err = openstack.NewIdentityV3(provider, gophercloud.EndpointOpts{})
		return err
	}
	var call func(context.Context) (int, error)
	switch cfg.Mode {
	case "list":
		call = func(ctx context.Context) (int, error) {
			if err := connect(ctx); err != nil {
				return 0, err
			}
			pages, err := projects.List(ident, nil).AllPages(ctx)
			if err != nil {
				return 0, err
			}
			ps, err := projects.ExtractProjects(pages)
			return len(ps), err
		}
	case "validate":
		call = func(ctx context.Context) (int, error) {
			if err := connect(ctx); err != nil {
				return 0, err
			}
			tok, err := tokens.Get(ctx, ident, provider.Token()).ExtractToken()
			if err != nil {
				return 0, err
			}
			if tok.ID == "" {
				return 0, fmt.Errorf("no token id")
			}
			return 1, nil
		}
	case "auth":
		call = func(ctx context.Context) (int, error) {
			return 0, openstack.AuthenticateV3(ctx, provider, &opts, gophercloud.EndpointOpts{})
		}
	default:
		proc.Fail("gophercloud", fmt.Errorf("unknown mode %q", cfg.Mode))
	}
	proc.Run("gophercloud", cfg, rt, call)
}
