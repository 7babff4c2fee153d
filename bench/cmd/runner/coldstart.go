package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/keystone-go/keystone/bench/internal/proc"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
	"github.com/keystone-go/keystone/pkg/identity"
)

// coldStarts measures, inside this process, a new Session on a new
// connection up to the end of its first authenticated call (a project
// list), with and without the caches a process can keep: the discovery
// cache (auth.WithDiscovery, shared between sessions), the token file
// cache (auth.WithFileCache) and a token handed over in memory
// (auth.WithAccessInfo).
func coldStarts(ctx context.Context, c config, cacheDir string) ([]ColdStart, error) {
	unversioned := strings.TrimSuffix(strings.TrimSuffix(c.authURL, "/"), "/v3")
	password := func(u string) *auth.Password {
		return &auth.Password{AuthURL: u, Username: c.user, UserDomainID: c.domain, Password: c.password,
			Scope: auth.Scope{ProjectName: c.project, ProjectDomainID: c.domain}}
	}
	sharedDiscovery := catalog.NewDiscovery(time.Hour)
	fileCache := filepath.Join(cacheDir, "inproc")
	var handedOver *auth.AccessInfo

	type variant struct {
		name string
		url  string
		opts func() []auth.Option
	}
	variants := []variant{
		{"versioned auth URL, no cache", c.authURL, nil},
		{"unversioned auth URL, no cache", unversioned, nil},
		{"unversioned auth URL, shared discovery cache", unversioned,
			func() []auth.Option { return []auth.Option{auth.WithDiscovery(sharedDiscovery)} }},
		{"versioned auth URL, token file cache", c.authURL,
			func() []auth.Option { return []auth.Option{auth.WithFileCache(fileCache)} }},
		{"versioned auth URL, token handed over (WithAccessInfo)", c.authURL,
			func() []auth.Option { return []auth.Option{auth.WithAccessInfo(handedOver)} }},
	}
	first := func(v variant) (ColdStart, *auth.Session, error) {
		rt := proc.NewCounter()
		t0 := time.Now()
		opts := []auth.Option{auth.WithHTTPClient(&http.Client{Transport: rt})}
		if v.opts != nil {
			opts = append(opts, v.opts()...)
		}
		sess := auth.New(password(v.url), opts...)
		client, err := identity.NewV3(sess)
		if err != nil {
			return ColdStart{}, nil, err
		}
		if _, err := client.ListProjects(ctx, nil); err != nil {
			return ColdStart{}, nil, fmt.Errorf("cold start %q: %w", v.name, err)
		}
		took := time.Since(t0)
		rt.Next.(*http.Transport).CloseIdleConnections()
		return ColdStart{Variant: v.name, RoundTrips: rt.Count(), Ns: took.Nanoseconds()}, sess, nil
	}
	// Warm what the cached variants need: the discovery cache, the token
	// file, the token to hand over.
	for _, v := range variants[2:4] {
		if _, _, err := first(v); err != nil {
			return nil, err
		}
	}
	_, sess, err := first(variants[0])
	if err != nil {
		return nil, err
	}
	if handedOver, err = sess.AccessInfo(ctx); err != nil {
		return nil, err
	}
	var out []ColdStart
	for rep := range c.coldRepeats {
		for _, v := range variants {
			cs, _, err := first(v)
			if err != nil {
				return nil, err
			}
			cs.Repeat = rep
			out = append(out, cs)
		}
	}
	return out, nil
}
