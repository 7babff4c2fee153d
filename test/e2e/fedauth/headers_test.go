package fedauth_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/auth/federation"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// The mapped federated login through the v3federatedheaders plugin, built
// from options as a clouds.yaml would give them: the headers make an
// unscoped token for a shadow user in the provider's domain, which the
// plugin rescopes to the project the mapped group has a role on.
func TestFederatedHeadersLogin(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	remoteID := "https://idp.test/" + e2eutil.Name(t, "hdr")
	f := setUpFederation(t, admin, remoteID, "mapped", "HTTP_X_KS_FED_USER")
	user := e2eutil.Name(t, "feduser")
	headers := fmt.Sprintf("%s: %s\n%s: %s", headerRemoteID, remoteID, headerUser, user)

	plugin, err := auth.NewPlugin("v3federatedheaders", map[string]string{
		"auth_url": e2eutil.AuthURL(), "identity_provider": f.idp, "protocol": "mapped",
		"federated_headers": headers, "project_id": f.project.ID,
	})
	require.NoError(t, err)
	sess := e2eutil.Session(t, plugin)
	a, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	deleteShadowUser(t, admin, a.UserID())

	assert.Equal(t, user, a.Username())
	assert.Equal(t, f.domainID, a.UserDomainID(), "the shadow user lives in the provider's domain")
	assert.Equal(t, f.project.ID, a.ProjectID())
	assert.ElementsMatch(t, []string{"mapped", "token"}, a.Methods(), "the federated token was rescoped with the token method")
	assert.Contains(t, a.RoleNames(), "member", "the role comes from the mapped group")
	assert.NotContains(t, a.RoleNames(), "admin")
	assert.True(t, a.IsFederated())
	assert.Equal(t, f.idp, a.IdentityProviderID())
	assert.Equal(t, "mapped", a.ProtocolID())
	assert.Equal(t, []string{f.groupID}, a.FederatedGroupIDs())
	assert.Positive(t, a.Catalog.Len(), "a project-scoped token has a catalog")

	// The session works: the federated user reads its project.
	own, err := e2eutil.Client(t, sess).Raw().GetProjectWithResponse(ctx, f.project.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, f.project.Name, own.JSON200.Project.Name)
	// Keystone validates the token as a federated one for that user.
	v, err := admin.Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: a.Token})
	require.NoError(t, err)
	assert.Equal(t, &user, v.JSON200.Token.User.Name)

	// Unscoped: the plugin keeps the federated token; Rescope (and the
	// projects it can reach) work from it.
	unscoped := e2eutil.Session(t, &federation.FederatedHeaders{
		FederatedLogin: federation.FederatedLogin{AuthURL: e2eutil.AuthURL(), IdentityProvider: f.idp, Protocol: "mapped"},
		Headers:        http.Header{headerRemoteID: {remoteID}, headerUser: {user}},
	})
	u, err := unscoped.AccessInfo(ctx)
	require.NoError(t, err)
	assert.False(t, u.Scoped())
	assert.Equal(t, []string{"mapped"}, u.Methods())
	assert.Equal(t, a.UserID(), u.UserID(), "the same assertion maps to the same shadow user")
	projects, err := auth.AvailableProjects(ctx, unscoped)
	require.NoError(t, err)
	require.Len(t, projects, 1)
	assert.Equal(t, &f.project.ID, projects[0].ID)
	scoped, err := auth.Rescope(ctx, unscoped, auth.Scope{ProjectID: f.project.ID})
	require.NoError(t, err)
	s, err := scoped.AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, f.project.ID, s.ProjectID())
}

func TestFederatedHeadersRefused(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	remoteID := "https://idp.test/" + e2eutil.Name(t, "hdr")
	f := setUpFederation(t, admin, remoteID, "mapped", "HTTP_X_KS_FED_USER")
	login := func(protocol, remote string, scope auth.Scope) error {
		_, err := e2eutil.Session(t, &federation.FederatedHeaders{
			FederatedLogin: federation.FederatedLogin{AuthURL: e2eutil.AuthURL(), IdentityProvider: f.idp, Protocol: protocol, Scope: scope},
			Headers:        http.Header{headerRemoteID: {remote}, headerUser: {e2eutil.Name(t, "nobody")}},
		}).AccessInfo(ctx)
		return err
	}
	// A remote id the provider does not have.
	err := login("mapped", "https://evil.test/", auth.Scope{})
	assert.True(t, errors.Is(err, apierror.ErrForbidden), "%v", err)
	// A protocol the provider does not have.
	err = login("openid", remoteID, auth.Scope{})
	assert.True(t, errors.Is(err, apierror.ErrNotFound), "%v", err)
	// A project the mapped group has no role on: the login works, the
	// rescope does not.
	err = login("mapped", remoteID, auth.Scope{ProjectID: e2eutil.Project(t, admin, e2eutil.Prefix("fedproj")).ID})
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
	assert.ErrorContains(t, err, "rescoping the federated token")
}
