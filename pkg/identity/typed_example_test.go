package identity_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

// projectsKeystone issues tokens and answers GET /v3/projects with one
// project.
func projectsKeystone() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Openstack-Request-Id", "req-1")
		if r.URL.Path == "/v3/auth/tokens" {
			w.Header().Set("X-Subject-Token", "tok")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u"},"expires_at":%q,"issued_at":%q}}`,
				time.Now().Add(time.Hour).UTC().Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339))
			return
		}
		fmt.Fprint(w, `{"projects":[{"id":"p1","name":"demo"}],"links":{"next":null}}`)
	}))
}

// Raw is the generated client under the typed methods, for what they leave
// out: the status, the headers, the body as Keystone sent it.
func ExampleClient_Raw() {
	srv := projectsKeystone()
	defer srv.Close()
	sess := auth.New(&auth.Password{AuthURL: srv.URL + "/v3", UserID: "u", Password: "pw"})
	client, err := identity.NewV3(sess, identity.WithEndpoint(srv.URL+"/v3"))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.Raw().ListProjectsWithResponse(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode(), resp.HTTPResponse.Header.Get("X-Openstack-Request-Id"), resp.JSON200.Projects[0].Name)
	// Output: 200 req-1 demo
}

// The generated client works without a Session, over any http.Client;
// NewTypedClient gives it the typed methods, which turn an answer outside
// 2xx into an *apierror.Error all the same.
func ExampleClient_Projects_withoutASession() {
	srv := projectsKeystone()
	defer srv.Close()
	raw, err := identityv3.NewClientWithResponses(srv.URL+"/v3", identityv3.WithHTTPClient(http.DefaultClient))
	if err != nil {
		log.Fatal(err)
	}
	for p, err := range identityv3.NewTypedClient(raw).Projects(context.Background(), nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.ID, p.Name)
	}
	// Output: p1 demo
}
