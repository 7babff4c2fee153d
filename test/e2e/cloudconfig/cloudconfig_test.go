package cloudconfig_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
	"github.com/keystone-go/keystone/pkg/cloudconfig"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// fixture is what the generated clouds.yaml refers to: a domain of its
// own; a user of the default domain with the member role on a project of
// that domain and on the domain itself; a user of that domain with the
// member role on the project; and an application credential of the first.
type fixture struct {
	domainID, domainName   string
	projectID, projectName string
	userID, userName, pw   string
	user2ID, user2Name     string
	appCredID, appCredSec  string
}

func ignoreNotFound(err error) error {
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	return err
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	f := fixture{domainName: e2eutil.Name(t, "ccdom"), projectName: e2eutil.Name(t, "ccproj"),
		userName: e2eutil.Name(t, "ccuser"), user2Name: e2eutil.Name(t, "ccuser2"), pw: "pw-" + e2eutil.Name(t, "x")}

	dom, err := admin.Raw().CreateDomainWithResponse(ctx, identityv3.CreateDomainJSONRequestBody{
		Domain: identityv3.DomainCreate{Name: f.domainName}})
	require.NoError(t, err)
	f.domainID = dom.JSON201.Domain.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		// A domain must be disabled before it can be deleted; deleting it
		// deletes its project and user.
		if _, err := admin.Raw().UpdateDomainWithResponse(ctx, f.domainID, identityv3.UpdateDomainJSONRequestBody{
			Domain: identityv3.DomainUpdate{Enabled: new(false)}}); ignoreNotFound(err) != nil {
			return err
		}
		_, err := admin.Raw().DeleteDomainWithResponse(ctx, f.domainID)
		return ignoreNotFound(err)
	})

	proj, err := admin.Raw().CreateProjectWithResponse(ctx, identityv3.CreateProjectJSONRequestBody{
		Project: identityv3.ProjectCreate{Name: f.projectName, DomainID: nullable.NewNullableWithValue(f.domainID)}})
	require.NoError(t, err)
	f.projectID = proj.JSON201.Project.ID

	user, err := admin.Raw().CreateUserWithResponse(ctx, identityv3.CreateUserJSONRequestBody{
		User: identityv3.UserCreate{Name: f.userName, Password: nullable.NewNullableWithValue(f.pw)}})
	require.NoError(t, err)
	f.userID = user.JSON201.User.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteUserWithResponse(ctx, f.userID)
		return ignoreNotFound(err)
	})
	user2, err := admin.Raw().CreateUserWithResponse(ctx, identityv3.CreateUserJSONRequestBody{
		User: identityv3.UserCreate{Name: f.user2Name, Password: nullable.NewNullableWithValue(f.pw), DomainID: &f.domainID}})
	require.NoError(t, err)
	f.user2ID = user2.JSON201.User.ID

	member := "member"
	roles, err := admin.Raw().ListRolesWithResponse(ctx, &identityv3.ListRolesParams{Name: &member})
	require.NoError(t, err)
	require.Len(t, roles.JSON200.Roles, 1)
	role := roles.JSON200.Roles[0].ID
	for _, grant := range []func() (int, error){
		func() (int, error) {
			r, err := admin.Raw().GrantProjectUserRoleWithResponse(ctx, f.projectID, f.userID, role)
			return statusOf(r, err)
		},
		func() (int, error) {
			r, err := admin.Raw().GrantProjectUserRoleWithResponse(ctx, f.projectID, f.user2ID, role)
			return statusOf(r, err)
		},
		func() (int, error) {
			r, err := admin.Raw().GrantDomainUserRoleWithResponse(ctx, f.domainID, f.userID, role)
			return statusOf(r, err)
		},
	} {
		code, err := grant()
		require.NoError(t, err)
		require.Equal(t, http.StatusNoContent, code)
	}

	// The credential delegates a role of the test's own: the test Keystone
	// keeps its data in SQLite without foreign keys, so a deleted
	// credential leaves its role rows behind, and the next one (which
	// reuses the freed internal id) fails with a 409 when it delegates one
	// of the same roles.
	own, err := admin.Raw().CreateRoleWithResponse(ctx, identityv3.CreateRoleJSONRequestBody{Role: identityv3.RoleCreate{Name: e2eutil.Name(t, "ccrole")}})
	require.NoError(t, err)
	ownRole := own.JSON201.Role.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteRoleWithResponse(ctx, ownRole)
		return ignoreNotFound(err)
	})
	code, err := statusOf(admin.Raw().GrantProjectUserRoleWithResponse(ctx, f.projectID, f.userID, ownRole))
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, code)

	owner := e2eutil.Client(t, e2eutil.Session(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: f.userID,
		Password: f.pw, Scope: auth.Scope{ProjectID: f.projectID}}))
	for attempt := 1; ; attempt++ {
		ac, err := owner.Raw().CreateApplicationCredentialWithResponse(ctx, f.userID, identityv3.CreateApplicationCredentialJSONRequestBody{
			ApplicationCredential: identityv3.ApplicationCredentialCreate{Name: e2eutil.Name(t, "ccac"),
				Roles: []identityv3.ApplicationCredentialRoleSelector{{ID: &ownRole}}}})
		require.NoError(t, err)
		f.appCredID, f.appCredSec = ac.JSON201.ApplicationCredential.ID, *ac.JSON201.ApplicationCredential.Secret
		// A credential that got an internal id with leftover role rows
		// cannot authenticate (or gets roles it was not given): keep it,
		// holding that id, and make another.
		// (The probe's session does not validate: a spoilt credential's
		// answer is Keystone's trouble, not the spec's.)
		a, err := auth.New(&auth.ApplicationCredential{AuthURL: e2eutil.AuthURL(), ID: f.appCredID, Secret: f.appCredSec}).AccessInfo(ctx)
		if err == nil && len(a.RoleIDs()) == 1 && a.RoleIDs()[0] == ownRole {
			break
		}
		require.Less(t, attempt, 6, "no clean application credential: %v", err)
	}
	return f
}

func statusOf(r interface{ StatusCode() int }, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return r.StatusCode(), nil
}

// write generates clouds.yaml and secure.yaml for f in a new directory.
func (f fixture) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	url := e2eutil.AuthURL()
	clouds := fmt.Sprintf(`# generated by the cloudconfig e2e test
clouds:
  project:
    auth:
      auth_url: %[1]s
      username: %[2]s
      user_domain_id: default
      project_name: %[3]s
      project_domain_name: %[4]s
    region_name: RegionOne
    interface: internal
    identity_api_version: 3
  domain:
    auth:
      auth_url: %[1]s
      username: %[2]s
      user_domain_id: default
      domain_name: %[4]s
  domain-fallback:
    auth:
      auth_url: %[1]s
      username: %[5]s
      project_name: %[3]s
      domain_id: %[6]s
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: %[1]s
      application_credential_id: %[7]s
  nopassword:
    auth:
      auth_url: %[1]s
      user_id: %[8]s
      project_id: %[9]s
  wrongpassword:
    auth:
      auth_url: %[1]s
      user_id: %[8]s
      password: not-the-password
  noauthurl:
    auth:
      user_id: %[8]s
      password: x
`, url, f.userName, f.projectName, f.domainName, f.user2Name, f.domainID, f.appCredID, f.userID, f.projectID)
	secure := fmt.Sprintf(`clouds:
  project:
    auth:
      password: %[1]q
  domain:
    auth:
      password: %[1]q
  domain-fallback:
    auth:
      password: %[1]q
  appcred:
    auth:
      application_credential_secret: %[2]q
`, f.pw, f.appCredSec)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clouds.yaml"), []byte(clouds), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secure.yaml"), []byte(secure), 0o600))
	return dir
}

// open resolves a generated cloud and returns its session and client, with
// every answer validated against the spec.
func open(t *testing.T, dir, name string, env map[string]string) (*cloudconfig.Cloud, *auth.Session, *identity.Client) {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	cloud, err := cloudconfig.Load(name, cloudconfig.WithSearchDirs(dir), cloudconfig.WithEnv(env))
	require.NoError(t, err)
	sess, client, err := identity.FromConfig(cloud, identity.WithSessionOptions(auth.WithHTTPClient(e2eutil.HTTPClient(t))))
	require.NoError(t, err)
	return cloud, sess, client
}

func TestGeneratedCloudsYAML(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dir := f.write(t)
	ctx := e2eutil.Ctx(t)

	t.Run("project scope, password from secure.yaml, internal interface", func(t *testing.T) {
		cloud, sess, client := open(t, dir, "project", nil)
		assert.Equal(t, dir+"/secure.yaml", cloud.SecureFile)
		a, err := sess.AccessInfo(ctx)
		require.NoError(t, err)
		assert.Equal(t, f.userID, a.UserID())
		assert.Equal(t, f.projectID, a.ProjectID())
		assert.Equal(t, f.domainID, a.ProjectDomainID())
		assert.Equal(t, "default", a.UserDomainID())
		ep, err := a.Catalog.Lookup(catalogFilter("internal", "RegionOne"))
		require.NoError(t, err)
		got, err := client.Endpoint(ctx)
		require.NoError(t, err)
		assert.Equal(t, trimSlash(ep.URL), got, "the internal identity endpoint of RegionOne")
		p, err := client.Raw().GetProjectWithResponse(ctx, f.projectID, nil)
		require.NoError(t, err)
		assert.Equal(t, f.projectName, p.JSON200.Project.Name)
	})

	// domain_name without a project is the scope; the user stays in the
	// default domain (had it been taken as the user's domain, Keystone would
	// not find the user there).
	t.Run("domain scope is not the user's domain", func(t *testing.T) {
		cloud, sess, _ := open(t, dir, "domain", nil)
		assert.Equal(t, f.domainName, cloud.Auth["domain_name"])
		assert.Empty(t, cloud.Auth["user_domain_name"])
		a, err := sess.AccessInfo(ctx)
		require.NoError(t, err)
		assert.Equal(t, f.domainID, a.DomainID())
		assert.Empty(t, a.ProjectID())
		assert.Equal(t, "default", a.UserDomainID())
	})

	// With a project, domain_id stands in for the user's and the project's
	// domain (openstacksdk's rule): the second user lives in the domain.
	t.Run("domain_id with a project", func(t *testing.T) {
		cloud, sess, _ := open(t, dir, "domain-fallback", nil)
		assert.Equal(t, f.domainID, cloud.Auth["user_domain_id"])
		assert.Equal(t, f.domainID, cloud.Auth["project_domain_id"])
		assert.NotContains(t, cloud.Auth, "domain_id")
		a, err := sess.AccessInfo(ctx)
		require.NoError(t, err)
		assert.Equal(t, f.user2ID, a.UserID())
		assert.Equal(t, f.projectID, a.ProjectID())
	})

	t.Run("application credential", func(t *testing.T) {
		cloud, sess, _ := open(t, dir, "appcred", nil)
		assert.Equal(t, "v3applicationcredential", cloud.AuthType)
		a, err := sess.AccessInfo(ctx)
		require.NoError(t, err)
		assert.Equal(t, f.appCredID, a.ApplicationCredentialID())
		assert.Equal(t, f.userID, a.UserID())
		assert.Equal(t, f.projectID, a.ProjectID())
	})

	t.Run("OS_CLOUD with OS_PASSWORD from the environment", func(t *testing.T) {
		cloud, sess, _ := open(t, dir, "", map[string]string{"OS_CLOUD": "nopassword", "OS_PASSWORD": f.pw})
		file, key, _ := cloud.Source("auth.password")
		assert.Equal(t, [2]string{cloudconfig.Environment, "OS_PASSWORD"}, [2]string{file, key})
		a, err := sess.AccessInfo(ctx)
		require.NoError(t, err)
		assert.Equal(t, f.projectID, a.ProjectID())
	})

	t.Run("a wrong password is Keystone's 401", func(t *testing.T) {
		_, sess, _ := open(t, dir, "wrongpassword", nil)
		_, err := sess.AccessInfo(ctx)
		assert.ErrorIs(t, err, apierror.ErrUnauthorized)
	})

	t.Run("a missing option names the generated file, the cloud and the key", func(t *testing.T) {
		_, err := cloudconfig.Load("noauthurl", cloudconfig.WithSearchDirs(dir), cloudconfig.WithEnv(map[string]string{}))
		var e *cloudconfig.Error
		require.ErrorAs(t, err, &e)
		assert.ErrorIs(t, err, apierror.ErrMissingAuthOption)
		assert.Equal(t, dir+"/clouds.yaml", e.File)
		assert.Equal(t, "noauthurl", e.Cloud)
		assert.Equal(t, "auth.auth_url", e.Key)
	})
}

// The environment the harness runs with (hack/keystone-up.sh's OS_*
// variables, or their defaults) is a cloud of its own.
func TestEnvironmentCloud(t *testing.T) {
	t.Parallel()
	ctx := e2eutil.Ctx(t)
	p := e2eutil.AdminPlugin()
	env := map[string]string{"OS_AUTH_URL": p.AuthURL, "OS_USERNAME": p.Username, "OS_PASSWORD": p.Password,
		"OS_USER_DOMAIN_ID": p.UserDomainID, "OS_PROJECT_NAME": p.Scope.ProjectName,
		"OS_PROJECT_DOMAIN_ID": p.Scope.ProjectDomainID, "OS_IDENTITY_API_VERSION": "3", "OS_INTERFACE": "public"}
	sess, client, err := identity.FromCloud(ctx, "", identity.WithConfigOptions(cloudconfig.WithEnv(env), cloudconfig.WithSearchDirs()),
		identity.WithSessionOptions(auth.WithHTTPClient(e2eutil.HTTPClient(t))))
	require.NoError(t, err)
	a, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, p.Scope.ProjectName, a.ProjectName())
	n := 0
	for _, err := range client.Projects(ctx, nil) {
		require.NoError(t, err)
		n++
	}
	assert.Positive(t, n)
}

func catalogFilter(iface, region string) catalog.Filter {
	return catalog.Filter{ServiceType: "identity", Interfaces: []string{iface}, Region: region}
}

func trimSlash(s string) string { return strings.TrimSuffix(s, "/") }
