package identity_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

// A catalog whose identity endpoint is unversioned behind a path prefix,
// and a client that needs Identity 3.10 or newer: the client finds the v3
// root through version discovery.
func ExampleWithVersion() {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/identity/v3/auth/tokens":
			w.Header().Set("X-Subject-Token", "tok")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u"},"expires_at":%q,"issued_at":%q,
				"catalog":[{"id":"s1","type":"identity","name":"keystone","endpoints":[
				{"id":"e1","interface":"internal","region_id":"RegionOne","url":"%s/identity"}]}]}}`,
				time.Now().Add(time.Hour).UTC().Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339), srv.URL)
		case "/identity":
			w.WriteHeader(http.StatusMultipleChoices)
			fmt.Fprint(w, `{"versions":{"values":[{"id":"v3.14","status":"stable","links":[{"rel":"self","href":"http://10.0.0.5:5000/v3/"}]}]}}`)
		case "/identity/v3/projects":
			fmt.Fprint(w, `{"projects":[{"id":"p1","name":"demo"}],"links":{"next":null}}`)
		}
	}))
	defer srv.Close()

	sess := auth.New(&auth.Password{AuthURL: srv.URL + "/identity/v3", UserID: "u", Password: "pw"})
	c, err := identity.NewV3(sess,
		identity.WithInterface("internal"), identity.WithRegion("RegionOne"),
		identity.WithServiceID("s1"), identity.WithEndpointID("e1"),
		identity.WithVersion("3.10", ""))
	if err != nil {
		panic(err)
	}
	projects, err := c.ListProjects(context.Background(), nil)
	if err != nil {
		panic(err)
	}
	root, _ := c.Endpoint(context.Background())
	fmt.Println(strings.TrimPrefix(root, srv.URL), projects[0].Name)
	// Output: /identity/v3 demo
}
