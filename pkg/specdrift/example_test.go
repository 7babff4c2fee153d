package specdrift_test

import (
	"fmt"
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
	v, err := specvalidate.New()
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
