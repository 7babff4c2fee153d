// Package generic_test checks, against the real Keystone (which serves only
// Identity v3), that the version-discovering pieces choose v3: the generic
// password and token plugins and identity.New. Their v2.0 branch is tested
// against the fake v2.0 Keystone in pkg/auth and pkg/identity.
package generic_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// rootURL is Keystone's unversioned URL, which makes the plugins discover.
func rootURL() string { return strings.TrimSuffix(strings.TrimSuffix(e2eutil.AuthURL(), "/"), "/v3") }

func adminGenericPassword(authURL string) *auth.GenericPassword {
	admin := e2eutil.AdminPlugin()
	// No user or project domain: the default domain options stand in for
	// both on v3, as clouds.yaml's default_domain does.
	return &auth.GenericPassword{AuthURL: authURL, Username: admin.Username, Password: admin.Password,
		Scope: auth.Scope{ProjectName: admin.Scope.ProjectName}, DefaultDomainID: admin.Scope.ProjectDomainID}
}

func TestGenericPasswordChoosesV3(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	for name, authURL := range map[string]string{
		"unversioned": rootURL(),
		"versioned":   e2eutil.AuthURL(),
	} {
		t.Run(name, func(t *testing.T) {
			a, err := e2eutil.Session(t, adminGenericPassword(authURL)).AccessInfo(ctx)
			require.NoError(t, err)
			assert.Equal(t, "v3", a.Version())
			assert.True(t, strings.HasSuffix(a.AuthURL, "/v3"), a.AuthURL)
			assert.Nil(t, a.V2)
			require.NotNil(t, a.Body)
			assert.Equal(t, []string{"password"}, a.Methods())
			assert.Equal(t, e2eutil.AdminPlugin().Username, a.Username())
			assert.Equal(t, "default", a.UserDomainID())
			assert.Equal(t, e2eutil.AdminPlugin().Scope.ProjectName, a.ProjectName())
			assert.Equal(t, "default", a.ProjectDomainID())
			assert.Contains(t, a.RoleNames(), "admin")
			assert.True(t, a.HasServiceCatalog())
		})
	}

	// The registry's "password" (clouds.yaml's default auth_type) too.
	admin := e2eutil.AdminPlugin()
	p, err := auth.NewPlugin("password", map[string]string{"auth_url": rootURL(), "username": admin.Username,
		"password": admin.Password, "project_name": admin.Scope.ProjectName, "default_domain_id": "default"})
	require.NoError(t, err)
	a, err := e2eutil.Session(t, p).AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, "v3", a.Version())
	assert.NotEmpty(t, a.ProjectID())
}

func TestGenericTokenChoosesV3(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	first, err := e2eutil.Session(t, e2eutil.AdminPlugin()).AccessInfo(ctx)
	require.NoError(t, err)

	a, err := e2eutil.Session(t, &auth.GenericToken{AuthURL: rootURL(), Token: first.Token,
		Scope: auth.Scope{ProjectID: first.ProjectID()}}).AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, "v3", a.Version())
	assert.Contains(t, a.Methods(), "token")
	assert.NotEqual(t, first.Token, a.Token)
	assert.Equal(t, first.UserID(), a.UserID())
	assert.Equal(t, first.ProjectID(), a.ProjectID())
	assert.Equal(t, first.AuditID(), a.AuditChainID(), "an exchanged token chains to the first")
}

// The real Keystone has no v2.0: asking for it says so, before any token
// request.
func TestV2IsNotOffered(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	admin := e2eutil.AdminPlugin()
	_, err := e2eutil.Session(t, &auth.V2Password{AuthURL: rootURL(), Username: admin.Username, Password: admin.Password}).AccessInfo(ctx)
	assert.True(t, errors.Is(err, apierror.ErrVersionNotAvailable), "%v", err)

	_, err = identity.New(ctx, e2eutil.Session(t, admin), identity.WithVersion("2.0", "2.0"))
	assert.True(t, errors.Is(err, apierror.ErrVersionNotAvailable), "%v", err)
}

func TestNewChoosesV3(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	sess := e2eutil.Session(t, e2eutil.AdminPlugin())
	for name, opts := range map[string][]identity.Option{
		"catalog":              nil,
		"unversioned override": {identity.WithEndpoint(rootURL())},
		"minimum v3.10":        {identity.WithVersion("3.10", "")},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := identity.New(ctx, sess, opts...)
			require.NoError(t, err)
			assert.Equal(t, "v3", d.Version())
			assert.Nil(t, d.V2)
			require.NotNil(t, d.V3)
			u, err := d.V3.Endpoint(ctx)
			require.NoError(t, err)
			assert.True(t, strings.HasSuffix(u, "/v3"), u)
			resp, err := d.V3.Raw().ListProjectsWithResponse(ctx, nil)
			require.NoError(t, err)
			var names []string
			for _, p := range resp.JSON200.Projects {
				names = append(names, p.Name)
			}
			assert.Contains(t, names, e2eutil.AdminPlugin().Scope.ProjectName)
		})
	}
}
