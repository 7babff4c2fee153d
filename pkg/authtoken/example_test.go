package authtoken_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/authtoken"
)

// A service behind the middleware: its handler reads the caller's
// identity from the request's context.
func ExampleValidator_Middleware() {
	keystone := exampleKeystone()
	defer keystone.Close()

	// The service's own session (here a fixed token; in production any
	// plugin, a cloud of clouds.yaml or Config.Session).
	sess := auth.New(&auth.TokenEndpoint{Endpoint: keystone.URL + "/v3", Token: "service-token"})
	cfg := authtoken.DefaultConfig()
	cfg.WWWAuthenticateURI = "https://keystone.example/v3"
	v, err := authtoken.New(sess, cfg)
	if err != nil {
		log.Fatal(err)
	}
	api := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := authtoken.FromContext(r.Context())
		fmt.Fprintf(w, "%s of %s, roles %v", res.User.Username(), res.User.ProjectName(), res.User.RoleNames())
	}))

	for _, token := range []string{"user-token", "forged"} {
		req := httptest.NewRequest("GET", "/v2.1/servers", nil)
		req.Header.Set("X-Auth-Token", token)
		w := httptest.NewRecorder()
		api.ServeHTTP(w, req)
		fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"), strings.TrimSpace(w.Body.String()))
	}
	// Output:
	// 200  alice of demo, roles [member]
	// 401 Keystone uri="https://keystone.example/v3" {"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}
}

// A [keystone_authtoken] section carried over from a Python service.
func ExampleConfigFromOptions() {
	cfg, err := authtoken.ConfigFromOptions(map[string]string{
		"www_authenticate_uri":         "https://keystone.example/v3",
		"auth_type":                    "password",
		"auth_url":                     "https://keystone.example/v3",
		"username":                     "nova",
		"password":                     "secret",
		"user_domain_name":             "Default",
		"project_name":                 "service",
		"project_domain_name":          "Default",
		"memcached_servers":            "10.0.0.5:11211",
		"memcache_security_strategy":   "ENCRYPT",
		"memcache_secret_key":          "change me",
		"service_token_roles_required": "true",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.MemcachedServers, cfg.MemcacheSecurityStrategy, cfg.TokenCacheTime, cfg.ServiceTokenRolesRequired)
	// cfg.Session() is the service's session; authtoken.New(sess, cfg) the Validator.
	// Output:
	// [10.0.0.5:11211] ENCRYPT 5m0s true
}

func exampleKeystone() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("X-Subject-Token") != "user-token" {
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": 404}})
			return
		}
		fmt.Fprint(w, `{"token":{"expires_at":"2999-01-01T00:00:00Z","issued_at":"2025-01-01T00:00:00Z","methods":["password"],
			"user":{"id":"u1","name":"alice","domain":{"id":"default","name":"Default"}},
			"project":{"id":"p1","name":"demo","domain":{"id":"default","name":"Default"}},
			"roles":[{"id":"r1","name":"member"}]}}`)
	}))
}

// Validating a token directly, without the middleware: the error says
// whether to answer 401 or 503.
func ExampleValidator_Validate() {
	keystone := exampleKeystone()
	defer keystone.Close()
	sess := auth.New(&auth.TokenEndpoint{Endpoint: keystone.URL + "/v3", Token: "service-token"})
	v, err := authtoken.New(sess, authtoken.DefaultConfig(), authtoken.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	a, err := v.Validate(ctx, "user-token")
	fmt.Println(a.UserID(), a.ProjectID(), err)
	_, err = v.Validate(ctx, "forged")
	fmt.Println(errors.Is(err, authtoken.ErrInvalidToken), errors.Is(err, authtoken.ErrUnavailable))
	// Output:
	// u1 p1 <nil>
	// true false
}

// Access-rule paths as keystonemiddleware matches them.
func ExamplePathMatches() {
	fmt.Println(authtoken.PathMatches("/v2.1/servers/abc", "/v2.1/servers/*"))
	fmt.Println(authtoken.PathMatches("/v2.1/servers/abc/action", "/v2.1/servers/*"))
	fmt.Println(authtoken.PathMatches("/v2.1/servers/abc/action", "/v2.1/servers/**"))
	fmt.Println(authtoken.PathMatches("/v2.1/servers/abc/action", "/v2.1/servers/{server_id}/action"))
	// Output:
	// true
	// false
	// true
	// true
}

// A cache shared by the processes of a service; Config.MemcachedServers
// makes New use one, WithCache a cache of the caller's.
func ExampleNewMemcacheCache() {
	cache, err := authtoken.NewMemcacheCache(authtoken.MemcacheOptions{
		Servers:          []string{"10.0.0.5:11211", "10.0.0.6:11211"},
		SecurityStrategy: authtoken.StrategyEncrypt,
		SecretKey:        "change me",
	})
	if err != nil {
		log.Fatal(err)
	}
	// The key of a token's entry is derived from it, never the token.
	fmt.Println(strings.HasPrefix(cache.Key("a-token"), "keystone-go/authtoken/"), strings.Contains(cache.Key("a-token"), "a-token"))
	// Output:
	// true false
}

// The in-process cache, bounded; New makes one of TokenCacheSize entries
// unless MemcachedServers is set.
func ExampleNewMemoryCache() {
	cache := authtoken.NewMemoryCache(1000)
	_ = cache.Set(context.Background(), "a-token", authtoken.Entry{Invalid: true,
		ValidatedAt: time.Now(), Until: time.Now().Add(10 * time.Second)})
	e, ok, _ := cache.Get(context.Background(), "a-token")
	fmt.Println(ok, e.Invalid, cache.Len())
	// Output:
	// true true 1
}
