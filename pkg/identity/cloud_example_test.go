package identity_test

import (
	"context"
	"fmt"
	"log"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/cloudconfig"
	"github.com/keystone-go/keystone/pkg/identity"
)

// A client for the cloud OS_CLOUD names (or the one the OS_* variables
// make), as the openstack CLI would find it.
func ExampleFromCloud() {
	ctx := context.Background()
	sess, client, err := identity.FromCloud(ctx, "", identity.WithSessionOptions(auth.WithUserAgent("myapp", "1.0")))
	if err != nil {
		log.Fatal(err) // names the file, the cloud and the key
	}
	access, err := sess.AccessInfo(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("project", access.ProjectName())
	for p, err := range client.Projects(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.ID, p.Name)
	}
}

// Load the cloud first to look at it, or to change it, then make the
// client.
func ExampleFromConfig() {
	cloud, err := cloudconfig.Load("prod", cloudconfig.WithRegion("RegionTwo"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cloud.AuthType, cloud.RegionName, cloud.Interface)
	_, client, err := identity.FromConfig(cloud)
	if err != nil {
		log.Fatal(err)
	}
	_ = client
}
