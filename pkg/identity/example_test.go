package identity_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

// exampleKeystone stands in for a real Keystone so that the examples run.
func exampleKeystone() *httptest.Server {
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Subject-Token", "gAAAAA-example")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u1","name":"demo"},"expires_at":%q,"issued_at":%q,
			"project":{"id":"p1","name":"demo"},
			"catalog":[{"type":"identity","name":"keystone","endpoints":[{"interface":"public","url":"%s/v3"}]}]}}`,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339), srv.URL)
	})
	mux.HandleFunc("GET /v3/projects", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"projects":[{"id":"p1","name":"demo","enabled":true},{"id":"p2","name":"staging","enabled":true}],"links":{"next":null}}`)
	})
	mux.HandleFunc("GET /v3/projects/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Openstack-Request-Id", "req-123")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error":{"code":404,"title":"Not Found","message":"Could not find project: %s."}}`, r.PathValue("id"))
	})
	srv = httptest.NewServer(jsonContent(mux))
	return srv
}

func ExampleNewV3() {
	keystone := exampleKeystone()
	defer keystone.Close()
	ctx := context.Background()

	sess := auth.New(&auth.Password{
		AuthURL:      keystone.URL + "/v3",
		Username:     "demo",
		UserDomainID: "default",
		Password:     "secret",
		Scope:        auth.Scope{ProjectName: "demo", ProjectDomainID: "default"},
	})
	client, err := identity.NewV3(sess)
	if err != nil {
		log.Fatal(err)
	}
	for p, err := range client.Projects(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.ID, p.Name)
	}

	_, err = client.GetProject(ctx, "missing", nil)
	var apiErr *identity.Error
	if errors.Is(err, identity.ErrNotFound) && errors.As(err, &apiErr) {
		fmt.Println(apiErr.Message, apiErr.RequestID)
	}
	// Output:
	// p1 demo
	// p2 staging
	// Could not find project: missing. req-123
}

func ExampleClient_Projects() {
	keystone := exampleKeystone()
	defer keystone.Close()
	client, err := identity.NewV3(auth.New(&auth.Password{AuthURL: keystone.URL + "/v3", UserID: "u1", Password: "secret"}))
	if err != nil {
		log.Fatal(err)
	}
	enabled := true
	for p, err := range client.Projects(context.Background(), &identityv3.ListProjectsParams{Enabled: &enabled}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.Name)
	}
	// Output:
	// demo
	// staging
}

func ExampleWithEndpoint() {
	keystone := exampleKeystone()
	defer keystone.Close()
	sess := auth.New(&auth.Password{AuthURL: keystone.URL + "/v3", UserID: "u1", Password: "secret"})
	// Skip the catalog: send every request to this version root.
	client, err := identity.NewV3(sess, identity.WithEndpoint(keystone.URL+"/v3"))
	if err != nil {
		log.Fatal(err)
	}
	u, _ := client.Endpoint(context.Background())
	fmt.Println(u == keystone.URL+"/v3")
	// Output: true
}

// A user whose password has expired cannot get a token, but can still
// change the password: the change needs none, and with WithEndpoint the
// client does not need a catalog either.
func Example_changeExpiredPassword() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v3/auth/tokens":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"code":401,"title":"Unauthorized","message":"The password is expired and needs to be changed for user: u1."}}`)
		case r.URL.Path == "/v3/users/u1/password" && r.Header.Get("X-Auth-Token") == "":
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()

	sess := auth.New(&auth.Password{AuthURL: srv.URL + "/v3", UserID: "u1", Password: "old-passw0rd"})
	_, err := sess.AccessInfo(context.Background())
	fmt.Println("token:", errors.Is(err, identity.ErrUnauthorized))

	client, err := identity.NewV3(sess, identity.WithEndpoint(srv.URL+"/v3"))
	if err != nil {
		log.Fatal(err)
	}
	err = client.ChangeUserPassword(context.Background(), "u1",
		identityv3.UserPasswordChange{OriginalPassword: "old-passw0rd", Password: "n3w-passw0rd"})
	fmt.Println("changed:", err == nil)
	// Output:
	// token: true
	// changed: true
}
