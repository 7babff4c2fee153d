package scenario_test

import (
	"testing"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/keystonetest"
	"github.com/keystone-go/keystone/test/scenario"
)

// TestFake runs the suite against keystonetest.NewV3, as each verified
// release (test/e2e/scenario runs the same suite against a real Keystone).
func TestFake(t *testing.T) {
	for _, series := range []string{"2022.2", "2025.1", "2026.2"} {
		t.Run(series, func(t *testing.T) {
			ks := keystonetest.NewV3(t, keystonetest.WithRelease(series))
			admin := ks.Admin()
			scenario.Run(t, scenario.Env{
				AuthURL: ks.URL(),
				Admin: auth.Password{AuthURL: ks.URL(), Username: admin.Username, UserDomainID: admin.DomainID,
					Password: admin.Password, Scope: auth.Scope{ProjectName: admin.ProjectName, ProjectDomainID: admin.DomainID}},
				Session: func(_ testing.TB, p auth.Plugin) *auth.Session {
					return auth.New(p, auth.WithHTTPClient(ks.HTTPClient()))
				},
			})
		})
	}
}
