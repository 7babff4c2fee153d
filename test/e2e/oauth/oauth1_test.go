package oauth_test

import (
	"errors"
	"mime"
	"net/http"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/oauth1"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func TestOAuth1Consumers(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	created, err := admin.Raw().CreateOAuth1ConsumerWithResponse(ctx, identityv3.CreateOAuth1ConsumerJSONRequestBody{
		Consumer: identityv3.OAuth1ConsumerCreate{
			Description:          nullable.NewNullableWithValue("e2e consumer"),
			AdditionalProperties: map[string]any{"owner": "e2e"},
		},
	})
	c := e2eutil.Created(t, created, err).JSON201.Consumer
	e2eutil.DeleteLater(t, admin.Raw().DeleteOAuth1ConsumerWithResponse, c.ID)
	require.NotNil(t, c.Secret, "the secret comes with the creation answer")
	assert.Regexp(t, `^[0-9a-f]{32}$`, c.ID)
	assert.Equal(t, new("e2e consumer"), c.Description)
	assert.Contains(t, string(created.Body), `"owner": "e2e"`, "extra attributes are kept")

	got, err := admin.Raw().GetOAuth1ConsumerWithResponse(ctx, c.ID)
	require.NoError(t, err)
	assert.Nil(t, got.JSON200.Consumer.Secret, "the secret is never shown again")
	assert.Equal(t, c.Description, got.JSON200.Consumer.Description)

	list, err := admin.Raw().ListOAuth1ConsumersWithResponse(ctx)
	require.NoError(t, err)
	var listed bool
	for _, x := range list.JSON200.Consumers {
		listed = listed || x.ID == c.ID
		assert.Nil(t, x.Secret)
	}
	assert.True(t, listed)

	upd, err := admin.Raw().UpdateOAuth1ConsumerWithResponse(ctx, c.ID, identityv3.UpdateOAuth1ConsumerJSONRequestBody{
		Consumer: identityv3.OAuth1ConsumerUpdate{Description: nullableString("patched")},
	})
	require.NoError(t, err)
	assert.Equal(t, new("patched"), upd.JSON200.Consumer.Description)

	// The secret cannot be changed.
	_, err = admin.Raw().UpdateOAuth1ConsumerWithBodyWithResponse(ctx, c.ID, "application/json",
		stringsReader(`{"consumer":{"secret":"mine"}}`))
	assert.True(t, errors.Is(err, apierror.ErrBadRequest), "%v", err)

	_, err = admin.Raw().DeleteOAuth1ConsumerWithResponse(ctx, c.ID)
	require.NoError(t, err)
	_, err = admin.Raw().GetOAuth1ConsumerWithResponse(ctx, c.ID)
	assert.True(t, errors.Is(err, apierror.ErrNotFound), "%v", err)
}

// The three-legged OAuth1 flow against Keystone, every leg signed by
// pkg/oauth1: request token, authorization by the admin, access token, and a
// Keystone token issued with the oauth1 method.
func TestOAuth1ThreeLegged(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	access, err := admin.Session().AccessInfo(ctx)
	require.NoError(t, err)
	adminID := access.UserID()
	project := e2eutil.Project(t, admin, e2eutil.Prefix("oauthproj"))
	member, adminRole := e2eutil.RoleID(t, admin, "member"), e2eutil.RoleID(t, admin, "admin")
	// The authorizing user must itself hold the roles it delegates.
	e2eutil.GrantProjectRole(t, admin, project.ID, adminID, member)

	created, err := admin.Raw().CreateOAuth1ConsumerWithResponse(ctx, identityv3.CreateOAuth1ConsumerJSONRequestBody{
		Consumer: identityv3.OAuth1ConsumerCreate{Description: nullable.NewNullableWithValue("three-legged")},
	})
	require.NoError(t, err)
	consumer := created.JSON201.Consumer
	e2eutil.DeleteLater(t, admin.Raw().DeleteOAuth1ConsumerWithResponse, consumer.ID)
	secret := *consumer.Secret
	anon := e2eutil.Anonymous(t)

	// Leg 1: a request token for the project, signed by the consumer alone.
	s := &oauth1.Signer{ConsumerKey: consumer.ID, ConsumerSecret: secret, Callback: "oob"}
	rt, err := anon.CreateOAuth1RequestTokenWithResponse(ctx,
		&identityv3.CreateOAuth1RequestTokenParams{RequestedProjectID: project.ID}, s.EditRequest)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, rt.StatusCode(), "%s", rt.Body)
	ct, _, err := mime.ParseMediaType(rt.HTTPResponse.Header.Get("Content-Type"))
	require.NoError(t, err)
	assert.Equal(t, "application/x-www-form-urlencoded", ct)
	requestToken, err := oauth1.ParseTokenResponse(rt.Body)
	require.NoError(t, err)
	assert.True(t, requestToken.ExpiresAt.After(time.Now()), "a request token expires in the future")

	// A wrong consumer secret makes a bad signature.
	bad := &oauth1.Signer{ConsumerKey: consumer.ID, ConsumerSecret: secret + "x", Callback: "oob"}
	r, err := anon.CreateOAuth1RequestTokenWithResponse(ctx,
		&identityv3.CreateOAuth1RequestTokenParams{RequestedProjectID: project.ID}, bad.EditRequest)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, r.StatusCode())

	// Leg 2: the admin authorizes it, with a role it holds on the project;
	// one it does not hold there is refused.
	_, err = admin.Raw().AuthorizeOAuth1RequestTokenWithResponse(ctx, requestToken.Key, identityv3.AuthorizeOAuth1RequestTokenJSONRequestBody{
		Roles: []identityv3.OAuth1RoleSelector{{ID: &adminRole}},
	})
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
	authz, err := admin.Raw().AuthorizeOAuth1RequestTokenWithResponse(ctx, requestToken.Key, identityv3.AuthorizeOAuth1RequestTokenJSONRequestBody{
		Roles: []identityv3.OAuth1RoleSelector{{Name: new("member")}},
	})
	require.NoError(t, err)
	verifier := authz.JSON200.Token.OauthVerifier
	assert.Len(t, verifier, 8)

	// Leg 3: the request token and verifier become an access token.
	s = &oauth1.Signer{ConsumerKey: consumer.ID, ConsumerSecret: secret,
		Token: requestToken.Key, TokenSecret: requestToken.Secret, Verifier: verifier}
	at, err := anon.CreateOAuth1AccessTokenWithResponse(ctx, s.EditRequest)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, at.StatusCode(), "%s", at.Body)
	accessToken, err := oauth1.ParseTokenResponse(at.Body)
	require.NoError(t, err)
	assert.NotEqual(t, requestToken.Key, accessToken.Key)
	// The request token is used up.
	again, err := anon.CreateOAuth1AccessTokenWithResponse(ctx, s.EditRequest)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, again.StatusCode())

	// A Keystone token with the oauth1 method, signed with the access token.
	s = &oauth1.Signer{ConsumerKey: consumer.ID, ConsumerSecret: secret,
		Token: accessToken.Key, TokenSecret: accessToken.Secret}
	issue := func() *identityv3.IssueTokenResponse {
		t.Helper()
		// Keystone wants "oauth1": {} in identity (400 without it), and the
		// generated AuthIdentity drops an empty Oauth1 map (omitempty), so
		// the body is written out here.
		resp, err := anon.IssueTokenWithBodyWithResponse(ctx, nil, "application/json",
			stringsReader(`{"auth":{"identity":{"methods":["oauth1"],"oauth1":{}}}}`), s.EditRequest)
		require.NoError(t, err)
		return resp
	}
	tr := issue()
	require.Equal(t, http.StatusCreated, tr.StatusCode(), "%s", tr.Body)
	oauthToken := tr.HTTPResponse.Header.Get("X-Subject-Token")
	require.NotEmpty(t, oauthToken)
	tok := tr.JSON201.Token
	assert.Equal(t, []string{"oauth1"}, tok.Methods)
	assert.Equal(t, &adminID, tok.User.ID)
	require.NotNil(t, tok.Project)
	assert.Equal(t, &project.ID, tok.Project.ID, "scoped to the requested project")
	var roles []string
	for _, r := range tok.Roles {
		roles = append(roles, *r.Name)
	}
	assert.Contains(t, roles, "member")
	assert.NotContains(t, roles, "admin", "only the delegated role (and those it implies)")
	require.NotNil(t, tok.OSOAUTH1)
	assert.Equal(t, &accessToken.Key, tok.OSOAUTH1.AccessTokenID)
	assert.Equal(t, &consumer.ID, tok.OSOAUTH1.ConsumerID)

	// The token works, and validates with its OAuth1 section.
	proj, err := anon.GetProjectWithResponse(ctx, project.ID, nil, e2eutil.WithToken(oauthToken))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, proj.StatusCode())
	v, err := admin.Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: oauthToken})
	require.NoError(t, err)
	require.NotNil(t, v.JSON200.Token.OSOAUTH1)
	assert.Equal(t, &accessToken.Key, v.JSON200.Token.OSOAUTH1.AccessTokenID)

	// The same through a session with the oauth1 auth plugin (which signs
	// with pkg/oauth1 too).
	sess := e2eutil.Session(t, &auth.OAuth1{AuthURL: e2eutil.AuthURL(), ConsumerKey: consumer.ID,
		ConsumerSecret: secret, AccessKey: accessToken.Key, AccessSecret: accessToken.Secret})
	a, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, project.ID, a.ProjectID())
	assert.Equal(t, []string{"oauth1"}, a.Methods())
	require.NotNil(t, a.Body.OSOAUTH1)
	assert.Equal(t, &accessToken.Key, a.Body.OSOAUTH1.AccessTokenID)

	// The admin's access tokens, and the roles this one delegates.
	list, err := admin.Raw().ListOAuth1AccessTokensWithResponse(ctx, adminID)
	require.NoError(t, err)
	var found *identityv3.OAuth1AccessToken
	for i, x := range list.JSON200.AccessTokens {
		if x.ID == accessToken.Key {
			found = &list.JSON200.AccessTokens[i]
		}
	}
	require.NotNil(t, found, "the access token is listed")
	assert.Equal(t, consumer.ID, found.ConsumerID)
	assert.Equal(t, project.ID, found.ProjectID)
	assert.Equal(t, adminID, found.AuthorizingUserID)
	require.NotNil(t, found.ExpiresAt)
	assert.WithinDuration(t, accessToken.ExpiresAt, found.ExpiresAt.Time, time.Second)

	one, err := admin.Raw().GetOAuth1AccessTokenWithResponse(ctx, adminID, accessToken.Key)
	require.NoError(t, err)
	assert.Equal(t, *found, one.JSON200.AccessToken)

	rl, err := admin.Raw().ListOAuth1AccessTokenRolesWithResponse(ctx, adminID, accessToken.Key)
	require.NoError(t, err)
	require.Len(t, rl.JSON200.Roles, 1)
	assert.Equal(t, member, rl.JSON200.Roles[0].ID)
	assert.Equal(t, "member", rl.JSON200.Roles[0].Name)
	role, err := admin.Raw().GetOAuth1AccessTokenRoleWithResponse(ctx, adminID, accessToken.Key, member)
	require.NoError(t, err)
	assert.Equal(t, "member", role.JSON200.Role.Name)
	_, err = admin.Raw().GetOAuth1AccessTokenRoleWithResponse(ctx, adminID, accessToken.Key, adminRole)
	assert.True(t, errors.Is(err, apierror.ErrNotFound), "a role the token does not delegate: %v", err)

	// Revoking the access token ends its use.
	del, err := admin.Raw().DeleteOAuth1AccessTokenWithResponse(ctx, adminID, accessToken.Key)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, del.StatusCode())
	_, err = admin.Raw().GetOAuth1AccessTokenWithResponse(ctx, adminID, accessToken.Key)
	assert.True(t, errors.Is(err, apierror.ErrNotFound), "%v", err)
	assert.Equal(t, http.StatusNotFound, issue().StatusCode(), "a revoked access token signs no more tokens")
	_, err = admin.Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: oauthToken})
	assert.True(t, errors.Is(err, apierror.ErrNotFound), "the tokens it signed are revoked with it: %v", err)
}
