package keystonetest_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

// projectNames is the code under test: the names of the projects a user
// has a role on.
func projectNames(ctx context.Context, c *identity.Client, userID string) ([]string, error) {
	var names []string
	for p, err := range c.UserProjects(ctx, userID, nil) {
		if err != nil {
			return nil, fmt.Errorf("listing the projects of %s: %w", userID, err)
		}
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

// A client's handling of a refused token: the fake answers the next
// listProjects with a 401, and the session asks for one new token and
// sends the request again.
func ExampleV3Server_InjectFault() {
	ks := keystonetest.NewV3(nil)
	defer ks.Close()
	a := ks.Admin()
	sess := auth.New(&auth.Password{AuthURL: ks.URL(), UserID: a.UserID, Password: a.Password,
		Scope: auth.Scope{ProjectID: a.ProjectID}}, auth.WithHTTPClient(ks.HTTPClient()))
	client, err := identity.NewV3(sess)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if _, err := client.ListProjects(ctx, nil); err != nil {
		panic(err)
	}
	ks.InjectFault(keystonetest.Fault{Status: http.StatusUnauthorized, Operation: "listProjects"})
	_, err = client.ListProjects(ctx, nil)
	fmt.Println("error:", err)
	fmt.Println("token requests:", ks.Calls("issueToken"))
	for _, r := range ks.Requests() {
		fmt.Println(r.OperationID, r.Status, r.Fault)
	}
	// Output:
	// error: <nil>
	// token requests: 2
	// issueToken 201 false
	// listProjects 200 false
	// listProjects 401 true
	// issueToken 201 false
	// listProjects 200 false
}

// Tokens expire by the fake's clock, which the test moves.
func ExampleClock() {
	clock := keystonetest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	ks := keystonetest.NewV3(nil, keystonetest.WithClock(clock.Now), keystonetest.WithTokenTTL(time.Hour))
	defer ks.Close()
	a := ks.Admin()
	sess := auth.New(&auth.Password{AuthURL: ks.URL(), UserID: a.UserID, Password: a.Password,
		Scope: auth.Scope{ProjectID: a.ProjectID}}, auth.WithHTTPClient(ks.HTTPClient()))
	access, err := sess.AccessInfo(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println("expires:", access.Expires().UTC().Format(time.RFC3339))
	clock.Advance(2 * time.Hour)
	fmt.Println("now:", clock.Now().Format(time.RFC3339))
	// Output:
	// expires: 2030-01-01T01:00:00Z
	// now: 2030-01-01T02:00:00Z
}
