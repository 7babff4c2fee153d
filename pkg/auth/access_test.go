package auth

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
)

// A token with every section Keystone may send (trust, application
// credential, OAuth1 and OAuth2, federation, service providers, bind).
const richToken = `{"token":{
	"methods":["token","password"],
	"user":{"id":"u1","name":"alice","domain":{"id":"d-user","name":"Users"},"password_expires_at":"2027-01-02T03:04:05.000000",
		"OS-FEDERATION":{"identity_provider":{"id":"idp1"},"protocol":{"id":"mapped"},"groups":[{"id":"g1"},{"id":"g2"}]}},
	"audit_ids":["own","parent"],
	"expires_at":"2026-12-01T10:00:00.000000Z","issued_at":"2026-12-01T09:00:00.000000Z",
	"project":{"id":"p1","name":"demo","domain":{"id":"d-proj","name":"Projects"}},
	"is_domain":false,"is_admin_project":false,
	"roles":[{"id":"r1","name":"member"},{"id":"r2","name":"reader"}],
	"OS-TRUST:trust":{"id":"t1","impersonation":true,"trustee_user":{"id":"u-trustee"},"trustor_user":{"id":"u-trustor"},"redelegated_trust_id":"t0"},
	"application_credential":{"id":"ac1","name":"ci","restricted":true,"access_rules":[{"id":"ar1","service":"identity","method":"GET","path":"/v3/projects"}]},
	"OS-OAUTH1":{"access_token_id":"at1","consumer_id":"c1"},
	"oauth2_credential":{"x5t#S256":"thumb"},
	"service_providers":[{"id":"sp1","auth_url":"https://sp/v3/OS-FEDERATION/identity_providers/idp/protocols/saml2/auth","sp_url":"https://sp/Shibboleth.sso/SAML2/ECP"}],
	"bind":{"kerberos":"alice@EXAMPLE"},
	"catalog":[]}}`

func TestAccessInfoProperties(t *testing.T) {
	var env identityv3.TokenEnvelope
	require.NoError(t, json.Unmarshal([]byte(richToken), &env))
	a := accessFromToken("tok", &env.Token, "https://k/v3")

	assert.Equal(t, "v3", a.Version())
	assert.Equal(t, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), a.Expires().UTC())
	assert.Equal(t, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), a.Issued().UTC())
	assert.False(t, a.HasServiceCatalog())

	assert.Equal(t, "u1", a.UserID())
	assert.Equal(t, "alice", a.Username())
	assert.Equal(t, "d-user", a.UserDomainID())
	assert.Equal(t, "Users", a.UserDomainName())
	assert.Equal(t, time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC), a.PasswordExpiresAt().UTC())

	assert.Equal(t, "p1", a.ProjectID())
	assert.Equal(t, "demo", a.ProjectName())
	assert.Equal(t, "p1", a.TenantID())
	assert.Equal(t, "demo", a.TenantName())
	assert.Equal(t, "d-proj", a.ProjectDomainID())
	assert.Equal(t, "Projects", a.ProjectDomainName())
	assert.False(t, a.ProjectIsDomain())
	assert.False(t, a.IsAdminProject())
	assert.True(t, a.ProjectScoped())
	assert.False(t, a.DomainScoped())
	assert.False(t, a.SystemScoped())
	assert.True(t, a.Scoped())
	assert.Empty(t, a.DomainID())
	assert.Empty(t, a.DomainName())

	assert.Equal(t, []string{"r1", "r2"}, a.RoleIDs())
	assert.Equal(t, []string{"member", "reader"}, a.RoleNames())
	assert.Len(t, a.Roles(), 2)
	assert.True(t, a.HasRole("reader"))
	assert.False(t, a.HasRole("admin"))
	assert.Equal(t, []string{"token", "password"}, a.Methods())

	assert.Equal(t, "own", a.AuditID())
	assert.Equal(t, "parent", a.AuditChainID())
	assert.Equal(t, "parent", a.InitialAuditID())
	assert.Equal(t, []string{"own", "parent"}, a.AuditIDs())

	assert.True(t, a.TrustScoped())
	assert.Equal(t, "t1", a.TrustID())
	assert.Equal(t, "u-trustee", a.TrusteeUserID())
	assert.Equal(t, "u-trustor", a.TrustorUserID())
	assert.True(t, a.Impersonation())
	assert.Equal(t, "t0", a.RedelegatedTrustID())

	assert.True(t, a.IsFederated())
	assert.Equal(t, "idp1", a.IdentityProviderID())
	assert.Equal(t, "mapped", a.ProtocolID())
	assert.Equal(t, []string{"g1", "g2"}, a.FederatedGroupIDs())

	assert.Equal(t, "ac1", a.ApplicationCredentialID())
	assert.Equal(t, "ci", a.ApplicationCredentialName())
	assert.True(t, a.ApplicationCredentialRestricted())
	require.Len(t, a.ApplicationCredentialAccessRules(), 1)
	assert.Equal(t, "/v3/projects", *a.ApplicationCredentialAccessRules()[0].Path)

	assert.Equal(t, "at1", a.OAuthAccessTokenID())
	assert.Equal(t, "c1", a.OAuthConsumerID())
	assert.Equal(t, "thumb", a.OAuth2CredentialThumbprint())

	require.Len(t, a.ServiceProviders(), 1)
	assert.Equal(t, "https://sp/Shibboleth.sso/SAML2/ECP", a.ServiceProviderURL("sp1"))
	assert.Equal(t, "https://sp/v3/OS-FEDERATION/identity_providers/idp/protocols/saml2/auth", a.ServiceProviderAuthURL("sp1"))
	assert.Empty(t, a.ServiceProviderURL("sp2"))
	assert.Equal(t, map[string]any{"kerberos": "alice@EXAMPLE"}, a.Bind())

	assert.True(t, a.WillExpireSoon(10*365*24*time.Hour))
}

func TestAccessInfoDefaults(t *testing.T) {
	var env identityv3.TokenEnvelope
	require.NoError(t, json.Unmarshal([]byte(`{"token":{"methods":["password"],"user":{"id":"u"},
		"audit_ids":["only"],"expires_at":"2030-01-01T00:00:00Z","issued_at":"2029-12-31T23:00:00Z",
		"domain":{"id":"d1","name":"Dom"},"system":{"all":true}}}`), &env))
	a := accessFromToken("tok", &env.Token, "")
	assert.True(t, a.IsAdminProject(), "true when Keystone does not say, as keystoneauth answers")
	assert.Equal(t, "only", a.AuditID())
	assert.Empty(t, a.AuditChainID())
	assert.Equal(t, "only", a.InitialAuditID())
	assert.True(t, a.DomainScoped())
	assert.Equal(t, "Dom", a.DomainName())
	assert.True(t, a.SystemScoped())
	assert.False(t, a.TrustScoped())
	assert.False(t, a.Impersonation())
	assert.False(t, a.IsFederated())
	assert.Nil(t, a.FederatedGroupIDs())
	assert.True(t, a.PasswordExpiresAt().IsZero())
	assert.Empty(t, a.UserDomainID())
	assert.Empty(t, a.ApplicationCredentialID())
	assert.False(t, a.ApplicationCredentialRestricted())

	// Access without a Keystone body (admin_token, none) answers zero values.
	none := &AccessInfo{NoToken: true}
	assert.Empty(t, none.Version())
	assert.Empty(t, none.UserID())
	assert.Empty(t, none.AuditID())
	assert.Nil(t, none.RoleNames())
	assert.False(t, none.Scoped())
	assert.False(t, none.HasServiceCatalog())
	assert.False(t, none.WillExpireSoon(time.Hour), "no expiry, never expires")
}
