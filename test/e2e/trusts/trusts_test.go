package trusts_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/timestamp"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// fixture is a project, a trustor holding member on it and a trustee.
type fixture struct {
	projectID, memberID, readerID string
	trustor, trustee              e2eutil.TestUser
}

func newFixture(t *testing.T) fixture {
	admin := e2eutil.Admin(t)
	f := fixture{
		projectID: e2eutil.Project(t, admin, e2eutil.Prefix("trust-p")).ID,
		memberID:  e2eutil.RoleID(t, admin, "member"),
		readerID:  e2eutil.RoleID(t, admin, "reader"),
		trustor:   e2eutil.User(t, admin, e2eutil.Prefix("trustor")),
		trustee:   e2eutil.User(t, admin, e2eutil.Prefix("trustee")),
	}
	e2eutil.GrantProjectRole(t, admin, f.projectID, f.trustor.ID, f.memberID)
	return f
}

func TestTrustLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := e2eutil.Ctx(t)
	_, trustor := login(t, f.trustor, auth.Scope{ProjectID: f.projectID})

	expires := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
	imp := createTrust(t, trustor, identityv3.TrustCreate{
		TrustorUserID: f.trustor.ID, TrusteeUserID: f.trustee.ID, ProjectID: nullable.NewNullableWithValue(f.projectID),
		Impersonation: true,
		Roles:         []identityv3.TrustRoleSelector{{Name: new("member")}},
		ExpiresAt:     new(timestamp.New(expires)),
		RemainingUses: new(5),
	})
	assert.True(t, imp.Impersonation)
	assert.Equal(t, f.trustor.ID, imp.TrustorUserID)
	assert.Equal(t, f.trustee.ID, imp.TrusteeUserID)
	assert.Equal(t, f.projectID, *imp.ProjectID)
	require.NotNil(t, imp.ExpiresAt)
	assert.True(t, expires.Equal(imp.ExpiresAt.Time), "expires_at %v, want %v", imp.ExpiresAt.Time, expires)
	assert.Equal(t, 5, *imp.RemainingUses)
	assert.Equal(t, 0, *imp.RedelegationCount, "no redelegation without allow_redelegation")
	assert.Nil(t, imp.RedelegatedTrustID)
	require.Len(t, imp.Roles, 1)
	assert.Equal(t, f.memberID, imp.Roles[0].ID)
	assert.Equal(t, "member", imp.Roles[0].Name)
	require.NotNil(t, imp.RolesLinks)

	plain := createTrust(t, trustor, identityv3.TrustCreate{
		TrustorUserID: f.trustor.ID, TrusteeUserID: f.trustee.ID, ProjectID: nullable.NewNullableWithValue(f.projectID),
		Impersonation: false,
		Roles:         []identityv3.TrustRoleSelector{{ID: &f.memberID}},
	})
	assert.False(t, plain.Impersonation)
	assert.Nil(t, plain.ExpiresAt, "no expiry")
	assert.Nil(t, plain.RemainingUses, "unlimited uses")

	t.Run("list", func(t *testing.T) {
		resp, err := trustor.Raw().ListTrustsWithResponse(ctx, &identityv3.ListTrustsParams{TrustorUserID: &f.trustor.ID})
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{imp.ID, plain.ID}, e2eutil.IDs(resp.JSON200.Trusts))
		for _, tr := range resp.JSON200.Trusts {
			assert.Empty(t, tr.Roles, "list entries carry no roles")
		}

		// An unscoped token has no catalog: the client is pointed at Keystone.
		trustee := e2eutil.Client(t, e2eutil.UserSession(t, f.trustee, auth.Scope{Unscoped: true}),
			identity.WithEndpoint(e2eutil.AuthURL()))
		resp, err = trustee.Raw().ListTrustsWithResponse(ctx, &identityv3.ListTrustsParams{TrusteeUserID: &f.trustee.ID})
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{imp.ID, plain.ID}, e2eutil.IDs(resp.JSON200.Trusts))

		resp, err = trustor.Raw().ListTrustsWithResponse(ctx, &identityv3.ListTrustsParams{TrusteeUserID: &f.trustor.ID})
		require.NoError(t, err)
		assert.Empty(t, resp.JSON200.Trusts, "the trustor is trustee of nothing")

		_, err = trustor.Raw().ListTrustsWithResponse(ctx, &identityv3.ListTrustsParams{})
		assert.ErrorIs(t, err, apierror.ErrForbidden, "only an admin lists every trust")
	})

	t.Run("get and roles", func(t *testing.T) {
		got, err := trustor.Raw().GetTrustWithResponse(ctx, imp.ID)
		require.NoError(t, err)
		assert.Equal(t, imp.ID, got.JSON200.Trust.ID)
		require.Len(t, got.JSON200.Trust.Roles, 1)

		roles, err := trustor.Raw().ListTrustRolesWithResponse(ctx, imp.ID)
		require.NoError(t, err)
		require.Len(t, roles.JSON200.Roles, 1)
		assert.Equal(t, f.memberID, roles.JSON200.Roles[0].ID)

		role, err := trustor.Raw().GetTrustRoleWithResponse(ctx, imp.ID, f.memberID)
		require.NoError(t, err)
		assert.Equal(t, "member", role.JSON200.Role.Name)

		head, err := trustor.Raw().CheckTrustRoleWithResponse(ctx, imp.ID, f.memberID)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, head.StatusCode())

		// reader is implied by member, but the trust does not delegate it by name.
		_, err = trustor.Raw().CheckTrustRoleWithResponse(ctx, imp.ID, f.readerID)
		assert.ErrorIs(t, err, apierror.ErrNotFound)
		_, err = trustor.Raw().GetTrustRoleWithResponse(ctx, imp.ID, f.readerID)
		assert.ErrorIs(t, err, apierror.ErrNotFound)
	})

	t.Run("trust-scoped tokens", func(t *testing.T) {
		// With impersonation the token's user is the trustor.
		sess, _ := login(t, f.trustee, auth.Scope{TrustID: imp.ID})
		a, err := sess.AccessInfo(ctx)
		require.NoError(t, err)
		tt := a.Body.OSTRUSTTrust
		require.NotNil(t, tt, "the token has an OS-TRUST:trust section")
		assert.Equal(t, imp.ID, *tt.ID)
		assert.True(t, *tt.Impersonation)
		assert.Equal(t, f.trustor.ID, *tt.TrustorUser.ID)
		assert.Equal(t, f.trustee.ID, *tt.TrusteeUser.ID)
		assert.Equal(t, f.trustor.ID, a.UserID(), "impersonation: the token is the trustor's")
		assert.Equal(t, f.projectID, a.ProjectID())
		assert.Contains(t, a.RoleNames(), "member")
		assert.Equal(t, imp.ID, a.TrustID())

		got, err := trustor.Raw().GetTrustWithResponse(ctx, imp.ID)
		require.NoError(t, err)
		assert.Equal(t, 4, *got.JSON200.Trust.RemainingUses, "issuing the token used the trust once")

		sess2, _ := login(t, f.trustee, auth.Scope{TrustID: plain.ID})
		a2, err := sess2.AccessInfo(ctx)
		require.NoError(t, err)
		require.NotNil(t, a2.Body.OSTRUSTTrust)
		assert.False(t, *a2.Body.OSTRUSTTrust.Impersonation)
		assert.Equal(t, f.trustee.ID, a2.UserID(), "without impersonation the token is the trustee's")

		// Someone else cannot use the trust.
		_, err = e2eutil.UserSession(t, f.trustor, auth.Scope{TrustID: plain.ID}).AccessInfo(ctx)
		assert.Error(t, err, "only the trustee can consume the trust")

		// Deleting the trust ends it and the tokens scoped to it.
		_, err = trustor.Raw().DeleteTrustWithResponse(ctx, plain.ID)
		require.NoError(t, err)
		_, err = trustor.Raw().GetTrustWithResponse(ctx, plain.ID)
		assert.ErrorIs(t, err, apierror.ErrNotFound)
		_, err = e2eutil.Admin(t).Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: a2.Token})
		assert.ErrorIs(t, err, apierror.ErrNotFound, "a token of a deleted trust is no longer valid")
	})
}

func TestTrustExtraAttributes(t *testing.T) {
	f := newFixture(t)
	ctx := e2eutil.Ctx(t)
	_, trustor := login(t, f.trustor, auth.Scope{ProjectID: f.projectID})
	body := identityv3.TrustCreate{
		TrustorUserID: f.trustor.ID, TrusteeUserID: f.trustee.ID, ProjectID: nullable.NewNullableWithValue(f.projectID),
		Roles:                []identityv3.TrustRoleSelector{{ID: &f.memberID}},
		AdditionalProperties: map[string]any{"purpose": "e2e"},
	}
	if e2eutil.ReleaseIs(t, e2eutil.Epoxy) {
		// Epoxy stores the trust, then refuses its own answer; the trust goes
		// with its trustor at the end of the test.
		_, err := trustor.Raw().CreateTrustWithResponse(ctx, identityv3.CreateTrustJSONRequestBody{Trust: body})
		require.ErrorIs(t, err, apierror.ErrBadRequest)
		assert.ErrorContains(t, err, "'purpose' was unexpected")
		return
	}
	tr := createTrust(t, trustor, body)
	got, err := trustor.Raw().GetTrustWithResponse(ctx, tr.ID)
	assert.Equal(t, "e2e", e2eutil.Extra(t, e2eutil.OK(t, got, err).Body, "trust", "purpose"), "an extra attribute comes back")
}

func TestTrustRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := e2eutil.Ctx(t)
	_, trustor := login(t, f.trustor, auth.Scope{ProjectID: f.projectID})
	create := func(body identityv3.TrustCreate) error {
		_, err := trustor.Raw().CreateTrustWithResponse(ctx, identityv3.CreateTrustJSONRequestBody{Trust: body})
		return err
	}
	base := func() identityv3.TrustCreate {
		return identityv3.TrustCreate{TrustorUserID: f.trustor.ID, TrusteeUserID: f.trustee.ID,
			ProjectID: nullable.NewNullableWithValue(f.projectID), Roles: []identityv3.TrustRoleSelector{{Name: new("member")}}}
	}

	body := base()
	body.TrustorUserID = f.trustee.ID
	assert.ErrorIs(t, create(body), apierror.ErrForbidden, "the caller must be the trustor")

	body = base()
	body.Roles = []identityv3.TrustRoleSelector{{ID: &f.readerID}, {Name: new("admin")}}
	assert.ErrorIs(t, create(body), apierror.ErrNotFound, "the trustor does not hold admin on the project")

	body = base()
	body.AllowRedelegation = new(true)
	body.RemainingUses = new(2)
	assert.ErrorIs(t, create(body), apierror.ErrBadRequest, "remaining_uses and redelegation exclude each other")

	body = base()
	body.AllowRedelegation = new(true)
	body.RedelegationCount = new(99)
	assert.ErrorIs(t, create(body), apierror.ErrForbidden, "beyond [trust] max_redelegation_count")

	var apiErr *apierror.Error
	_, err := trustor.Raw().GetTrustWithResponse(ctx, "0123456789abcdef0123456789abcdef")
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
}

// raceAttempts bounds the retries of a request whose outcome depends on the
// delegation of its token. Keystone's AuthContextMiddleware keeps the token it
// validated on the middleware instance that every request thread shares
// (keystone/server/flask/request_processing/middleware/auth_context.py:
// fetch_token sets self.token, fill_context reads it back), so under
// concurrent load a request can take its delegation facts (is_delegated_auth,
// trust_id) from another request's token while its user and roles come from
// its own. A trust-scoped request then creates a plain trust, or a plain
// request is refused as delegated. Seen here with nothing but curl while other
// tests ran.
const raceAttempts = 5

func TestTrustRedelegation(t *testing.T) {
	f := newFixture(t)
	ctx := e2eutil.Ctx(t)
	admin := e2eutil.Admin(t)
	// Keystone checks the redelegating trustee's own roles on the project too.
	e2eutil.GrantProjectRole(t, admin, f.projectID, f.trustee.ID, f.memberID)
	third := e2eutil.User(t, admin, e2eutil.Prefix("third"))
	_, trustor := login(t, f.trustor, auth.Scope{ProjectID: f.projectID})

	// [trust] allow_redelegation is not enforced by this Keystone; the trust's
	// own allow_redelegation and redelegation_count decide.
	parent := createTrust(t, trustor, identityv3.TrustCreate{
		TrustorUserID: f.trustor.ID, TrusteeUserID: f.trustee.ID, ProjectID: nullable.NewNullableWithValue(f.projectID),
		Roles:             []identityv3.TrustRoleSelector{{Name: new("member")}},
		AllowRedelegation: new(true), RedelegationCount: new(2),
	})
	assert.Equal(t, 2, *parent.RedelegationCount)
	assert.Nil(t, parent.RemainingUses)

	_, trusteeViaTrust := login(t, f.trustee, auth.Scope{TrustID: parent.ID})
	var child identityv3.Trust
	for attempt := 1; attempt <= raceAttempts; attempt++ {
		child = createTrust(t, trusteeViaTrust, identityv3.TrustCreate{
			TrustorUserID: f.trustee.ID, TrusteeUserID: third.ID, ProjectID: nullable.NewNullableWithValue(f.projectID),
			Roles:             []identityv3.TrustRoleSelector{{Name: new("member")}},
			AllowRedelegation: new(true),
		})
		if child.RedelegatedTrustID != nil {
			break
		}
		t.Logf("attempt %d: Keystone took the trust-scoped request for a plain one (see raceAttempts); retrying", attempt)
		_, err := trusteeViaTrust.Raw().DeleteTrustWithResponse(ctx, child.ID)
		require.NoError(t, err)
	}
	require.NotNil(t, child.RedelegatedTrustID)
	assert.Equal(t, parent.ID, *child.RedelegatedTrustID)
	assert.Equal(t, 1, *child.RedelegationCount, "one level used")

	sess, _ := login(t, third, auth.Scope{TrustID: child.ID})
	a, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	require.NotNil(t, a.Body.OSTRUSTTrust)
	assert.Equal(t, child.ID, *a.Body.OSTRUSTTrust.ID)
	assert.Equal(t, third.ID, a.UserID())

	// A trust without allow_redelegation cannot be redelegated.
	fixed := createTrust(t, trustor, identityv3.TrustCreate{
		TrustorUserID: f.trustor.ID, TrusteeUserID: f.trustee.ID, ProjectID: nullable.NewNullableWithValue(f.projectID),
		Roles: []identityv3.TrustRoleSelector{{Name: new("member")}},
	})
	_, viaFixed := login(t, f.trustee, auth.Scope{TrustID: fixed.ID})
	for attempt := 1; attempt <= raceAttempts; attempt++ {
		var resp *identityv3.CreateTrustResponse
		resp, err = viaFixed.Raw().CreateTrustWithResponse(ctx, identityv3.CreateTrustJSONRequestBody{Trust: identityv3.TrustCreate{
			TrustorUserID: f.trustee.ID, TrusteeUserID: third.ID, ProjectID: nullable.NewNullableWithValue(f.projectID),
			Roles: []identityv3.TrustRoleSelector{{Name: new("member")}},
		}})
		if err != nil {
			break
		}
		t.Logf("attempt %d: Keystone took the trust-scoped request for a plain one (see raceAttempts); retrying", attempt)
		_, derr := viaFixed.Raw().DeleteTrustWithResponse(ctx, resp.JSON201.Trust.ID)
		require.NoError(t, derr)
	}
	assert.ErrorIs(t, err, apierror.ErrForbidden)

	// Deleting the parent deletes the redelegated trust with it.
	_, err = trustor.Raw().DeleteTrustWithResponse(ctx, parent.ID)
	require.NoError(t, err)
	_, err = trustor.Raw().GetTrustWithResponse(ctx, child.ID)
	assert.ErrorIs(t, err, apierror.ErrNotFound)
}
