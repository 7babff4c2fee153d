package keystonetest_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

// A test authenticates as the seeded admin, then lists tenants with the
// token. In a test, pass t to NewV2 and the server closes itself and fails
// the test on any spec violation.
func Example() {
	ks := keystonetest.NewV2(nil)
	defer ks.Close()
	ctx := context.Background()

	client, err := identityv2.NewClientWithResponses(ks.URL())
	if err != nil {
		panic(err)
	}
	admin := ks.Admin()
	auth, err := client.IssueTokenWithResponse(ctx, identityv2.AuthRequest{Auth: identityv2.Auth{
		PasswordCredentials: &identityv2.PasswordCredentials{Username: &admin.Username, Password: admin.Password},
		TenantName:          &admin.TenantName,
	}})
	if err != nil || auth.JSON200 == nil {
		panic(fmt.Sprint("authentication failed: ", err, auth.Status()))
	}
	access := auth.JSON200.Access
	fmt.Println("scoped to:", access.Token.Tenant.Name)
	for _, svc := range *access.ServiceCatalog {
		fmt.Println("catalog:", svc.Type, *svc.Endpoints[0].PublicURL == ks.URL())
	}

	withToken := func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Auth-Token", access.Token.ID)
		return nil
	}
	ks.AddTenant("demo")
	tenants, err := client.ListTenantsWithResponse(ctx, nil, withToken)
	if err != nil {
		panic(err)
	}
	for _, t := range *tenants.JSON200.Tenants {
		fmt.Println("tenant:", t.Name)
	}
	fmt.Println("token requests:", ks.TokenRequests(), "violations:", len(ks.Violations()))
	// Output:
	// scoped to: admin
	// catalog: identity true
	// tenant: admin
	// tenant: demo
	// token requests: 1 violations: 0
}
