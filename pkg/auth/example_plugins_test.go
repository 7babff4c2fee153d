package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// exKeystone is a tiny Keystone for the examples: user alice (password
// "s3cret") has the member role on project demo; user carol must pass
// password and totp (passcode "123456"), as multi_factor_auth_rules
// [["password","totp"]] asks.
type exKeystone struct {
	*httptest.Server
	tokenRequests atomic.Int32
}

func newExKeystone() *exKeystone {
	ks := &exKeystone{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		n := ks.tokenRequests.Add(1)
		var req struct {
			Auth struct {
				Identity struct {
					Methods  []string
					Password struct {
						User struct{ ID, Name, Password string }
					}
					Token struct{ ID string }
					TOTP  struct{ User struct{ Passcode string } }
				}
				Scope json.RawMessage
			}
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		id := req.Auth.Identity
		methods := id.Methods
		user := id.Password.User.Name
		switch {
		case slices.Contains(methods, "password") && id.Password.User.Password != "s3cret":
			http.Error(w, `{"error":{"code":401,"title":"Unauthorized","message":"wrong password"}}`, http.StatusUnauthorized)
			return
		case slices.Contains(methods, "totp") && id.TOTP.User.Passcode != "123456":
			http.Error(w, `{"error":{"code":401,"title":"Unauthorized","message":"wrong passcode"}}`, http.StatusUnauthorized)
			return
		case r.Header.Get("Openstack-Auth-Receipt") == "receipt-carol":
			user, methods = "carol", append([]string{"password"}, methods...)
		case user == "carol" && !slices.Contains(methods, "totp"):
			w.Header().Set("Openstack-Auth-Receipt", "receipt-carol")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"receipt":{"methods":["password"]},"required_auth_methods":[["password","totp"]]}`)
			return
		}
		if user == "" {
			user = "alice"
		}
		project := `"project":{"id":"p-demo","name":"demo","domain":{"id":"default","name":"Default"}},`
		var scope string
		_ = json.Unmarshal(req.Auth.Scope, &scope)
		if scope == "unscoped" {
			project = ""
		}
		m, _ := json.Marshal(methods)
		w.Header().Set("X-Subject-Token", fmt.Sprintf("token-%d", n))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"methods":%s,"user":{"id":"u-%s","name":%q,"domain":{"id":"default","name":"Default"}},
			%s"roles":[{"id":"r1","name":"member"}],"audit_ids":["a%d"],
			"expires_at":%q,"issued_at":%q}}`, m, user, user, project, n,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339))
	})
	mux.HandleFunc("GET /v3/auth/projects", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"projects":[{"id":"p-demo","name":"demo","domain_id":"default","enabled":true}],"links":{"self":"x"}}`)
	})
	ks.Server = httptest.NewServer(mux)
	return ks
}

// Authenticate with a password, scoped to a project. The Session asks for
// its token only when first needed.
func ExampleNew() {
	keystone := newExKeystone()
	defer keystone.Close()

	sess := auth.New(&auth.Password{
		AuthURL:      keystone.URL + "/v3",
		Username:     "alice",
		UserDomainID: "default",
		Password:     "s3cret",
		Scope:        auth.Scope{ProjectName: "demo", ProjectDomainID: "default"},
	})
	a, err := sess.AccessInfo(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Username(), a.ProjectName(), a.RoleNames(), a.Methods())
	// Output: alice demo [member] [password]
}

// Build a plugin from keystoneauth's option names, as a clouds.yaml auth
// section or OS_* variables spell them.
func ExampleNewPlugin() {
	plugin, err := auth.NewPlugin("v3password", map[string]string{
		"auth_url":            "https://keystone.example/v3",
		"username":            "alice",
		"user_domain_name":    "Default",
		"password":            "s3cret",
		"project_name":        "demo",
		"project_domain_name": "Default",
	})
	if err != nil {
		panic(err)
	}
	p := plugin.(*auth.Password)
	fmt.Println(p.Username, p.Scope.ProjectName)

	// Mistakes name the option.
	_, err = auth.NewPlugin("v3applicationcredential", map[string]string{
		"auth_url": "https://keystone.example/v3", "application_credential_id": "ac1",
	})
	fmt.Println(err, errors.Is(err, apierror.ErrMissingAuthOption))
	_, err = auth.NewPlugin("v3token", map[string]string{"auth_url": "https://keystone.example/v3", "token": "t", "pasword": "x"})
	fmt.Println(err)
	// Output:
	// alice demo
	// auth: plugin v3applicationcredential: missing option application_credential_secret true
	// auth: plugin v3token does not take the option(s) pasword
}

// Share tokens between sessions and processes through files in a
// directory: the second session starts with the first one's token.
func ExampleWithFileCache() {
	keystone := newExKeystone()
	defer keystone.Close()
	dir, err := os.MkdirTemp("", "keystone-tokens")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	plugin := func() auth.Plugin {
		return &auth.Password{AuthURL: keystone.URL + "/v3", UserID: "u-alice", Password: "s3cret",
			Scope: auth.Scope{ProjectID: "p-demo"}}
	}
	first, _ := auth.New(plugin(), auth.WithFileCache(dir)).Token(context.Background())
	second, _ := auth.New(plugin(), auth.WithFileCache(dir)).Token(context.Background())
	fmt.Println(first == second, keystone.tokenRequests.Load())
	// Output: true 1
}

// Log in without a scope, see which projects the user can reach, and get
// a session for one of them.
func ExampleRescope() {
	keystone := newExKeystone()
	defer keystone.Close()
	ctx := context.Background()

	unscoped := auth.New(&auth.Password{AuthURL: keystone.URL + "/v3", UserID: "u-alice", Password: "s3cret",
		Scope: auth.Scope{Unscoped: true}})
	projects, err := auth.AvailableProjects(ctx, unscoped)
	if err != nil {
		panic(err)
	}
	sess, err := auth.Rescope(ctx, unscoped, auth.Scope{ProjectID: *projects[0].ID})
	if err != nil {
		panic(err)
	}
	a, _ := sess.AccessInfo(ctx)
	fmt.Println(*projects[0].Name, a.ProjectID())
	// Output: demo p-demo
}

// A user whose rules ask for password and TOTP: the plugin sends the
// password, gets Keystone's auth receipt, and completes with the TOTP
// code, which it asks for only then.
func ExampleMultiFactor() {
	keystone := newExKeystone()
	defer keystone.Close()

	sess := auth.New(&auth.MultiFactor{
		AuthURL: keystone.URL + "/v3",
		Methods: []auth.Method{&auth.PasswordMethod{Username: "carol", UserDomainID: "default", Password: "s3cret"}},
		Additional: []auth.Method{&auth.TOTPMethod{Username: "carol", UserDomainID: "default",
			PasscodeFunc: func(context.Context) (string, error) {
				fmt.Println("passcode asked")
				return "123456", nil // or auth.TOTPGenerator(secret), or a prompt
			}}},
	})
	a, err := sess.AccessInfo(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Username(), a.Methods(), keystone.tokenRequests.Load())

	// Without the second factor, the error says what is missing.
	_, err = auth.New(&auth.Password{AuthURL: keystone.URL + "/v3", Username: "carol", UserDomainID: "default",
		Password: "s3cret"}).AccessInfo(context.Background())
	var more *auth.MissingAuthMethodsError
	fmt.Println(errors.As(err, &more), more.Missing())
	// Output:
	// passcode asked
	// carol [password totp] 2
	// true [[totp]]
}

// Hand a token to a later session through exported state: both sessions
// share a state key, kept apart from the state, and the importing plugin
// must hold the same password.
func ExampleWithStateKey() {
	keystone := newExKeystone()
	defer keystone.Close()
	ctx := context.Background()
	key := auth.NewStateKey() // keep it like a password, apart from the states
	plugin := func(password string) auth.Plugin {
		return &auth.Password{AuthURL: keystone.URL + "/v3", UserID: "u-alice", Password: password,
			Scope: auth.Scope{ProjectID: "p-demo"}}
	}
	first := auth.New(plugin("s3cret"), auth.WithStateKey(key))
	if _, err := first.Token(ctx); err != nil {
		panic(err)
	}
	state, err := first.ExportState()
	if err != nil {
		panic(err)
	}
	fmt.Println(auth.New(plugin("s3cret"), auth.WithStateKey(key)).ImportState(state) == nil)
	err = auth.New(plugin("guess"), auth.WithStateKey(key)).ImportState(state)
	fmt.Println(errors.Is(err, auth.ErrCachedSecretMismatch))
	// Output:
	// true
	// true
}

// A plugin of another package becomes loadable by name, from clouds.yaml's
// auth_type as from NewPlugin, by registering from an init function (as
// package federation does for the federated plugins).
func ExampleRegister() {
	auth.Register("example_static_token", append(auth.BaseV3Options(),
		auth.OptionSpec{Name: "static-token", Help: "The token to use", Required: true, Secret: true}),
		func(o *auth.PluginOptions) (auth.Plugin, error) {
			scope, err := o.Scope()
			if err != nil {
				return nil, err
			}
			return &auth.Token{AuthURL: o.Get("auth_url"), Token: o.Get("static_token"), Scope: scope}, nil
		})

	p, err := auth.NewPlugin("example_static_token", map[string]string{
		"auth_url": "https://keystone.example/v3", "static-token": "gAAAA", "project_id": "p1"})
	fmt.Println(p.(*auth.Token).Scope.ProjectID, err)
	_, err = auth.NewPlugin("example_static_token", map[string]string{"auth_url": "https://keystone.example/v3"})
	fmt.Println(err)
	// Output:
	// p1 <nil>
	// auth: plugin example_static_token: missing option static_token
}
