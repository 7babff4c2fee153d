package users_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// DELETE /v3/users/{user_id}/tokens revokes every token of one user on
// Keystone 30; Zed and Epoxy have no such route.
func TestRevokeUserTokens(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	victim := e2eutil.User(t, admin, e2eutil.Prefix("revoked"))
	bystander := e2eutil.User(t, admin, e2eutil.Prefix("bystander"))
	// Two logins: the call revokes every token of the user, not one.
	first := userToken(t, victim)
	second := userToken(t, victim)
	other := userToken(t, bystander)
	for _, tok := range []string{first, second, other} {
		requireValid(t, admin, tok)
	}

	_, err := admin.Raw().RevokeUserTokensWithResponse(ctx, victim.ID)
	if !e2eutil.ReleaseAtLeast(t, e2eutil.Latest) {
		require.ErrorIs(t, err, apierror.ErrNotFound, "%s has no such route", e2eutil.CurrentRelease(t))
		for _, tok := range []string{first, second, other} {
			requireValid(t, admin, tok)
		}
		return
	}
	require.NoError(t, err)

	for _, tok := range []string{first, second} {
		_, err := admin.Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: tok})
		assert.ErrorIs(t, err, apierror.ErrNotFound, "a revoked token does not validate")
	}
	requireValid(t, admin, other)

	// An unknown user is a 404 to the admin.
	_, err = admin.Raw().RevokeUserTokensWithResponse(ctx, e2eutil.Name(t, "ghost"))
	require.ErrorIs(t, err, apierror.ErrNotFound)
}

// A user may revoke its own tokens (identity:revoke_tokens_for_user is admin
// or owner), but not another user's.
func TestRevokeOwnTokens(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	user := e2eutil.User(t, admin, e2eutil.Prefix("selfrevoke"))
	bystander := e2eutil.User(t, admin, e2eutil.Prefix("bystander"))
	other := userToken(t, bystander)
	sess := e2eutil.UserSession(t, user, auth.Scope{Unscoped: true})
	own, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	// An unscoped token has no catalog: the client is pointed at Keystone.
	c := e2eutil.Client(t, sess, identity.WithEndpoint(e2eutil.AuthURL()))

	_, err = c.Raw().RevokeUserTokensWithResponse(ctx, bystander.ID)
	if !e2eutil.ReleaseAtLeast(t, e2eutil.Latest) {
		require.ErrorIs(t, err, apierror.ErrNotFound, "%s has no such route", e2eutil.CurrentRelease(t))
		_, err = c.Raw().RevokeUserTokensWithResponse(ctx, user.ID)
		require.ErrorIs(t, err, apierror.ErrNotFound)
		requireValid(t, admin, own.Token)
		requireValid(t, admin, other)
		return
	}
	require.ErrorIs(t, err, apierror.ErrForbidden, "another user's tokens are not the caller's to revoke")
	requireValid(t, admin, other)

	resp, err := c.Raw().RevokeUserTokensWithResponse(ctx, user.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode())
	_, err = admin.Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: own.Token})
	assert.ErrorIs(t, err, apierror.ErrNotFound, "the caller's own token is revoked too")
	requireValid(t, admin, other)
}

// userToken logs the user in (unscoped) and returns the token.
func userToken(t *testing.T, u e2eutil.TestUser) string {
	t.Helper()
	info, err := e2eutil.UserSession(t, u, auth.Scope{Unscoped: true}).AccessInfo(e2eutil.Ctx(t))
	require.NoError(t, err)
	return info.Token
}

// requireValid fails unless Keystone validates the token.
func requireValid(t *testing.T, admin *identity.Client, token string) {
	t.Helper()
	resp, err := admin.Raw().ValidateTokenWithResponse(e2eutil.Ctx(t), &identityv3.ValidateTokenParams{XSubjectToken: token})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode())
}
