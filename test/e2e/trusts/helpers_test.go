package trusts_test

import (
	"testing"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// login returns a validating session and client of u with the scope.
func login(t *testing.T, u e2eutil.TestUser, scope auth.Scope) (*auth.Session, *identity.Client) {
	t.Helper()
	sess := e2eutil.UserSession(t, u, scope)
	return sess, e2eutil.Client(t, sess)
}

// createTrust creates a trust through c, deleted when the test ends.
func createTrust(t *testing.T, c *identity.Client, body identityv3.TrustCreate) identityv3.Trust {
	t.Helper()
	resp, err := c.Raw().CreateTrustWithResponse(e2eutil.Ctx(t), identityv3.CreateTrustJSONRequestBody{Trust: body})
	tr := e2eutil.Created(t, resp, err).JSON201.Trust
	e2eutil.DeleteLater(t, c.Raw().DeleteTrustWithResponse, tr.ID)
	return tr
}
