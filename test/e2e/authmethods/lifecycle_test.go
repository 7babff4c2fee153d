package authmethods_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// admin_token: a token and an endpoint, no catalog and no token request.
func TestAdminTokenPlugin(t *testing.T) {
	admin := e2eutil.Admin(t)
	u, p := memberOf(t, admin)
	_, a := access(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: u.ID, Password: u.Password, Scope: auth.Scope{ProjectID: p.ID}})

	plugin, err := auth.NewPlugin("admin_token", map[string]string{"endpoint": e2eutil.AuthURL(), "token": a.Token})
	require.NoError(t, err)
	hc, ct := counted(t)
	sess := auth.New(plugin, auth.WithHTTPClient(hc))
	c := e2eutil.Client(t, sess)
	resp, err := c.Raw().GetProjectWithResponse(e2eutil.Ctx(t), p.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, p.Name, resp.JSON200.Project.Name)
	assert.Zero(t, ct.tokens.Load())
	ep, err := sess.Endpoint(e2eutil.Ctx(t), catalog.Filter{ServiceType: "compute"})
	require.NoError(t, err)
	assert.Equal(t, e2eutil.AuthURL(), ep.URL, "the endpoint stands for every service")

	// A revoked static token cannot be renewed: the 401 comes back.
	_, err = admin.Raw().RevokeTokenWithResponse(e2eutil.Ctx(t), &identityv3.RevokeTokenParams{XSubjectToken: a.Token})
	require.NoError(t, err)
	_, err = c.Raw().GetProjectWithResponse(e2eutil.Ctx(t), p.ID, nil)
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
}

func TestStateAndFileCacheWithKeystone(t *testing.T) {
	admin := e2eutil.Admin(t)
	u, p := memberOf(t, admin)
	plugin := func() auth.Plugin {
		pl, err := auth.NewPlugin("v3password", map[string]string{"auth_url": e2eutil.AuthURL(), "user_id": u.ID,
			"password": u.Password, "project_id": p.ID})
		require.NoError(t, err)
		return pl
	}
	dir := filepath.Join(t.TempDir(), "tokens")

	hc1, ct1 := counted(t)
	stateKey := auth.NewStateKey() // exported state opens only with the key it was sealed with
	first := auth.New(plugin(), auth.WithHTTPClient(hc1), auth.WithFileCache(dir), auth.WithStateKey(stateKey))
	a, err := first.AccessInfo(e2eutil.Ctx(t))
	require.NoError(t, err)
	assert.EqualValues(t, 1, ct1.tokens.Load())
	fi, err := os.Stat(filepath.Join(dir, auth.CacheID(plugin())+".json"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// A second session (as another process would) starts with the cached
	// token, and Keystone accepts it.
	hc2, ct2 := counted(t)
	second := auth.New(plugin(), auth.WithHTTPClient(hc2), auth.WithFileCache(dir))
	assert.Equal(t, []string{p.ID}, projectIDs(usable(t, second)))
	b, err := second.AccessInfo(e2eutil.Ctx(t))
	require.NoError(t, err)
	assert.Equal(t, a.Token, b.Token)
	assert.Zero(t, ct2.tokens.Load(), "no token request")
	assert.Equal(t, p.ID, b.ProjectID())
	assert.True(t, b.HasServiceCatalog())

	// Exported state works the same way, and only for the same identity.
	state, err := first.ExportState()
	require.NoError(t, err)
	hc3, ct3 := counted(t)
	third := auth.New(plugin(), auth.WithHTTPClient(hc3), auth.WithState(state), auth.WithStateKey(stateKey))
	resp, err := e2eutil.Client(t, third).Raw().GetProjectWithResponse(e2eutil.Ctx(t), p.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, p.ID, resp.JSON200.Project.ID)
	assert.Zero(t, ct3.tokens.Load())
	err = auth.New(&auth.Password{AuthURL: e2eutil.AuthURL(), UserID: u.ID, Password: u.Password}).ImportState(state)
	assert.True(t, errors.Is(err, apierror.ErrInvalidConfig), "another scope is another identity: %v", err)

	// When Keystone revokes the token, the session with the cache gets a
	// new one (not the revoked one back from the file) and rewrites it.
	_, err = admin.Raw().RevokeTokenWithResponse(e2eutil.Ctx(t), &identityv3.RevokeTokenParams{XSubjectToken: a.Token})
	require.NoError(t, err)
	assert.Equal(t, []string{p.ID}, projectIDs(usable(t, second)))
	c, err := second.AccessInfo(e2eutil.Ctx(t))
	require.NoError(t, err)
	assert.NotEqual(t, a.Token, c.Token)
	assert.EqualValues(t, 1, ct2.tokens.Load())
	hc4, ct4 := counted(t)
	d, err := auth.New(plugin(), auth.WithHTTPClient(hc4), auth.WithFileCache(dir)).AccessInfo(e2eutil.Ctx(t))
	require.NoError(t, err)
	assert.Equal(t, c.Token, d.Token)
	assert.Zero(t, ct4.tokens.Load())
}
