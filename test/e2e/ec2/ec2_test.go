package ec2_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/ec2signer"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// fixture is a project, a member of it logged in to it, and the admin.
type fixture struct {
	admin, member *identity.Client
	projectID     string
	userID        string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	admin := e2eutil.Admin(t)
	project := e2eutil.Project(t, admin, e2eutil.Prefix("ec2-p"))
	user := e2eutil.Member(t, admin, project.ID, e2eutil.Prefix("ec2-user"))
	member := e2eutil.Client(t, e2eutil.UserSession(t, user, auth.Scope{ProjectID: project.ID}))
	return fixture{admin: admin, member: member, projectID: project.ID, userID: user.ID}
}

// createCredential creates an EC2 credential of the member, deleted when the test ends.
func (f fixture) createCredential(t *testing.T) identityv3.Ec2Credential {
	t.Helper()
	resp, err := f.member.Raw().CreateEc2CredentialWithResponse(e2eutil.Ctx(t), f.userID,
		identityv3.CreateEc2CredentialJSONRequestBody{TenantID: f.projectID})
	c := e2eutil.Created(t, resp, err).JSON201.Credential
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := f.member.Raw().DeleteEc2CredentialWithResponse(ctx, f.userID, c.Access)
		return err
	})
	return c
}

// ec2Body is the typed ec2tokens body for a description from the signer.
func ec2Body(c *ec2signer.Credentials) identityv3.IssueEc2TokenJSONRequestBody {
	return identityv3.IssueEc2TokenJSONRequestBody{Credentials: identityv3.Ec2TokenCredentials{
		Access: c.Access, Signature: c.Signature, Host: &c.Host, Verb: &c.Verb, Path: &c.Path,
		Params: c.Params, Headers: c.Headers, BodyHash: &c.BodyHash,
	}}
}

func s3Body(c *ec2signer.S3Credentials) identityv3.IssueS3TokenJSONRequestBody {
	return identityv3.IssueS3TokenJSONRequestBody{Credentials: identityv3.S3TokenCredentials{
		Access: c.Access, Signature: c.Signature, Token: c.Token,
	}}
}

func TestEc2Credentials(t *testing.T) {
	f := newFixture(t)
	ctx := e2eutil.Ctx(t)
	c := f.createCredential(t)
	assert.Equal(t, f.userID, c.UserID)
	assert.Equal(t, f.projectID, c.TenantID)
	assert.NotEmpty(t, c.Access)
	assert.NotEmpty(t, c.Secret)
	assert.Nil(t, c.TrustID)
	other := f.createCredential(t)
	assert.NotEqual(t, c.Access, other.Access)

	list, err := f.member.Raw().ListEc2CredentialsWithResponse(ctx, f.userID)
	require.NoError(t, err)
	var access []string
	for _, x := range list.JSON200.Credentials {
		access = append(access, x.Access)
	}
	assert.ElementsMatch(t, []string{c.Access, other.Access}, access)

	got, err := f.member.Raw().GetEc2CredentialWithResponse(ctx, f.userID, c.Access)
	require.NoError(t, err)
	assert.Equal(t, c.Secret, got.JSON200.Credential.Secret)

	// The admin may see them too.
	got, err = f.admin.Raw().GetEc2CredentialWithResponse(ctx, f.userID, other.Access)
	require.NoError(t, err)
	assert.Equal(t, other.Secret, got.JSON200.Credential.Secret)

	del, err := f.member.Raw().DeleteEc2CredentialWithResponse(ctx, f.userID, other.Access)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, del.StatusCode())
	_, err = f.member.Raw().GetEc2CredentialWithResponse(ctx, f.userID, other.Access)
	assert.ErrorIs(t, err, apierror.ErrNotFound)

	_, err = f.member.Raw().CreateEc2CredentialWithResponse(ctx, f.userID,
		identityv3.CreateEc2CredentialJSONRequestBody{TenantID: "0123456789abcdef0123456789abcdef"})
	assert.ErrorIs(t, err, apierror.ErrNotFound, "an unknown project")
}

func TestEc2Tokens(t *testing.T) {
	f := newFixture(t)
	ctx := e2eutil.Ctx(t)
	cred := f.createCredential(t)
	signer := &ec2signer.Signer{AccessKey: cred.Access, SecretKey: cred.Secret}
	req := func() *ec2signer.Request {
		return &ec2signer.Request{Method: "GET", Host: "ec2.example.test:8773", Path: "/",
			Params: map[string]string{"Action": "DescribeRegions", "Version": "2016-11-15"}}
	}

	// checkToken asserts that the answer is a token of the credential's user and
	// project, and that the token in X-Subject-Token validates as such.
	checkToken := func(t *testing.T, resp *identityv3.IssueEc2TokenResponse) {
		t.Helper()
		require.Equal(t, http.StatusOK, resp.StatusCode())
		tok := resp.JSON200.Token
		assert.Equal(t, f.projectID, *tok.Project.ID)
		assert.Equal(t, f.userID, *tok.User.ID)
		assert.Equal(t, []string{"ec2credential"}, tok.Methods)
		require.NotNil(t, resp.Headers200)
		subject := resp.Headers200.XSubjectToken
		require.NotEmpty(t, subject)
		v, err := f.admin.Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: subject})
		require.NoError(t, err)
		assert.Equal(t, f.projectID, *v.JSON200.Token.Project.ID)
		assert.Equal(t, tok.AuditIDs, v.JSON200.Token.AuditIDs)
	}

	signers := map[string]func() (*ec2signer.Credentials, error){
		"v2": func() (*ec2signer.Credentials, error) { return signer.SignV2(req()) },
		"v4": func() (*ec2signer.Credentials, error) { return signer.SignV4(req(), "RegionOne", "ec2") },
		"v4 presign": func() (*ec2signer.Credentials, error) {
			return signer.PresignV4(req(), "RegionOne", "ec2", time.Minute)
		},
		"v4 POST": func() (*ec2signer.Credentials, error) {
			return signer.SignV4(&ec2signer.Request{Method: "POST", Host: "ec2.example.test", Path: "/",
				Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
				Params:  map[string]string{"Action": "DescribeRegions", "Version": "2016-11-15"},
				Body:    []byte("Action=DescribeRegions&Version=2016-11-15")}, "RegionOne", "ec2")
		},
	}
	for name, sign := range signers {
		t.Run(name, func(t *testing.T) {
			c, err := sign()
			require.NoError(t, err)
			resp, err := f.admin.Raw().IssueEc2TokenWithResponse(ctx, ec2Body(c))
			require.NoError(t, err)
			checkToken(t, resp)

			// The same description with a signature made with another secret.
			wrong := *c
			bad := &ec2signer.Signer{AccessKey: cred.Access, SecretKey: "not-" + cred.Secret}
			switch name {
			case "v2":
				other, err := bad.SignV2(req())
				require.NoError(t, err)
				wrong.Signature = other.Signature
				wrong.Params = other.Params
			default:
				wrong.Signature, err = ec2signer.Signature("not-"+cred.Secret, c)
				require.NoError(t, err)
			}
			_, err = f.admin.Raw().IssueEc2TokenWithResponse(ctx, ec2Body(&wrong))
			assert.ErrorIs(t, err, apierror.ErrUnauthorized, "a wrong signature is refused")
		})
	}

	t.Run("tampered request", func(t *testing.T) {
		c, err := signer.SignV2(req())
		require.NoError(t, err)
		c.Params["Action"] = "TerminateInstances"
		_, err = f.admin.Raw().IssueEc2TokenWithResponse(ctx, ec2Body(c))
		assert.ErrorIs(t, err, apierror.ErrUnauthorized)
	})

	t.Run("stale timestamp", func(t *testing.T) {
		old := &ec2signer.Signer{AccessKey: cred.Access, SecretKey: cred.Secret,
			Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}
		c, err := old.SignV2(req())
		require.NoError(t, err)
		_, err = f.admin.Raw().IssueEc2TokenWithResponse(ctx, ec2Body(c))
		assert.ErrorIs(t, err, apierror.ErrUnauthorized, "older than [credential] auth_ttl")
	})

	t.Run("needs an admin or service token", func(t *testing.T) {
		c, err := signer.SignV2(req())
		require.NoError(t, err)
		_, err = f.member.Raw().IssueEc2TokenWithResponse(ctx, ec2Body(c))
		assert.ErrorIs(t, err, apierror.ErrForbidden)
	})

	t.Run("unknown access key", func(t *testing.T) {
		stranger := &ec2signer.Signer{AccessKey: "0123456789abcdef0123456789abcdef", SecretKey: "x"}
		c, err := stranger.SignV2(req())
		require.NoError(t, err)
		_, err = f.admin.Raw().IssueEc2TokenWithResponse(ctx, ec2Body(c))
		assert.ErrorIs(t, err, apierror.ErrNotFound)
	})
}

func TestS3Tokens(t *testing.T) {
	f := newFixture(t)
	ctx := e2eutil.Ctx(t)
	cred := f.createCredential(t)
	signer := &ec2signer.Signer{AccessKey: cred.Access, SecretKey: cred.Secret}
	req := func() *ec2signer.Request {
		return &ec2signer.Request{Method: "PUT", Host: "s3.example.test", Path: "/bucket/key.txt",
			Headers: map[string]string{"Content-Type": "text/plain"}, Body: []byte("hello")}
	}
	signers := map[string]func() (*ec2signer.S3Credentials, error){
		"v2": func() (*ec2signer.S3Credentials, error) { c, _, err := signer.SignS3V2(req()); return c, err },
		"v4": func() (*ec2signer.S3Credentials, error) {
			c, _, err := signer.SignS3V4(req(), "RegionOne")
			return c, err
		},
	}
	for name, sign := range signers {
		t.Run(name, func(t *testing.T) {
			c, err := sign()
			require.NoError(t, err)
			resp, err := f.admin.Raw().IssueS3TokenWithResponse(ctx, s3Body(c))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode())
			tok := resp.JSON200.Token
			assert.Equal(t, f.projectID, *tok.Project.ID)
			assert.Equal(t, f.userID, *tok.User.ID)
			assert.Contains(t, tok.Methods, "ec2credential")
			assert.Empty(t, resp.HTTPResponse.Header.Get("X-Subject-Token"), "s3tokens returns no token id")

			wrong := *c
			wrong.Signature, err = ec2signer.S3Signature("not-"+cred.Secret, c.StringToSign)
			require.NoError(t, err)
			_, err = f.admin.Raw().IssueS3TokenWithResponse(ctx, s3Body(&wrong))
			assert.ErrorIs(t, err, apierror.ErrUnauthorized, "a wrong signature is refused")
		})
	}
	t.Run("needs an admin or service token", func(t *testing.T) {
		c, _, err := signer.SignS3V2(req())
		require.NoError(t, err)
		_, err = f.member.Raw().IssueS3TokenWithResponse(ctx, s3Body(c))
		assert.ErrorIs(t, err, apierror.ErrForbidden)
	})
}
