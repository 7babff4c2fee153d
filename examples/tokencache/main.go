// Command tokencache shows the on-disk token cache: run it twice, and the
// second run takes its token from the cache instead of asking Keystone.
//
//	tokencache [-cloud NAME] [-dir DIR]
//
// The cloud is found as the openstack CLI finds it (-cloud, OS_CLOUD, the
// OS_* variables, clouds.yaml). The cache directory (default: the user's
// cache directory, keystone-go/tokens under it) is created 0700; each token
// is a 0600 file named after a hash of the auth URL, the user and the scope,
// so that different clouds and users never share one. A token is taken from
// the cache until shortly before it expires.
//
// Output: how many token requests this run sent to Keystone (1 on the first
// run, 0 on the next ones while the token lasts), the token's expiry and the
// number of projects the user may scope to.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

func main() {
	cloud := flag.String("cloud", "", "cloud of clouds.yaml (default: OS_CLOUD, else the OS_* variables)")
	dir := flag.String("dir", defaultDir(), "cache directory")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, *cloud, *dir); err != nil {
		log.Fatal(err)
	}
}

func defaultDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "keystone-go", "tokens")
}

func run(ctx context.Context, cloud, dir string) error {
	if dir == "" {
		return fmt.Errorf("no cache directory: give -dir")
	}
	var tokenRequests atomic.Int32
	countTokens := auth.WithResponseHook(func(r auth.ResponseInfo) {
		if r.Method == http.MethodPost && strings.HasSuffix(strings.SplitN(r.URL, "?", 2)[0], "/auth/tokens") {
			tokenRequests.Add(1)
		}
	})
	sess, client, err := identity.FromCloud(ctx, cloud, identity.WithSessionOptions(auth.WithFileCache(dir), countTokens))
	if err != nil {
		return err
	}
	a, err := sess.AccessInfo(ctx)
	if err != nil {
		return fmt.Errorf("authenticating: %w", err)
	}
	// GET /v3/auth/projects: the projects the token's user may scope to,
	// which any token may ask for.
	projects, err := client.ListAuthProjects(ctx)
	if err != nil {
		return fmt.Errorf("listing projects: %w", err)
	}
	source := "Keystone"
	if tokenRequests.Load() == 0 {
		source = "the cache in " + dir
	}
	fmt.Printf("Token for %s from %s, expires %s\n", a.Username(), source, a.ExpiresAt.Format(time.RFC3339))
	fmt.Printf("Token requests this run: %d\n", tokenRequests.Load())
	fmt.Printf("Projects: %d\n", len(projects))
	return nil
}
