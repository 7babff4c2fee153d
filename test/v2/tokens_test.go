package v2_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv2"
)

func TestIssueTokenScopedByName(t *testing.T) {
	e := newEnv(t)
	access := e.login(t, e.creds.Username, e.creds.Password, e.creds.TenantName)

	require.NotNil(t, access.Token.Tenant)
	assert.Equal(t, e.creds.TenantID, access.Token.Tenant.ID)
	assert.Equal(t, e.creds.UserID, access.User.ID)
	assert.Equal(t, e.creds.Username, *access.User.Username)
	assert.Equal(t, []identityv2.AccessRole{{Name: "admin"}}, *access.User.Roles)
	assert.Equal(t, []string{e.ks.AdminRoleID()}, *access.Metadata.Roles)
	assert.True(t, access.Token.Expires.After(access.Token.IssuedAt.Time), "expires after it was issued")
	require.Len(t, *access.Token.AuditIDs, 1)

	require.Len(t, *access.ServiceCatalog, 1)
	identity := (*access.ServiceCatalog)[0]
	assert.Equal(t, "identity", identity.Type)
	ep := identity.Endpoints[0]
	for _, url := range []*string{ep.PublicURL, ep.InternalURL, ep.AdminURL} {
		assert.Equal(t, e.ks.URL(), *url)
	}
	assert.Equal(t, 2, e.ks.TokenRequests(), "newEnv's admin login and this one")
}

func TestUnscopedTokenRescoped(t *testing.T) {
	e := newEnv(t)
	tenant := e.ks.AddTenant("rescope")
	e.ks.AddUser("bob", "bob-pw", tenant)

	unscoped := e.login(t, "bob", "bob-pw", "")
	assert.Nil(t, unscoped.Token.Tenant)
	assert.Empty(t, *unscoped.ServiceCatalog)
	assert.Empty(t, *unscoped.User.Roles)

	resp, err := e.anon.IssueTokenWithResponse(t.Context(), identityv2.AuthRequest{Auth: identityv2.Auth{
		Token:    &identityv2.TokenCredentials{ID: unscoped.Token.ID},
		TenantID: &tenant,
	}})
	requireStatus(t, http.StatusOK, resp, err)
	scoped := resp.JSON200.Access
	assert.Equal(t, tenant, scoped.Token.Tenant.ID)
	assert.Equal(t, []identityv2.AccessRole{{Name: "_member_"}}, *scoped.User.Roles)
	// Rescoping keeps the expiry and chains the audit ids.
	assert.True(t, scoped.Token.Expires.Equal(unscoped.Token.Expires.Time))
	assert.Equal(t, []string{(*scoped.Token.AuditIDs)[0], (*unscoped.Token.AuditIDs)[0]}, *scoped.Token.AuditIDs)
	assert.NotEqual(t, unscoped.Token.ID, scoped.Token.ID)
}

func TestIssueTokenRefusals(t *testing.T) {
	e := newEnv(t)
	other := e.ks.AddTenant("not-carols")
	e.ks.AddUser("carol", "carol-pw", "")

	cases := map[string]struct {
		auth identityv2.Auth
		want int
	}{
		"wrong password": {identityv2.Auth{PasswordCredentials: &identityv2.PasswordCredentials{
			Username: new("carol"), Password: "nope"}}, http.StatusUnauthorized},
		"unknown user": {identityv2.Auth{PasswordCredentials: &identityv2.PasswordCredentials{
			Username: new("nobody"), Password: "x"}}, http.StatusUnauthorized},
		"no role on the tenant": {identityv2.Auth{PasswordCredentials: &identityv2.PasswordCredentials{
			Username: new("carol"), Password: "carol-pw"}, TenantID: &other}, http.StatusUnauthorized},
		"unknown tenant name": {identityv2.Auth{PasswordCredentials: &identityv2.PasswordCredentials{
			Username: new("carol"), Password: "carol-pw"}, TenantName: new("missing")}, http.StatusUnauthorized},
		"neither username nor userId": {identityv2.Auth{PasswordCredentials: &identityv2.PasswordCredentials{
			Password: "carol-pw"}}, http.StatusBadRequest},
		"no credentials at all": {identityv2.Auth{TenantName: new("admin")}, http.StatusBadRequest},
		"unknown token":         {identityv2.Auth{Token: &identityv2.TokenCredentials{ID: "bogus"}}, http.StatusUnauthorized},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			resp, err := e.anon.IssueTokenWithResponse(t.Context(), identityv2.AuthRequest{Auth: c.auth})
			requireStatus(t, c.want, resp, err)
			assert.Equal(t, c.want, errorOf(t, resp).Error.Code)
		})
	}
}

func TestValidateCheckAndRevokeToken(t *testing.T) {
	e := newEnv(t)
	tenant := e.ks.AddTenant("validate")
	e.ks.AddUser("dave", "dave-pw", tenant)
	dave := e.login(t, "dave", "dave-pw", "validate")
	tok := dave.Token.ID

	v, err := e.admin.ValidateTokenWithResponse(t.Context(), tok, &identityv2.ValidateTokenParams{BelongsTo: &tenant})
	requireStatus(t, http.StatusOK, v, err)
	assert.Equal(t, dave.User.ID, v.JSON200.Access.User.ID)
	assert.Equal(t, tenant, v.JSON200.Access.Token.Tenant.ID)

	v, err = e.admin.ValidateTokenWithResponse(t.Context(), tok, &identityv2.ValidateTokenParams{BelongsTo: &e.creds.TenantID})
	requireStatus(t, http.StatusUnauthorized, v, err)

	// A token may validate itself but not another one.
	own := e.client(t, tok)
	v, err = own.ValidateTokenWithResponse(t.Context(), tok, nil)
	requireStatus(t, http.StatusOK, v, err)
	v, err = own.ValidateTokenWithResponse(t.Context(), e.adminToken, nil)
	requireStatus(t, http.StatusForbidden, v, err)

	c, err := e.admin.CheckTokenWithResponse(t.Context(), tok, nil)
	requireStatus(t, http.StatusOK, c, err)
	assert.Empty(t, c.Body)
	c, err = e.admin.CheckTokenWithResponse(t.Context(), "no-such-token", nil)
	requireStatus(t, http.StatusNotFound, c, err)

	r, err := own.RevokeTokenWithResponse(t.Context(), tok)
	requireStatus(t, http.StatusForbidden, r, err) // only an admin revokes

	r, err = e.admin.RevokeTokenWithResponse(t.Context(), tok)
	requireStatus(t, http.StatusNoContent, r, err)
	assert.False(t, e.ks.TokenValid(tok))

	v, err = e.admin.ValidateTokenWithResponse(t.Context(), tok, nil)
	requireStatus(t, http.StatusNotFound, v, err)
	assert.Equal(t, http.StatusNotFound, errorOf(t, v).Error.Code)

	r, err = e.admin.RevokeTokenWithResponse(t.Context(), tok)
	requireStatus(t, http.StatusNotFound, r, err)
}

func TestTokenEndpoints(t *testing.T) {
	e := newEnv(t)
	tenant := e.ks.AddTenant("endpoints")
	e.ks.AddUser("erin", "erin-pw", tenant)
	image := e.ks.AddService("image", "glance")
	e.ks.AddEndpoint(image, "RegionOne", "http://glance/$(tenant_id)s", "http://glance-int", "")
	scoped := e.login(t, "erin", "erin-pw", "endpoints")
	unscoped := e.login(t, "erin", "erin-pw", "")

	resp, err := e.admin.ListTokenEndpointsWithResponse(t.Context(), scoped.Token.ID)
	requireStatus(t, http.StatusOK, resp, err)
	eps := *resp.JSON200.Endpoints
	require.Len(t, eps, 2)
	assert.Equal(t, "identity", *eps[0].Type)
	assert.Equal(t, "glance", *eps[1].Name)
	assert.Equal(t, "http://glance/"+tenant, *eps[1].PublicURL)
	assert.Equal(t, "http://glance-int", *eps[1].InternalURL)
	assert.Nil(t, eps[1].AdminURL)

	resp, err = e.admin.ListTokenEndpointsWithResponse(t.Context(), unscoped.Token.ID)
	requireStatus(t, http.StatusOK, resp, err)
	assert.Nil(t, resp.JSON200.Endpoints, "Keystone answers {} for a token without a catalog")
}

func TestRevokedTokens(t *testing.T) {
	e := newEnv(t)
	gone := e.ks.IssueToken(e.creds.UserID, e.creds.TenantID)
	require.True(t, e.ks.RevokeToken(gone))

	resp, err := e.admin.ListRevokedTokensWithResponse(t.Context())
	requireStatus(t, http.StatusOK, resp, err)
	signed := resp.JSON200.Signed
	require.True(t, strings.HasPrefix(signed, "-----BEGIN CMS-----\n"), signed)
	inner := strings.TrimSuffix(strings.TrimPrefix(signed, "-----BEGIN CMS-----\n"), "-----END CMS-----\n")
	raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(inner, "\n", ""))
	require.NoError(t, err)
	var list struct {
		Revoked []struct {
			ID string `json:"id"`
		} `json:"revoked"`
	}
	require.NoError(t, json.Unmarshal(raw, &list))
	require.Len(t, list.Revoked, 1)
	assert.Equal(t, gone, list.Revoked[0].ID)

	resp, err = e.anon.ListRevokedTokensWithResponse(t.Context())
	requireStatus(t, http.StatusUnauthorized, resp, err)
}

func TestChangeOwnPassword(t *testing.T) {
	e := newEnv(t)
	tenant := e.ks.AddTenant("kscrud")
	frank := e.ks.AddUser("frank", "old-pw", tenant)
	e.ks.AddUser("grace", "grace-pw", tenant)
	before := e.login(t, "frank", "old-pw", "kscrud")
	own := e.client(t, before.Token.ID)

	resp, err := own.ChangeOwnPasswordWithResponse(t.Context(), frank, identityv2.OwnPasswordEnvelope{
		User: identityv2.OwnPasswordChange{OriginalPassword: "wrong", Password: "new-pw"}})
	requireStatus(t, http.StatusUnauthorized, resp, err)

	grace := e.login(t, "grace", "grace-pw", "")
	resp, err = e.client(t, grace.Token.ID).ChangeOwnPasswordWithResponse(t.Context(), frank, identityv2.OwnPasswordEnvelope{
		User: identityv2.OwnPasswordChange{OriginalPassword: "old-pw", Password: "new-pw"}})
	requireStatus(t, http.StatusForbidden, resp, err)

	resp, err = own.ChangeOwnPasswordWithResponse(t.Context(), frank, identityv2.OwnPasswordEnvelope{
		User: identityv2.OwnPasswordChange{OriginalPassword: "old-pw", Password: "new-pw"}})
	requireStatus(t, http.StatusOK, resp, err)
	after := resp.JSON200.Access
	assert.Equal(t, tenant, after.Token.Tenant.ID, "the new token is scoped like the old one")
	assert.True(t, e.ks.TokenValid(after.Token.ID))
	assert.False(t, e.ks.TokenValid(before.Token.ID), "the password change revoked the old token")

	e.login(t, "frank", "new-pw", "kscrud")
	auth, err := e.anon.IssueTokenWithResponse(t.Context(), identityv2.AuthRequest{Auth: identityv2.Auth{
		PasswordCredentials: &identityv2.PasswordCredentials{Username: new("frank"), Password: "old-pw"}}})
	requireStatus(t, http.StatusUnauthorized, auth, err)
}
