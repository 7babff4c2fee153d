package v2_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

func TestEC2CredentialsAndEC2Tokens(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	tenant := e.ks.AddTenant("ec2")
	nora := e.ks.AddUser("nora", "nora-pw", tenant)
	e.ks.AddUser("oscar", "oscar-pw", tenant)
	own := e.client(t, e.login(t, "nora", "nora-pw", "ec2").Token.ID)
	oscar := e.client(t, e.login(t, "oscar", "oscar-pw", "ec2").Token.ID)

	// A user manages its own credentials; an admin anyone's.
	created, err := own.CreateEC2CredentialWithResponse(ctx, nora, identityv2.EC2CredentialCreate{TenantID: tenant})
	requireStatus(t, http.StatusOK, created, err)
	cred := created.JSON200.Credential
	assert.Equal(t, nora, *cred.UserID)
	assert.Equal(t, tenant, *cred.TenantID)
	require.NotEmpty(t, cred.Secret)

	byAdmin, err := e.admin.CreateEC2CredentialWithResponse(ctx, nora, identityv2.EC2CredentialCreate{TenantID: tenant})
	requireStatus(t, http.StatusOK, byAdmin, err)
	denied, err := oscar.CreateEC2CredentialWithResponse(ctx, nora, identityv2.EC2CredentialCreate{TenantID: tenant})
	requireStatus(t, http.StatusForbidden, denied, err)
	noTenant, err := own.CreateEC2CredentialWithResponse(ctx, nora, identityv2.EC2CredentialCreate{TenantID: "nope"})
	requireStatus(t, http.StatusNotFound, noTenant, err)

	list, err := own.ListEC2CredentialsWithResponse(ctx, nora)
	requireStatus(t, http.StatusOK, list, err)
	var access []string
	for _, c := range list.JSON200.Credentials {
		access = append(access, c.Access)
	}
	assert.ElementsMatch(t, []string{cred.Access, byAdmin.JSON200.Credential.Access}, access)

	got, err := own.GetEC2CredentialWithResponse(ctx, nora, cred.Access)
	requireStatus(t, http.StatusOK, got, err)
	assert.Equal(t, cred, got.JSON200.Credential)

	// A signed request turns into a token of the credential's user and tenant.
	params := map[string]string{"Action": "DescribeInstances", "Timestamp": time.Now().UTC().Format(time.RFC3339)}
	sig := keystonetest.SignEC2(cred.Secret, "GET", "ec2.example.com:8773", "/services/Cloud/", params)
	signed := identityv2.EC2Signature{
		Access: cred.Access, Signature: sig, Verb: new("GET"), Host: new("ec2.example.com:8773"),
		Path: new("/services/Cloud/"), Params: &params,
	}
	tok, err := e.anon.IssueEC2TokenWithResponse(ctx, identityv2.EC2TokenAuth{Credentials: &signed})
	requireStatus(t, http.StatusOK, tok, err)
	assert.Equal(t, nora, tok.JSON200.Access.User.ID)
	assert.Equal(t, tenant, tok.JSON200.Access.Token.Tenant.ID)
	assert.NotEmpty(t, *tok.JSON200.Access.ServiceCatalog)

	// The deprecated member name works too.
	tok, err = e.anon.IssueEC2TokenWithResponse(ctx, identityv2.EC2TokenAuth{Ec2Credentials: &signed})
	requireStatus(t, http.StatusOK, tok, err)

	forged := signed
	forged.Signature = keystonetest.SignEC2("not-the-secret", "GET", "ec2.example.com:8773", "/services/Cloud/", params)
	tok, err = e.anon.IssueEC2TokenWithResponse(ctx, identityv2.EC2TokenAuth{Credentials: &forged})
	requireStatus(t, http.StatusUnauthorized, tok, err)

	stale := map[string]string{"Action": "DescribeInstances", "Timestamp": "2007-01-31T23:59:59Z"}
	old := signed
	old.Params = &stale
	old.Signature = keystonetest.SignEC2(cred.Secret, "GET", "ec2.example.com:8773", "/services/Cloud/", stale)
	tok, err = e.anon.IssueEC2TokenWithResponse(ctx, identityv2.EC2TokenAuth{Credentials: &old})
	requireStatus(t, http.StatusUnauthorized, tok, err)
	assert.Contains(t, errorOf(t, tok).Error.Message, "expired")

	deleted, err := oscar.DeleteEC2CredentialWithResponse(ctx, nora, cred.Access)
	requireStatus(t, http.StatusForbidden, deleted, err)
	deleted, err = own.DeleteEC2CredentialWithResponse(ctx, nora, cred.Access)
	requireStatus(t, http.StatusNoContent, deleted, err)

	// Keystone answers 401, not 404, for an access key it does not know.
	got, err = own.GetEC2CredentialWithResponse(ctx, nora, cred.Access)
	requireStatus(t, http.StatusUnauthorized, got, err)
	tok, err = e.anon.IssueEC2TokenWithResponse(ctx, identityv2.EC2TokenAuth{Credentials: &signed})
	requireStatus(t, http.StatusUnauthorized, tok, err)
}

func TestKSADMUserCredentials(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	pat := e.ks.AddUser("pat", "pat-pw", e.ks.AddTenant("ksadm"))

	list, err := e.admin.ListUserCredentialsWithResponse(ctx, pat)
	requireStatus(t, http.StatusOK, list, err)
	require.Len(t, list.JSON200.Credentials, 1)
	pwCred := list.JSON200.Credentials[0].PasswordCredentials
	require.NotNil(t, pwCred)
	assert.Equal(t, "pat", *pwCred.Username)
	assert.Nil(t, pwCred.Password, "a password is never shown")

	none, err := e.admin.GetUserEC2CredentialsWithResponse(ctx, pat)
	requireStatus(t, http.StatusNotFound, none, err)

	ec2 := identityv2.KSEC2Credentials{Username: new("pat"), Secret: new("secretsecret"), Signature: new("bbb")}
	added, err := e.admin.AddUserCredentialWithResponse(ctx, pat, identityv2.UserCredential{EC2Credentials: &ec2})
	requireStatus(t, http.StatusCreated, added, err)
	assert.Equal(t, ec2, *added.JSON201.EC2Credentials)
	again, err := e.admin.AddUserCredentialWithResponse(ctx, pat, identityv2.UserCredential{EC2Credentials: &ec2})
	requireStatus(t, http.StatusConflict, again, err)

	got, err := e.admin.GetUserEC2CredentialsWithResponse(ctx, pat)
	requireStatus(t, http.StatusOK, got, err)
	assert.Equal(t, ec2, got.JSON200.EC2Credentials)

	ec2.Secret = new("rotated")
	updated, err := e.admin.UpdateUserEC2CredentialsWithResponse(ctx, pat, identityv2.KSEC2CredentialsEnvelope{EC2Credentials: ec2})
	requireStatus(t, http.StatusOK, updated, err)
	assert.Equal(t, "rotated", *updated.JSON200.EC2Credentials.Secret)

	byType, err := e.admin.ListUserCredentialsByTypeWithResponse(ctx, pat, "OS-KSEC2-ec2Credentials")
	requireStatus(t, http.StatusOK, byType, err)
	require.Len(t, byType.JSON200.Credentials, 1)
	assert.Equal(t, "rotated", *byType.JSON200.Credentials[0].EC2Credentials.Secret)
	byType, err = e.admin.ListUserCredentialsByTypeWithResponse(ctx, pat, "passwordCredentials")
	requireStatus(t, http.StatusOK, byType, err)
	require.Len(t, byType.JSON200.Credentials, 1)
	assert.NotNil(t, byType.JSON200.Credentials[0].PasswordCredentials)

	// Granting a password credential sets the password.
	pw, err := e.admin.AddUserCredentialWithResponse(ctx, pat, identityv2.UserCredential{
		PasswordCredentials: &identityv2.UserPasswordCredential{Username: new("pat"), Password: new("pat-pw-2")}})
	requireStatus(t, http.StatusCreated, pw, err)
	e.login(t, "pat", "pat-pw-2", "")

	deleted, err := e.admin.DeleteUserEC2CredentialsWithResponse(ctx, pat)
	requireStatus(t, http.StatusNoContent, deleted, err)
	deleted, err = e.admin.DeleteUserEC2CredentialsWithResponse(ctx, pat)
	requireStatus(t, http.StatusNotFound, deleted, err)
	list, err = e.admin.ListUserCredentialsWithResponse(ctx, pat)
	require.NoError(t, err)
	assert.Len(t, list.JSON200.Credentials, 1)

	denied, err := e.anon.ListUserCredentialsWithResponse(ctx, pat)
	requireStatus(t, http.StatusUnauthorized, denied, err)
}
