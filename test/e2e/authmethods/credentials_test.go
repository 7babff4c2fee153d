package authmethods_test

import (
	"context"
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
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// newAppCred has the user create an application credential on the
// project with its own token (Keystone insists), with one access rule.
func newAppCred(t *testing.T, u user, p identityv3.Project) (identityv3.ApplicationCredential, *identity.Client) {
	t.Helper()
	sess, _ := access(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: u.ID, Password: u.Password, Scope: auth.Scope{ProjectID: p.ID}})
	c := e2eutil.Client(t, sess)
	ctx := e2eutil.Ctx(t)
	name, secret := e2eutil.Name(t, "ac"), "s-"+e2eutil.Name(t, "secret")
	resp, err := c.Raw().CreateApplicationCredentialWithResponse(ctx, u.ID, identityv3.CreateApplicationCredentialJSONRequestBody{
		ApplicationCredential: identityv3.ApplicationCredentialCreate{
			Name:   name,
			Secret: nullable.NewNullableWithValue(secret),
			Roles:  []identityv3.ApplicationCredentialRoleSelector{{Name: ptr("member")}},
			AccessRules: []identityv3.AccessRuleCreate{{Service: ptr("identity"),
				Method: ptr(identityv3.AccessRuleMethod("GET")), Path: ptr("/v3/auth/projects")}},
		},
	})
	var ac identityv3.ApplicationCredential
	if errors.Is(err, apierror.ErrConflict) {
		// Under load the test Keystone's sqlite can store a credential and
		// still answer 409 (its retried transaction meets the first
		// one's row): the name is unique to this test, so it is ours.
		list, lerr := c.Raw().ListApplicationCredentialsWithResponse(ctx, u.ID, &identityv3.ListApplicationCredentialsParams{Name: &name})
		require.NoError(t, lerr)
		require.Len(t, list.JSON200.ApplicationCredentials, 1, "after %v", err)
		ac = list.JSON200.ApplicationCredentials[0]
	} else {
		require.NoError(t, err)
		ac = resp.JSON201.ApplicationCredential
	}
	ac.Secret = &secret
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := c.Raw().DeleteApplicationCredentialWithResponse(ctx, u.ID, ac.ID)
		return ignoreNotFound(err)
	})
	return ac, c
}

func TestApplicationCredential(t *testing.T) {
	admin := e2eutil.Admin(t)
	u, p := memberOf(t, admin)
	ac, _ := newAppCred(t, u, p)

	for name, opts := range map[string]map[string]string{
		"by id":                      {"application_credential_id": ac.ID},
		"by name and user id":        {"application_credential_name": ac.Name, "user_id": u.ID},
		"by name, username, domain":  {"application_credential_name": ac.Name, "username": u.Name, "user_domain_id": "default"},
		"by name, username, dom. nm": {"application_credential_name": ac.Name, "username": u.Name, "user_domain_name": "Default"},
	} {
		t.Run(name, func(t *testing.T) {
			opts["auth_url"] = e2eutil.AuthURL()
			opts["application_credential_secret"] = *ac.Secret
			plugin, err := auth.NewPlugin("v3applicationcredential", opts)
			require.NoError(t, err)
			sess, a := access(t, plugin)
			checkFresh(t, a)
			assert.Equal(t, []string{"application_credential"}, a.Methods())
			assert.Equal(t, u.ID, a.UserID())
			assert.Equal(t, p.ID, a.ProjectID(), "scoped to the credential's project")
			assert.Equal(t, ac.ID, a.ApplicationCredentialID())
			assert.Equal(t, ac.Name, a.ApplicationCredentialName())
			assert.True(t, a.ApplicationCredentialRestricted(), "unrestricted was not asked for")
			rules := a.ApplicationCredentialAccessRules()
			require.Len(t, rules, 1)
			assert.Equal(t, "/v3/auth/projects", *rules[0].Path)
			assert.Equal(t, "identity", *rules[0].Service)
			assert.Contains(t, a.RoleNames(), "member")
			assert.Equal(t, []string{p.ID}, projectIDs(usable(t, sess)))
		})
	}

	_, err := e2eutil.Session(t, &auth.ApplicationCredential{AuthURL: e2eutil.AuthURL(), ID: ac.ID, Secret: "wrong"}).AccessInfo(e2eutil.Ctx(t))
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
}

func TestOAuth2ClientCredentialPlugin(t *testing.T) {
	admin := e2eutil.Admin(t)
	u, p := memberOf(t, admin)
	ac, _ := newAppCred(t, u, p)
	hc, ct := counted(t)

	plugin, err := auth.NewPlugin("v3oauth2clientcredential", map[string]string{"auth_url": e2eutil.AuthURL(),
		"oauth2_client_id": ac.ID, "oauth2_client_secret": *ac.Secret})
	require.NoError(t, err)
	sess := auth.New(plugin, auth.WithHTTPClient(hc))
	a, err := sess.AccessInfo(e2eutil.Ctx(t))
	require.NoError(t, err)
	checkFresh(t, a)
	assert.Zero(t, ct.tokens.Load(), "the token came from /v3/OS-OAUTH2/token, not /v3/auth/tokens")
	assert.Equal(t, []string{"application_credential"}, a.Methods())
	assert.Equal(t, u.ID, a.UserID())
	assert.Equal(t, p.ID, a.ProjectID())
	assert.Equal(t, ac.ID, a.ApplicationCredentialID())
	assert.True(t, a.HasServiceCatalog(), "the body was read back with GET /v3/auth/tokens")
	assert.Empty(t, a.OAuth2CredentialThumbprint(), "no mutual TLS here")
	// Keystone takes the token (sent as X-Auth-Token and as Bearer).
	assert.Equal(t, []string{p.ID}, projectIDs(usable(t, sess)))

	_, err = e2eutil.Session(t, &auth.OAuth2ClientCredential{AuthURL: e2eutil.AuthURL(), ClientID: ac.ID, ClientSecret: "wrong"}).AccessInfo(e2eutil.Ctx(t))
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
}

func TestTOTPPlugin(t *testing.T) {
	admin := e2eutil.Admin(t)
	u, p := memberOf(t, admin)
	secret := createTOTP(t, admin, u.ID)

	// A generator gives a new code at each authentication; a renewal within
	// the 30 seconds of the last code waits for the next one.
	sess, a := access(t, &auth.TOTP{AuthURL: e2eutil.AuthURL(), UserID: u.ID, PasscodeFunc: auth.TOTPGenerator(secret),
		Scope: auth.Scope{ProjectID: p.ID}})
	checkFresh(t, a)
	assert.Equal(t, []string{"totp"}, a.Methods())
	assert.Equal(t, u.ID, a.UserID())
	assert.Equal(t, p.ID, a.ProjectID())
	sess.Invalidate()
	b, err := sess.AccessInfo(e2eutil.Ctx(t))
	require.NoError(t, err)
	assert.NotEqual(t, a.Token, b.Token)

	// From options, with a code computed now, for a user whose codes are all
	// unused.
	u2, p2 := memberOf(t, admin)
	code, err := auth.TOTPPasscode(createTOTP(t, admin, u2.ID), time.Now())
	require.NoError(t, err)
	options := map[string]string{"auth_url": e2eutil.AuthURL(), "username": u2.Name,
		"user_domain_id": "default", "passcode": code, "project_name": p2.Name, "project_domain_id": "default"}
	plugin, err := auth.NewPlugin("v3totp", options)
	require.NoError(t, err)
	_, c := access(t, plugin)
	assert.Equal(t, []string{"totp"}, c.Methods())
	assert.Equal(t, p2.Name, c.ProjectName())

	// The same code again: Keystone 30 refuses a code it has seen (OSSN-0109);
	// the older releases take it for as long as it is valid.
	_, err = e2eutil.Session(t, plugin).AccessInfo(e2eutil.Ctx(t))
	if e2eutil.ReleaseAtLeast(t, e2eutil.Latest) {
		assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "a replayed code: %v", err)
	} else {
		assert.NoError(t, err, "a code is good for its whole window")
	}

	// A wrong code is refused.
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err = e2eutil.Session(t, &auth.TOTP{AuthURL: e2eutil.AuthURL(), UserID: u.ID, Passcode: wrong}).AccessInfo(e2eutil.Ctx(t))
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
}

// mfaUser is a user whose MFA rules ask for password and totp, with a
// member role on a project of its own and a TOTP secret. Each use of a TOTP
// code gets a user of its own: since Keystone 30 a code works once.
type mfaUser struct {
	user
	project  identityv3.Project
	password *auth.PasswordMethod
	totp     *auth.TOTPMethod
	secret   string
}

func newMFAUser(t *testing.T, admin *identity.Client) mfaUser {
	t.Helper()
	u := newUser(t, admin, &identityv3.UserOptions{
		MultiFactorAuthEnabled: ptr(true),
		MultiFactorAuthRules:   [][]string{{"password", "totp"}},
	})
	p := e2eutil.Project(t, admin, e2eutil.Prefix("amp"))
	e2eutil.GrantProjectRole(t, admin, p.ID, u.ID, e2eutil.RoleID(t, admin, "member"))
	secret := createTOTP(t, admin, u.ID)
	return mfaUser{user: u, project: p, secret: secret,
		password: &auth.PasswordMethod{UserID: u.ID, Password: u.Password},
		totp:     &auth.TOTPMethod{UserID: u.ID, PasscodeFunc: auth.TOTPGenerator(secret)}}
}

// receipt tries the password alone, which gets a receipt: a typed error
// that says what is missing.
func (m mfaUser) receipt(t *testing.T) *auth.MissingAuthMethodsError {
	t.Helper()
	_, err := e2eutil.Session(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: m.ID, Password: m.Password}).AccessInfo(e2eutil.Ctx(t))
	require.Error(t, err)
	var more *auth.MissingAuthMethodsError
	require.True(t, errors.As(err, &more), "%v", err)
	assert.True(t, errors.Is(err, apierror.ErrMissingAuthMethods))
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized))
	assert.NotEmpty(t, more.Receipt)
	assert.Equal(t, []string{"password"}, more.Methods)
	assert.Equal(t, [][]string{{"totp"}}, more.Missing())
	return more
}

func TestMultiFactorWithReceipt(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	t.Run("the plugin completes the receipt flow with totp", func(t *testing.T) {
		m := newMFAUser(t, admin)
		m.receipt(t)
		httpClient, ct := counted(t)
		sess := auth.New(&auth.MultiFactor{AuthURL: e2eutil.AuthURL(), Methods: []auth.Method{m.password},
			Additional: []auth.Method{m.totp}, Scope: auth.Scope{ProjectID: m.project.ID}}, auth.WithHTTPClient(httpClient))
		a, err := sess.AccessInfo(ctx)
		require.NoError(t, err)
		checkFresh(t, a)
		assert.ElementsMatch(t, []string{"password", "totp"}, a.Methods())
		assert.Equal(t, m.project.ID, a.ProjectID())
		assert.EqualValues(t, 2, ct.tokens.Load(), "password, then the receipt with totp")
		assert.Equal(t, []string{m.project.ID}, projectIDs(usable(t, sess)))
	})

	t.Run("both methods in one request", func(t *testing.T) {
		m := newMFAUser(t, admin)
		httpClient, ct := counted(t)
		code, err := auth.TOTPPasscode(m.secret, time.Now())
		require.NoError(t, err)
		plugin, err := auth.NewPlugin("v3multifactor", map[string]string{"auth_url": e2eutil.AuthURL(),
			"auth_methods": "v3password,v3totp", "user_id": m.ID, "password": m.Password, "passcode": code})
		require.NoError(t, err)
		a, err := auth.New(plugin, auth.WithHTTPClient(httpClient)).AccessInfo(ctx)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"password", "totp"}, a.Methods())
		assert.EqualValues(t, 1, ct.tokens.Load())
	})

	t.Run("continuing with a receipt", func(t *testing.T) {
		m := newMFAUser(t, admin)
		more := m.receipt(t)
		_, a := access(t, &auth.MultiFactor{AuthURL: e2eutil.AuthURL(), Receipt: more.Receipt, Methods: []auth.Method{m.totp}})
		assert.ElementsMatch(t, []string{"password", "totp"}, a.Methods())
		assert.Equal(t, m.ID, a.UserID())
	})

	t.Run("without the second factor", func(t *testing.T) {
		m := newMFAUser(t, admin)
		_, err := e2eutil.Session(t, &auth.MultiFactor{AuthURL: e2eutil.AuthURL(), Methods: []auth.Method{m.password}}).AccessInfo(ctx)
		var again *auth.MissingAuthMethodsError
		require.True(t, errors.As(err, &again), "%v", err)
		assert.Equal(t, [][]string{{"totp"}}, again.Missing())
	})
}

func TestOAuth1Plugin(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	adminAccess, err := admin.Session().AccessInfo(ctx)
	require.NoError(t, err)
	p := e2eutil.Project(t, admin, e2eutil.Prefix("amp"))
	// The authorizing user (the admin) must hold the delegated role.
	e2eutil.GrantProjectRole(t, admin, p.ID, adminAccess.UserID(), e2eutil.RoleID(t, admin, "member"))
	consumer, at := oauth1AccessToken(t, admin, p.ID)

	plugin, err := auth.NewPlugin("v3oauth1", map[string]string{"auth_url": e2eutil.AuthURL(),
		"consumer_key": consumer.ID, "consumer_secret": *consumer.Secret, "access_key": at.Key, "access_secret": at.Secret})
	require.NoError(t, err)
	sess, a := access(t, plugin)
	checkFresh(t, a)
	assert.Equal(t, []string{"oauth1"}, a.Methods())
	assert.Equal(t, adminAccess.UserID(), a.UserID())
	assert.Equal(t, p.ID, a.ProjectID(), "scoped to the project the request token was for")
	assert.Equal(t, at.Key, a.OAuthAccessTokenID())
	assert.Equal(t, consumer.ID, a.OAuthConsumerID())
	assert.Contains(t, a.RoleNames(), "member")
	assert.NotContains(t, a.RoleNames(), "admin", "only the delegated role")
	resp, err := e2eutil.Client(t, sess).Raw().GetProjectWithResponse(ctx, p.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode())

	// A wrong secret breaks the signature.
	_, err = e2eutil.Session(t, &auth.OAuth1{AuthURL: e2eutil.AuthURL(), ConsumerKey: consumer.ID, ConsumerSecret: *consumer.Secret,
		AccessKey: at.Key, AccessSecret: at.Secret + "x"}).AccessInfo(ctx)
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "%v", err)
}
