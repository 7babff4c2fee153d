package keystonetest_test

import (
	"context"
	"fmt"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

// projectNames is the code under test: the names of the projects a user
// has a role on.
func projectNames(ctx context.Context, c *identity.Client, userID string) ([]string, error) {
	resp, err := c.ListUserProjectsWithResponse(ctx, userID, nil)
	if err != nil {
		return nil, fmt.Errorf("listing the projects of %s: %w", userID, err)
	}
	var names []string
	for _, p := range resp.JSON200.Projects {
		names = append(names, p.Name)
	}
	return names, nil
}

// A unit test of projectNames against the fake: seed a user with a role
// on one project of two, log in as that user and call the function. In a
// test, pass t to NewV3: the server closes itself and fails the test on any
// request or answer that api/identity-v3.yaml does not describe.
func ExampleNewV3() {
	ks := keystonetest.NewV3(nil)
	defer ks.Close()

	alice := ks.AddUser("alice", "alice-password")
	web := ks.AddProject("web", "")
	ks.AddProject("db", "") // alice has no role there
	ks.GrantProjectRole(alice, web, ks.RoleID("member"))

	sess := auth.New(&auth.Password{AuthURL: ks.URL(), UserID: alice, Password: "alice-password",
		Scope: auth.Scope{ProjectID: web}}, auth.WithHTTPClient(ks.HTTPClient()))
	client, err := identity.NewV3(sess)
	if err != nil {
		panic(err)
	}
	names, err := projectNames(context.Background(), client, alice)
	fmt.Println(names, err)
	fmt.Println("token requests:", ks.Calls("issueToken"), "violations:", len(ks.Violations()))
	// Output:
	// [web] <nil>
	// token requests: 1 violations: 0
}
