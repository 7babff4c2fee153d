package users_test

import (
	"testing"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// listUserIDs lists users with the filters and returns their ids.
func listUserIDs(t *testing.T, c *identity.Client, params identityv3.ListUsersParams) []string {
	t.Helper()
	resp, err := c.Raw().ListUsersWithResponse(e2eutil.Ctx(t), &params)
	return e2eutil.IDs(e2eutil.OK(t, resp, err).JSON200.Users)
}
