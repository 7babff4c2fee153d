package authtoken_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

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
