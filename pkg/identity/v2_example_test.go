package identity_test

import (
	"context"
	"fmt"
	"log"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

// List tenants on an Identity v2.0 Keystone (here the fake of package
// keystonetest). The client finds its endpoint in the token's v2.0 catalog.
func ExampleNewV2() {
	ks := keystonetest.NewV2(nil)
	defer ks.Close()
	ks.AddTenant("demo")
	admin := ks.Admin()

	sess := auth.New(&auth.V2Password{AuthURL: ks.URL(), Username: admin.Username, Password: admin.Password,
		TenantName: admin.TenantName})
	client, err := identity.NewV2(sess)
	if err != nil {
		log.Fatal(err)
	}
	for t, err := range client.Tenants(context.Background(), nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(t.Name)
	}
	// Output:
	// admin
	// demo
}

// New discovers which Identity API the endpoint offers and returns that
// client: V3 on any current Keystone, V2 on this v2.0-only fake.
func ExampleNew() {
	ks := keystonetest.NewV2(nil)
	defer ks.Close()
	admin := ks.Admin()
	ctx := context.Background()

	sess := auth.New(&auth.GenericPassword{AuthURL: ks.RootURL(), Username: admin.Username, Password: admin.Password,
		Scope: auth.Scope{ProjectName: admin.TenantName}})
	c, err := identity.New(ctx, sess)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Version())
	switch {
	case c.V3 != nil:
		projects, err := c.V3.ListProjects(ctx, nil)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(len(projects), "projects")
	case c.V2 != nil:
		tenants, err := c.V2.ListTenants(ctx, nil)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(len(tenants), "tenants")
	}
	// Output:
	// v2.0
	// 1 tenants
}
