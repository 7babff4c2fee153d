package secrets_test

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func random(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func ignoreNotFound(err error) error {
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	return err
}

// TestDebugLogNeverShowsSecrets makes real calls that carry every kind of
// secret Keystone handles (passwords, a password change, tokens, token
// validation, an application credential's secret, a TOTP seed and passcode,
// an EC2 secret, a failed login), all through sessions that log every
// request and answer at debug level into one buffer; then it looks for each
// secret in the log.
func TestDebugLogNeverShowsSecrets(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	logger, log := e2eutil.DebugLogger()
	var secrets []string // every secret of the run, looked for in the log at the end
	keep := func(s ...string) { secrets = append(secrets, s...) }

	adminSess := e2eutil.SessionWithLogger(t, e2eutil.AdminPlugin(), logger)
	admin := e2eutil.Client(t, adminSess)
	adminToken, err := adminSess.Token(ctx)
	require.NoError(t, err)
	keep(adminToken)
	if pw := e2eutil.AdminPassword(); len(pw) >= 10 {
		keep(pw) // a short one ("secret") is also a word the log uses
	}

	// A project and a user with a password and the member role on it.
	proj, err := admin.Raw().CreateProjectWithResponse(ctx, identityv3.CreateProjectJSONRequestBody{
		Project: identityv3.ProjectCreate{Name: e2eutil.Name(t, "secrets")}})
	require.NoError(t, err)
	projectID := proj.JSON201.Project.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteProjectWithResponse(ctx, projectID)
		return ignoreNotFound(err)
	})
	password := random("pw1-")
	keep(password)
	user, err := admin.Raw().CreateUserWithResponse(ctx, identityv3.CreateUserJSONRequestBody{
		User: identityv3.UserCreate{Name: e2eutil.Name(t, "secrets"), Password: nullable.NewNullableWithValue(password), DefaultProjectID: nullable.NewNullableWithValue(projectID)}})
	require.NoError(t, err)
	userID := user.JSON201.User.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteUserWithResponse(ctx, userID)
		return ignoreNotFound(err)
	})
	member := "member"
	roles, err := admin.Raw().ListRolesWithResponse(ctx, &identityv3.ListRolesParams{Name: &member})
	require.NoError(t, err)
	require.Len(t, roles.JSON200.Roles, 1)
	_, err = admin.Raw().GrantProjectUserRoleWithResponse(ctx, projectID, userID, roles.JSON200.Roles[0].ID)
	require.NoError(t, err)
	// A role of this test's own for the application credential: Keystone on
	// sqlite without the cascade triggers hack/keystone-up.sh now installs
	// left the role rows of bulk-deleted application credentials behind
	// under ids it reuses, and a credential with the member role could then
	// fail with 409. A fresh role cannot collide with such a row, and the
	// credential is deleted on its own below (which removes its role rows).
	role, err := admin.Raw().CreateRoleWithResponse(ctx, identityv3.CreateRoleJSONRequestBody{
		Role: identityv3.RoleCreate{Name: e2eutil.Name(t, "secrets")}})
	require.NoError(t, err)
	roleID := role.JSON201.Role.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteRoleWithResponse(ctx, roleID)
		return ignoreNotFound(err)
	})
	_, err = admin.Raw().GrantProjectUserRoleWithResponse(ctx, projectID, userID, roleID)
	require.NoError(t, err)

	// Password authentication, and the admin validating the user's token.
	userSess := e2eutil.SessionWithLogger(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: userID,
		Password: password, Scope: auth.Scope{ProjectID: projectID}}, logger)
	userClient := e2eutil.Client(t, userSess)
	userToken, err := userSess.Token(ctx)
	require.NoError(t, err)
	keep(userToken)
	valid, err := admin.Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: userToken})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, valid.StatusCode())
	assert.Equal(t, userID, *valid.JSON200.Token.User.ID)

	// An application credential with a secret of the caller's, and a token
	// from it.
	acSecret := random("acs-")
	keep(acSecret)
	ac, err := userClient.Raw().CreateApplicationCredentialWithResponse(ctx, userID, identityv3.CreateApplicationCredentialJSONRequestBody{
		ApplicationCredential: identityv3.ApplicationCredentialCreate{Name: e2eutil.Name(t, "ac"), Secret: nullable.NewNullableWithValue(acSecret),
			Roles: []identityv3.ApplicationCredentialRoleSelector{{ID: &roleID}}}})
	require.NoError(t, err)
	require.NotNil(t, ac.JSON201)
	acID := ac.JSON201.ApplicationCredential.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteApplicationCredentialWithResponse(ctx, userID, acID)
		return ignoreNotFound(err)
	})
	acSess := e2eutil.SessionWithLogger(t, &auth.ApplicationCredential{AuthURL: e2eutil.AuthURL(),
		ID: acID, Secret: acSecret}, logger)
	acToken, err := acSess.Token(ctx)
	require.NoError(t, err)
	keep(acToken)
	_, err = e2eutil.Client(t, acSess).Raw().ListAuthProjectsWithResponse(ctx)
	require.NoError(t, err)

	// A TOTP credential: its blob is the seed; then a login with a passcode.
	var seedBytes [20]byte
	_, _ = rand.Read(seedBytes[:])
	seed := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(seedBytes[:])
	keep(seed)
	totpCred, err := admin.Raw().CreateCredentialWithResponse(ctx, identityv3.CreateCredentialJSONRequestBody{
		Credential: identityv3.CredentialCreate{Type: "totp", UserID: userID, Blob: seed}})
	require.NoError(t, err)
	credID := totpCred.JSON201.Credential.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteCredentialWithResponse(ctx, credID)
		return ignoreNotFound(err)
	})
	passcode, err := totp.GenerateCodeCustom(seed, time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	require.NoError(t, err)
	totpSess := e2eutil.SessionWithLogger(t, &auth.TOTP{AuthURL: e2eutil.AuthURL(), UserID: userID, Passcode: passcode,
		Scope: auth.Scope{ProjectID: projectID}}, logger)
	totpToken, err := totpSess.Token(ctx)
	require.NoError(t, err)
	keep(totpToken)

	// An EC2 credential, whose blob holds a secret inside a JSON string.
	ec2Secret := random("ec2s-")
	keep(ec2Secret)
	blob, _ := json.Marshal(map[string]string{"access": random("ak-"), "secret": ec2Secret})
	ec2, err := admin.Raw().CreateCredentialWithResponse(ctx, identityv3.CreateCredentialJSONRequestBody{
		Credential: identityv3.CredentialCreate{Type: "ec2", UserID: userID, ProjectID: &projectID, Blob: string(blob)}})
	require.NoError(t, err)
	ec2ID := ec2.JSON201.Credential.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteCredentialWithResponse(ctx, ec2ID)
		return ignoreNotFound(err)
	})
	got, err := admin.Raw().GetCredentialWithResponse(ctx, ec2ID)
	require.NoError(t, err)
	require.Contains(t, got.JSON200.Credential.Blob, ec2Secret, "Keystone gives the blob back: the log must not")

	// A failed login (wrong password), then a password change and a login
	// with the new one.
	wrong := random("wrong-")
	keep(wrong)
	_, err = e2eutil.SessionWithLogger(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: userID, Password: wrong}, logger).Token(ctx)
	require.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
	newPassword := random("pw2-")
	keep(newPassword)
	_, err = userClient.Raw().ChangeUserPasswordWithResponse(ctx, userID, identityv3.ChangeUserPasswordJSONRequestBody{
		User: identityv3.UserPasswordChange{OriginalPassword: password, Password: newPassword}})
	require.NoError(t, err)
	again := e2eutil.SessionWithLogger(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: userID,
		Password: newPassword, Scope: auth.Scope{ProjectID: projectID}}, logger)
	newToken, err := again.Token(ctx)
	require.NoError(t, err)
	keep(newToken)

	out := log.String()
	// The log really is there and really is detailed, so that its silence
	// about the secrets means something.
	for _, want := range []string{`"msg":"http request"`, `"msg":"http response"`, "/v3/auth/tokens",
		`"X-Auth-Token":"{SHA256}`, `"X-Subject-Token":"{SHA256}`, `\"password\":\"***\"`, `\"secret\":\"***\"`,
		`\"blob\":\"***\"`, `\"passcode\":\"***\"`, `\"original_password\":\"***\"`, `\"catalog\":\"<removed>\"`,
		`"status":401`, "/application_credentials", "/v3/credentials"} {
		assert.True(t, strings.Contains(out, want), "the debug log lacks %s", want)
	}
	for _, s := range secrets {
		require.GreaterOrEqual(t, len(s), 8)
		assert.False(t, strings.Contains(out, s), "a secret (%.6s…) appears in the debug log", s)
	}
	// A passcode is six digits: look for it where it could stand as a value.
	for _, form := range []string{`"` + passcode + `"`, `\"` + passcode + `\"`, "=" + passcode} {
		assert.False(t, strings.Contains(out, form), "the TOTP passcode appears in the debug log")
	}
	t.Logf("%d secrets checked against %d lines of debug log", len(secrets), strings.Count(out, "\n"))
}

// Keystone's validation errors quote the request they refuse ("On
// instance: {'password': ...}"); the error the caller gets, and what the
// session logs of it, show no secret of the request.
func TestErrorsNeverQuoteTheRequestSecrets(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	admin := e2eutil.Admin(t)
	password := random("pw-")
	body, err := json.Marshal(map[string]any{"user": map[string]any{"password": password, "enabled": true}}) // no name
	require.NoError(t, err)
	_, err = admin.Raw().CreateUserWithBodyWithResponse(ctx, "application/json", strings.NewReader(string(body)))
	require.ErrorIs(t, err, apierror.ErrBadRequest)
	var apiErr *apierror.Error
	require.True(t, errors.As(err, &apiErr))
	assert.Contains(t, apiErr.Message, "'name' is a required property", "Keystone's validation message")
	// Zed quotes it after "On instance", later releases after "Value:".
	assert.Contains(t, apiErr.Message, "'password': ", "Keystone quotes the request")
	assert.NotContains(t, err.Error(), password)
}
