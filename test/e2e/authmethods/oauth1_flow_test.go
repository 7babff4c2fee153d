package authmethods_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/oauth1"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// oauth1AccessToken runs the three-legged OS-OAUTH1 flow for the admin on
// project: a consumer, a request token signed by it, the admin's
// authorization (member role), and the access token.
func oauth1AccessToken(t *testing.T, admin *identity.Client, projectID string) (identityv3.OAuth1Consumer, oauth1.Token) {
	t.Helper()
	ctx := e2eutil.Ctx(t)
	created, err := admin.Raw().CreateOAuth1ConsumerWithResponse(ctx, identityv3.CreateOAuth1ConsumerJSONRequestBody{
		Consumer: identityv3.OAuth1ConsumerCreate{Description: nullable.NewNullableWithValue("authmethods")},
	})
	require.NoError(t, err)
	consumer := created.JSON201.Consumer
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteOAuth1ConsumerWithResponse(ctx, consumer.ID)
		return ignoreNotFound(err)
	})
	// The OAuth1 legs are signed rather than token-authenticated; the
	// client sends them without a token, and the signer sees the URL the
	// request goes to.
	s := &oauth1.Signer{ConsumerKey: consumer.ID, ConsumerSecret: *consumer.Secret, Callback: "oob"}
	rt, err := admin.Raw().CreateOAuth1RequestTokenWithResponse(ctx,
		&identityv3.CreateOAuth1RequestTokenParams{RequestedProjectID: projectID}, s.EditRequest)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, rt.StatusCode(), "%s", rt.Body)
	request, err := oauth1.ParseTokenResponse(rt.Body)
	require.NoError(t, err)

	authz, err := admin.Raw().AuthorizeOAuth1RequestTokenWithResponse(ctx, request.Key, identityv3.AuthorizeOAuth1RequestTokenJSONRequestBody{
		Roles: []identityv3.OAuth1RoleSelector{{Name: ptr("member")}},
	})
	require.NoError(t, err)

	s = &oauth1.Signer{ConsumerKey: consumer.ID, ConsumerSecret: *consumer.Secret,
		Token: request.Key, TokenSecret: request.Secret, Verifier: authz.JSON200.Token.OauthVerifier}
	at, err := admin.Raw().CreateOAuth1AccessTokenWithResponse(ctx, s.EditRequest)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, at.StatusCode(), "%s", at.Body)
	access, err := oauth1.ParseTokenResponse(at.Body)
	require.NoError(t, err)
	adminAccess, err := admin.Session().AccessInfo(ctx)
	require.NoError(t, err)
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteOAuth1AccessTokenWithResponse(ctx, adminAccess.UserID(), access.Key)
		return ignoreNotFound(err)
	})
	return consumer, access
}
