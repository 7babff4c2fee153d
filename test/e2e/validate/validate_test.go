package validate_test

import (
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func TestValidateAccessInfoOfAProjectToken(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	domain := e2eutil.Domain(t, admin)
	project := e2eutil.Project(t, admin, e2eutil.InDomain(domain.ID))
	user := e2eutil.Member(t, admin, project.ID, e2eutil.InDomain(domain.ID))
	issued, err := e2eutil.UserSession(t, user, auth.Scope{ProjectID: project.ID}).AccessInfo(ctx)
	require.NoError(t, err)

	a, err := admin.ValidateAccessInfo(ctx, issued.Token)
	require.NoError(t, err)
	assert.Equal(t, issued.Token, a.Token)
	assert.Equal(t, "v3", a.Version())
	assert.Equal(t, user.ID, a.UserID())
	assert.Equal(t, user.Name, a.Username())
	assert.Equal(t, domain.ID, a.UserDomainID())
	assert.Equal(t, project.ID, a.ProjectID())
	assert.Equal(t, project.Name, a.ProjectName())
	assert.Equal(t, domain.ID, a.ProjectDomainID())
	assert.Equal(t, domain.Name, a.ProjectDomainName())
	assert.True(t, a.ProjectScoped())
	assert.Contains(t, a.RoleNames(), "member")
	// member implies reader in every bootstrap since Rocky.
	assert.Contains(t, a.RoleNames(), "reader")
	assert.Equal(t, []string{"password"}, a.Methods())
	assert.Equal(t, issued.AuditIDs(), a.AuditIDs())
	assert.True(t, issued.ExpiresAt.Equal(a.ExpiresAt), "expires %v, issued %v", a.ExpiresAt, issued.ExpiresAt)
	assert.True(t, a.HasServiceCatalog())
	u, err := a.Catalog.URLFor(catalog.Filter{ServiceType: "identity"})
	require.NoError(t, err)
	assert.NotEmpty(t, u)
	endpoint, err := admin.Endpoint(ctx)
	require.NoError(t, err)
	assert.Equal(t, endpoint, a.AuthURL)

	bare, err := admin.ValidateAccessInfo(ctx, issued.Token, identity.WithoutCatalog())
	require.NoError(t, err)
	assert.False(t, bare.HasServiceCatalog())
	assert.Equal(t, project.ID, bare.ProjectID())

	_, err = admin.Raw().RevokeTokenWithResponse(ctx, &identityv3.RevokeTokenParams{XSubjectToken: issued.Token})
	require.NoError(t, err)
	_, err = admin.ValidateAccessInfo(ctx, issued.Token)
	require.ErrorIs(t, err, identity.ErrNotFound, "a revoked token")
	_, err = admin.ValidateAccessInfo(ctx, issued.Token, identity.AllowExpired())
	require.ErrorIs(t, err, identity.ErrNotFound, "allow_expired does not revive a revoked token")
}

func TestValidateAccessInfoOfTrustAndApplicationCredentialTokens(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	project := e2eutil.Project(t, admin)
	trustor := e2eutil.Member(t, admin, project.ID)
	trustee := e2eutil.User(t, admin)
	trustorClient := e2eutil.Client(t, e2eutil.UserSession(t, trustor, auth.Scope{ProjectID: project.ID}))

	resp, err := trustorClient.Raw().CreateTrustWithResponse(ctx, identityv3.CreateTrustJSONRequestBody{Trust: identityv3.TrustCreate{
		TrustorUserID: trustor.ID, TrusteeUserID: trustee.ID, ProjectID: nullable.NewNullableWithValue(project.ID), Impersonation: true,
		Roles: []identityv3.TrustRoleSelector{{Name: new("member")}},
	}})
	trust := e2eutil.Created(t, resp, err).JSON201.Trust
	e2eutil.DeleteLater(t, trustorClient.Raw().DeleteTrustWithResponse, trust.ID)
	trustToken, err := e2eutil.UserSession(t, trustee, auth.Scope{TrustID: trust.ID}).AccessInfo(ctx)
	require.NoError(t, err)
	a, err := admin.ValidateAccessInfo(ctx, trustToken.Token)
	require.NoError(t, err)
	assert.True(t, a.TrustScoped())
	assert.Equal(t, trust.ID, a.TrustID())
	assert.True(t, a.Impersonation())
	assert.Equal(t, trustor.ID, a.UserID(), "an impersonating trust's token is the trustor's")
	assert.Equal(t, trustee.ID, a.TrusteeUserID())
	assert.Equal(t, trustor.ID, a.TrustorUserID())
	assert.Equal(t, project.ID, a.ProjectID())

	path, method := "/v2.1/servers", identityv3.AccessRuleMethodGET
	ac := e2eutil.ApplicationCredential(t, trustorClient, trustor.ID, identityv3.ApplicationCredentialCreate{
		Secret:      nullable.NewNullableWithValue("ac-secret-" + e2eutil.Name(t, "s")),
		AccessRules: []identityv3.AccessRuleCreate{{Path: &path, Method: &method, Service: new("compute")}},
	})
	acToken, err := e2eutil.Session(t, &auth.ApplicationCredential{AuthURL: e2eutil.AuthURL(), ID: ac.ID, Secret: *ac.Secret}).AccessInfo(ctx)
	require.NoError(t, err)
	_, err = admin.ValidateAccessInfo(ctx, acToken.Token)
	require.ErrorIs(t, err, identity.ErrNotFound, "a caller that does not enforce access rules cannot validate the token")
	a, err = admin.ValidateAccessInfo(ctx, acToken.Token, identity.EnforcingAccessRules("1.0"))
	require.NoError(t, err)
	assert.Equal(t, ac.ID, a.ApplicationCredentialID())
	assert.Equal(t, ac.Name, a.ApplicationCredentialName())
	assert.True(t, a.ApplicationCredentialRestricted())
	require.Len(t, a.ApplicationCredentialAccessRules(), 1)
	assert.Equal(t, []string{"application_credential"}, a.Methods())
	assert.Equal(t, trustor.ID, a.UserID())

	_, err = admin.ValidateAccessInfo(ctx, "")
	require.ErrorIs(t, err, apierror.ErrValidation)
}
