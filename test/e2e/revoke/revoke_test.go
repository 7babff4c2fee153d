package revoke_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func TestRevokeTokenListsEvent(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	user := e2eutil.User(t, admin, e2eutil.Prefix("revoke-u"))
	victim, err := e2eutil.UserSession(t, user, auth.Scope{Unscoped: true}).AccessInfo(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, victim.AuditIDs())

	// Keystone keeps revoked_at to the second and lists events strictly after
	// since; a margin covers that and a clock a little apart.
	since := time.Now().Add(-5 * time.Second)

	check, err := admin.Raw().CheckTokenWithResponse(ctx, &identityv3.CheckTokenParams{XSubjectToken: victim.Token})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, check.StatusCode(), "valid before the revocation")

	del, err := admin.Raw().RevokeTokenWithResponse(ctx, &identityv3.RevokeTokenParams{XSubjectToken: victim.Token})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, del.StatusCode())

	_, err = admin.Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: victim.Token})
	assert.ErrorIs(t, err, apierror.ErrNotFound, "a revoked token does not validate")
	_, err = admin.Raw().CheckTokenWithResponse(ctx, &identityv3.CheckTokenParams{XSubjectToken: victim.Token})
	assert.ErrorIs(t, err, apierror.ErrNotFound)

	events, err := admin.Raw().ListRevokeEventsWithResponse(ctx, &identityv3.ListRevokeEventsParams{Since: &since})
	require.NoError(t, err)
	var found *identityv3.RevokeEvent
	for i, e := range events.JSON200.Events {
		if e.AuditID != nil && *e.AuditID == victim.AuditIDs()[0] {
			found = &events.JSON200.Events[i]
		}
		require.NotNil(t, e.RevokedAt)
		assert.False(t, e.RevokedAt.Time.Before(since.Truncate(time.Second)), "since filters older events out")
	}
	require.NotNil(t, found, "an event revokes the token by its audit id")
	assert.False(t, found.IssuedBefore.Time.Before(victim.IssuedAt.Truncate(time.Second)),
		"issued_before covers the token")

	// Nothing was revoked after a time still to come.
	later := time.Now().Add(time.Hour)
	events, err = admin.Raw().ListRevokeEventsWithResponse(ctx, &identityv3.ListRevokeEventsParams{Since: &later})
	require.NoError(t, err)
	assert.Empty(t, events.JSON200.Events)
}

func TestRevokeEventsNeedServiceOrAdmin(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	admin := e2eutil.Admin(t)
	user := e2eutil.User(t, admin, e2eutil.Prefix("revoke-u"))
	// An unscoped token has no catalog: the client is pointed at Keystone.
	plain := e2eutil.Client(t, e2eutil.UserSession(t, user, auth.Scope{Unscoped: true}), identity.WithEndpoint(e2eutil.AuthURL()))
	_, err := plain.Raw().ListRevokeEventsWithResponse(ctx, &identityv3.ListRevokeEventsParams{})
	assert.ErrorIs(t, err, apierror.ErrForbidden, "identity:list_revoke_events is service_or_admin")
}
