package auth_test

import (
	"context"
	"fmt"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

// Authenticate on an Identity v2.0 Keystone (here the fake of package
// keystonetest), scoped to a tenant by name. The AccessInfo getters are the
// same as for v3 tokens, and the catalog understands v2's publicURL,
// internalURL and adminURL.
func ExampleV2Password() {
	ks := keystonetest.NewV2(nil)
	defer ks.Close()
	ks.AddUser("alice", "s3cret", ks.Admin().TenantID)
	svc := ks.AddService("compute", "nova")
	ks.AddEndpoint(svc, "RegionOne", "https://nova.example/v2.1", "http://nova.internal/v2.1", "")

	sess := auth.New(&auth.V2Password{
		AuthURL:    ks.URL(), // "https://keystone.example/v2.0"
		Username:   "alice",
		Password:   "s3cret",
		TenantName: "admin",
	})
	a, err := sess.AccessInfo(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Version(), a.Username(), a.ProjectName(), a.RoleNames(), a.WillExpireSoon(0))
	internal, err := a.Catalog.URLFor(catalog.Filter{ServiceType: "compute", Interfaces: []string{"internalURL"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(internal)
	fmt.Println("token requests:", ks.TokenRequests())
	// Output:
	// v2.0 alice admin [_member_] false
	// http://nova.internal/v2.1
	// token requests: 1
}

// The generic plugin ("password", clouds.yaml's default) discovers the
// versions at an unversioned URL: v3 when the server offers it, v2.0 when
// that is all it has, as this fake.
func ExampleGenericPassword() {
	ks := keystonetest.NewV2(nil)
	defer ks.Close()
	admin := ks.Admin()

	plugin, err := auth.NewPlugin("password", map[string]string{
		"auth_url":          ks.RootURL(), // "https://keystone.example"
		"username":          admin.Username,
		"password":          admin.Password,
		"project_name":      admin.TenantName,
		"default_domain_id": "default", // used on v3, ignored on v2.0
	})
	if err != nil {
		panic(err)
	}
	a, err := auth.New(plugin).AccessInfo(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Version(), a.AuthURL == ks.URL(), a.ProjectName(), a.ProjectDomainID())
	// Output: v2.0 true admin default
}
