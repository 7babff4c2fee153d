// Package scenario runs the shared scenarios of test/scenario against the
// real Keystone under test; test/scenario runs them against the fake.
package scenario

import (
	"os"
	"testing"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
	"github.com/keystone-go/keystone/test/scenario"
)

func TestKeystone(t *testing.T) {
	if os.Getenv("OS_AUTH_URL") == "" {
		t.Skip("OS_AUTH_URL is not set: no Keystone to run the scenarios against")
	}
	scenario.Run(t, scenario.Env{
		AuthURL: e2eutil.AuthURL(),
		Admin:   *e2eutil.AdminPlugin(),
		Session: func(t testing.TB, p auth.Plugin) *auth.Session { return e2eutil.Session(t, p) },
	})
}
