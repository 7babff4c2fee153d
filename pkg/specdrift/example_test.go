package specdrift_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/keystone-go/keystone/pkg/specdrift"
	"github.com/keystone-go/keystone/pkg/specvalidate"
)

// Comparing a saved JSON-home document with the spec; against a live
// Keystone, Fetch reads it (keystone-spec drift does both).
func ExampleCompare() {
	data, err := os.ReadFile("testdata/zed-json-home.json")
	if err != nil {
		panic(err)
	}
	home, err := specdrift.Parse(data)
	if err != nil {
		panic(err)
	}
	v, err := specvalidate.Default()
	if err != nil {
		panic(err)
	}
	rep := specdrift.Compare(v, home, "2022.2")
	fmt.Println("unexpected:", len(rep.Unexpected()))
	for _, f := range rep.Findings {
		fmt.Println(f.Kind, f.Path)
	}
	// Output:
	// unexpected: 0
	// unrouted /v3/
	// unrouted /v3/OS-FEDERATION/domains
	// unrouted /v3/OS-FEDERATION/projects
	// unrouted /v3/policies/{policy_id}/OS-ENDPOINT-POLICY/policy
	// unrouted /v3/projects/{project_id}/tags
	// unrouted /v3/users/{user_id}/tokens
}

func ExampleFetch() {
	// A stand-in for Keystone's GET /v3 with Accept: application/json-home.
	keystone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.Header.Get("Accept"))
		_, _ = w.Write([]byte(`{"resources": {
			"https://docs.openstack.org/api/openstack-identity/3/rel/projects": {"href": "/projects"},
			"https://docs.openstack.org/api/openstack-identity/3/rel/widget": {"href-template": "/widgets/{widget_id}"}}}`))
	}))
	defer keystone.Close()

	home, err := specdrift.Fetch(context.Background(), http.DefaultClient, keystone.URL+"/v3")
	if err != nil {
		panic(err)
	}
	v, err := specvalidate.Default()
	if err != nil {
		panic(err)
	}
	for _, f := range specdrift.Compare(v, home, "2022.2").Unexpected() {
		if f.Kind == specdrift.Undocumented {
			fmt.Println(f.Kind, f.Path)
		}
	}
	// Output:
	// undocumented /v3/widgets/{widget_id}
}
