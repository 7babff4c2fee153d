// Command protected-service is an HTTP service behind the authtoken
// middleware (keystonemiddleware's auth_token for Go): every path answers
// who the caller is, from the validated token, as JSON:
//
//	{"user_id": "...", "user_name": "...", "project_id": "...", "project_name": "...", "roles": ["member"]}
//
// A request without a valid X-Auth-Token gets 401 with
// WWW-Authenticate: Keystone uri="..."; one Keystone cannot be asked about
// gets 503.
//
//	protected-service -listen 127.0.0.1:PORT [-memcached-servers host:port,...]
//	    [-token-cache-time 300s] [-memcache-security-strategy MAC|ENCRYPT -memcache-secret-key K]
//	    [-cloud NAME] [-service-type TYPE] [-delay-auth-decision] [-include-service-catalog=false]
//
// The service's own credentials, with which it validates tokens, come from
// the cloud: -cloud, else OS_CLOUD, else the OS_* variables. It stops
// cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/keystone-go/keystone/pkg/authtoken"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to listen on")
	cloud := flag.String("cloud", "", "cloud of clouds.yaml with the service's credentials (default: OS_CLOUD, else the OS_* variables)")
	memcached := flag.String("memcached-servers", "", "memcached servers, host:port,... (default: an in-process cache)")
	cacheTime := flag.Duration("token-cache-time", authtoken.DefaultTokenCacheTime, "how long a validated token is cached (negative: no cache)")
	strategy := flag.String("memcache-security-strategy", "None", "None, MAC or ENCRYPT: how cached tokens are protected in memcached")
	secret := flag.String("memcache-secret-key", "", "the key MAC and ENCRYPT derive theirs from")
	serviceType := flag.String("service-type", "", "the service's type in the catalog, for application-credential access rules")
	delay := flag.Bool("delay-auth-decision", false, "pass unauthenticated requests on, marked X-Identity-Status: Invalid")
	withCatalog := flag.Bool("include-service-catalog", true, "ask Keystone for the catalog and pass it on in X-Service-Catalog (keystonemiddleware's default)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := authtoken.DefaultConfig()
	cfg.TokenCacheTime = *cacheTime
	if *cacheTime == 0 {
		cfg.TokenCacheTime = -1
	}
	cfg.ServiceType = *serviceType
	cfg.DelayAuthDecision = *delay
	cfg.IncludeServiceCatalog = *withCatalog
	if *memcached != "" {
		cfg.MemcachedServers = strings.Split(*memcached, ",")
	}
	s, err := authtoken.ParseSecurityStrategy(*strategy)
	if err != nil {
		log.Fatal(err)
	}
	cfg.MemcacheSecurityStrategy, cfg.MemcacheSecretKey = s, *secret
	if err := run(ctx, *listen, *cloud, cfg); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, listen, cloud string, cfg authtoken.Config) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	v, err := authtoken.FromCloud(ctx, cloud, cfg, authtoken.WithLogger(logger))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: v.Middleware(http.HandlerFunc(whoami)), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	fmt.Printf("protected-service listening on http://%s\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type caller struct {
	UserID      string   `json:"user_id"`
	UserName    string   `json:"user_name"`
	ProjectID   string   `json:"project_id,omitempty"`
	ProjectName string   `json:"project_name,omitempty"`
	Roles       []string `json:"roles"`
}

// whoami answers every path with the caller's identity.
func whoami(w http.ResponseWriter, r *http.Request) {
	res, ok := authtoken.FromContext(r.Context())
	if !ok || res.User == nil { // only with -delay-auth-decision
		http.Error(w, `{"error": "not authenticated"}`, http.StatusUnauthorized)
		return
	}
	a := res.User
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(caller{UserID: a.UserID(), UserName: a.Username(),
		ProjectID: a.ProjectID(), ProjectName: a.ProjectName(), Roles: a.RoleNames()})
}
