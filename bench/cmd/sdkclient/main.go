// Command sdkclient is the keystone-go client of the process-level
// benchmark: a Session with the Password plugin and the generated Identity
// v3 client, as an application would use them. See package proc for the
// protocol.
package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/keystone-go/keystone/bench/internal/proc"
	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

func main() {
	cfg := proc.Flags()
	rt := proc.NewCounter()
	opts := []auth.Option{auth.WithHTTPClient(&http.Client{Transport: rt})}
	if cfg.FileCache != "" {
		opts = append(opts, auth.WithFileCache(cfg.FileCache))
	}
	sess := auth.New(&auth.Password{AuthURL: cfg.AuthURL, Username: cfg.Username, UserDomainID: cfg.Domain,
		Password: cfg.Password, Scope: auth.Scope{ProjectName: cfg.Project, ProjectDomainID: cfg.Domain}}, opts...)
	client, err := identity.NewV3(sess)
	if err != nil {
		proc.Fail("sdk", err)
	}
	var call func(context.Context) (int, error)
	switch cfg.Mode {
	case "list":
		call = func(ctx context.Context) (int, error) {
			projects, err := client.ListProjects(ctx, nil)
			return len(projects), err
		}
	case "validate":
		call = func(ctx context.Context) (int, error) {
			tok, err := sess.Token(ctx)
			if err != nil {
				return 0, err
			}
			token, _, err := client.ValidateToken(ctx, &identityv3.ValidateTokenParams{XSubjectToken: tok})
			if err != nil {
				return 0, err
			}
			return len(token.Roles), nil
		}
	case "auth":
		call = func(ctx context.Context) (int, error) {
			sess.Invalidate()
			a, err := sess.AccessInfo(ctx)
			if err != nil {
				return 0, err
			}
			return a.Catalog.Len(), nil
		}
	default:
		proc.Fail("sdk", fmt.Errorf("unknown mode %q", cfg.Mode))
	}
	proc.Run("sdk", cfg, rt, call)
}
