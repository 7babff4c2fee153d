package oauth_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// OAuth 2.0 client credentials: an application credential's id and secret
// buy an access token that is a Keystone token.
func TestOAuth2ClientCredentials(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	project := e2eutil.Project(t, admin, e2eutil.Prefix("oauthproj"))
	user := e2eutil.User(t, admin, e2eutil.Prefix("oauthuser"))
	// A role of the test's own for the application credential. (It also
	// keeps the test clear of a Keystone-on-sqlite hazard: deleting a user
	// bulk-deletes its application credentials without their role rows, and
	// sqlite reuses the freed id, so the next credential with one of those
	// roles fails with 409 until the stale rows are gone.)
	role := e2eutil.Role(t, admin, e2eutil.Prefix("oauthrole"))
	e2eutil.GrantProjectRole(t, admin, project.ID, user.ID, role.ID)

	// Keystone lets only the owner create an application credential, with
	// its own project-scoped token.
	owner := e2eutil.Client(t, e2eutil.UserSession(t, user, auth.Scope{ProjectID: project.ID}))
	const secret = "oauth2-client-secret"
	clientID := e2eutil.ApplicationCredential(t, owner, user.ID, identityv3.ApplicationCredentialCreate{
		Name: e2eutil.Name(t, "oauth2"), Secret: nullable.NewNullableWithValue(secret),
		Roles: []identityv3.ApplicationCredentialRoleSelector{{ID: &role.ID}},
	}).ID

	anon := e2eutil.Anonymous(t)
	form := identityv3.IssueOAuth2TokenFormdataRequestBody{GrantType: identityv3.OAuth2GrantClientCredentials}
	resp, err := anon.IssueOAuth2TokenWithFormdataBodyWithResponse(ctx, form, basicAuth(clientID, secret))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), "%s", resp.Body)
	tok := resp.JSON200
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.Positive(t, tok.ExpiresIn)
	require.NotEmpty(t, tok.AccessToken)

	// The access token is a Keystone token of the credential's user and project.
	v, err := admin.Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: tok.AccessToken})
	require.NoError(t, err)
	body := v.JSON200.Token
	assert.Equal(t, []string{"application_credential"}, body.Methods)
	assert.Equal(t, &user.ID, body.User.ID)
	require.NotNil(t, body.Project)
	assert.Equal(t, &project.ID, body.Project.ID)
	require.NotNil(t, body.ApplicationCredential)
	assert.Equal(t, &clientID, body.ApplicationCredential.ID)
	var roles []string
	for _, r := range body.Roles {
		roles = append(roles, *r.ID)
	}
	assert.Contains(t, roles, role.ID, "the application credential's role")
	assert.WithinDuration(t, body.IssuedAt.Add(secondsOf(tok.ExpiresIn)), body.ExpiresAt.Time, 2*secondsOf(1),
		"expires_in is the token's lifetime")

	// And it works as X-Auth-Token.
	proj, err := anon.GetProjectWithResponse(ctx, project.ID, nil, e2eutil.WithToken(tok.AccessToken))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, proj.StatusCode())

	t.Run("errors", func(t *testing.T) {
		// Errors come in the OAuth 2.0 shape.
		bad, err := anon.IssueOAuth2TokenWithFormdataBodyWithResponse(ctx, form, basicAuth(clientID, "wrong"))
		require.NoError(t, err)
		require.Equal(t, http.StatusUnauthorized, bad.StatusCode())
		assert.Equal(t, "invalid_client", oauth2ErrorOf(t, bad.Body))
		assert.NotEmpty(t, bad.HTTPResponse.Header.Get("WWW-Authenticate"))

		bad, err = anon.IssueOAuth2TokenWithFormdataBodyWithResponse(ctx, form)
		require.NoError(t, err)
		require.Equal(t, http.StatusUnauthorized, bad.StatusCode(), "no client credentials")
		assert.Equal(t, "invalid_client", oauth2ErrorOf(t, bad.Body))

		bad, err = anon.IssueOAuth2TokenWithBodyWithResponse(ctx, "application/x-www-form-urlencoded",
			stringsReader("grant_type=password"), basicAuth(clientID, secret))
		require.NoError(t, err)
		require.Equal(t, http.StatusBadRequest, bad.StatusCode())
		assert.Equal(t, "unsupported_grant_type", oauth2ErrorOf(t, bad.Body))

		bad, err = anon.IssueOAuth2TokenWithBodyWithResponse(ctx, "application/x-www-form-urlencoded",
			stringsReader("scope=x"), basicAuth(clientID, secret))
		require.NoError(t, err)
		require.Equal(t, http.StatusBadRequest, bad.StatusCode())
		assert.Equal(t, "invalid_request", oauth2ErrorOf(t, bad.Body))

		// Through a session the answer is a typed error.
		_, err = admin.Raw().IssueOAuth2TokenWithFormdataBodyWithResponse(ctx, form, basicAuth(clientID, "wrong"))
		var apiErr *apierror.Error
		require.True(t, errors.As(err, &apiErr), "%v", err)
		assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
		assert.True(t, errors.Is(err, apierror.ErrUnauthorized))
		assert.Contains(t, apiErr.Error(), "invalid_client")
	})
}

// oauth2ErrorOf is the "error" of an OAuth 2.0 error answer (RFC 6749,
// 5.2), which the generated client, generated from the client-only view of
// the document, leaves undecoded in Body.
func oauth2ErrorOf(t *testing.T, body []byte) string {
	t.Helper()
	var answer struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &answer), "body: %s", body)
	return answer.Error
}
