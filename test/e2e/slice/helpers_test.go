package slice_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// grantAdminOnDefaultDomain gives the bootstrap admin its admin role on the
// default domain (bootstrap grants it on the project and the system only), so
// that domain-scoped tokens can be tested. The grant is idempotent.
func grantAdminOnDefaultDomain(t *testing.T) {
	grantAdmin(t, "/domains/default")
}

// grantAdmin gives the bootstrap admin its admin role on a target such as
// "/projects/<id>".
func grantAdmin(t *testing.T, target string) {
	ctx := e2eutil.Ctx(t)
	sess := e2eutil.Session(t, e2eutil.AdminPlugin())
	a, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	roleID := ""
	for _, r := range a.Body.Roles {
		if *r.Name == "admin" {
			roleID = *r.ID
		}
	}
	require.NotEmpty(t, roleID)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut,
		a.AuthURL+target+"/users/"+a.UserID()+"/roles/"+roleID, nil)
	require.NoError(t, err)
	resp, err := sess.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

type countingPlugin struct {
	auth.Plugin
	calls atomic.Int32
}

func (c *countingPlugin) Authenticate(ctx context.Context, client auth.Doer) (*auth.AccessInfo, error) {
	c.calls.Add(1)
	return c.Plugin.Authenticate(ctx, client)
}
