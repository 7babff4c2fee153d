package auth_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
)

const v3TokenBody = `{"token":{"methods":["password"],"expires_at":"2030-01-02T03:04:05.000000Z","issued_at":"2030-01-02T02:04:05.000000Z",
	"audit_ids":["aud"],"user":{"id":"u1","name":"alice","domain":{"id":"default","name":"Default"}},
	"project":{"id":"p1","name":"demo","domain":{"id":"d1","name":"acme"}},
	"roles":[{"id":"r1","name":"member"}],
	"OS-TRUST:trust":{"id":"t1","impersonation":true,"trustee_user":{"id":"u1"},"trustor_user":{"id":"u0"}},
	"catalog":[{"type":"image","id":"s1","endpoints":[{"id":"e1","interface":"internal","region":"R1","url":"http://glance:9292"}]}]}}`

const v2AccessBody = `{"access":{"token":{"id":"tok2","expires":"2030-01-02T03:04:05Z","tenant":{"id":"t1","name":"demo"}},
	"user":{"id":"u2","name":"bob","roles":[{"name":"admin"}]},
	"serviceCatalog":[{"type":"compute","name":"nova","endpoints":[{"region":"R1","publicURL":"http://nova:8774/v2.1"}]}]}}`

func TestAccessInfoFromBodyV3(t *testing.T) {
	a, err := auth.AccessInfoFromBody("tok3", []byte(v3TokenBody), "http://keystone/v3")
	require.NoError(t, err)
	assert.Equal(t, "tok3", a.Token)
	assert.Equal(t, "v3", a.Version())
	assert.Equal(t, "http://keystone/v3", a.AuthURL)
	assert.Equal(t, 2030, a.ExpiresAt.Year())
	assert.Equal(t, "acme", a.ProjectDomainName())
	assert.Equal(t, []string{"member"}, a.RoleNames())
	assert.Equal(t, "t1", a.TrustID())
	assert.True(t, a.Impersonation())
	assert.Equal(t, "u0", a.TrustorUserID())
	u, err := a.Catalog.URLFor(catalog.Filter{ServiceType: "image", Interfaces: []string{"internal"}})
	require.NoError(t, err)
	assert.Equal(t, "http://glance:9292", u)
}

func TestAccessInfoFromBodyV2(t *testing.T) {
	for _, subject := range []string{"", "tok2"} {
		a, err := auth.AccessInfoFromBody(subject, []byte(v2AccessBody), "http://keystone/v2.0")
		require.NoError(t, err)
		assert.Equal(t, "tok2", a.Token)
		assert.Equal(t, "v2.0", a.Version())
		assert.Equal(t, "bob", a.Username())
		assert.Equal(t, "demo", a.ProjectName())
		assert.Equal(t, []string{"admin"}, a.RoleNames())
		u, err := a.Catalog.URLFor(catalog.Filter{ServiceType: "compute"})
		require.NoError(t, err)
		assert.Equal(t, "http://nova:8774/v2.1", u)
	}
}

func TestAccessInfoFromBodyRefusesWhatIsNotAToken(t *testing.T) {
	for name, tc := range map[string]struct{ subject, body string }{
		"not JSON":          {"t", `<html>`},
		"neither":           {"t", `{"error":{}}`},
		"v3 without token":  {"", v3TokenBody},
		"v3 without expiry": {"t", `{"token":{"methods":["password"],"user":{"id":"u"}}}`},
		"v2 other token":    {"other", v2AccessBody},
		"v2 without expiry": {"", `{"access":{"token":{"id":"x"},"user":{"id":"u"}}}`},
	} {
		_, err := auth.AccessInfoFromBody(tc.subject, []byte(tc.body), "http://keystone/v3")
		assert.ErrorIs(t, err, apierror.ErrInvalidResponse, name)
	}
}

func ExampleAccessInfoFromBody() {
	// body and the X-Subject-Token header of a token answer, from wherever
	// the program got them (a validation, a cache of its own, a test).
	access, err := auth.AccessInfoFromBody("gAAAA-subject", []byte(v3TokenBody), "https://keystone.example/v3")
	if err != nil {
		fmt.Println(err)
		return
	}
	glance, _ := access.Catalog.URLFor(catalog.Filter{ServiceType: "image", Interfaces: []string{"internal"}})
	fmt.Println(access.UserID(), access.ProjectID(), access.RoleNames(), access.TrustScoped(), glance)
	// Output: u1 p1 [member] true http://glance:9292
}
