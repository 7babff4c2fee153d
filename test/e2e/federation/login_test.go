package federation_test

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// The federated ("mapped") login: the assertion becomes an unscoped token for
// a shadow user in the identity provider's domain and in the mapped group,
// which can list the group's projects and be rescoped to one of them.
func TestFederatedLogin(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	f := setUpFederation(t, admin)
	user := e2eutil.Name(t, "feduser")
	anon := e2eutil.Anonymous(t)

	resp, err := anon.IssueFederatedTokenWithResponse(ctx, f.idp, protocolMapped, assertion(f.remoteID, user))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode(), "%s", resp.Body)
	unscoped := resp.HTTPResponse.Header.Get("X-Subject-Token")
	require.NotEmpty(t, unscoped)
	tok := resp.JSON201.Token
	require.NotNil(t, tok.User.ID)
	e2eutil.DeleteLater(t, admin.Raw().DeleteUserWithResponse, *tok.User.ID) // the shadow user the login made
	assert.Equal(t, []string{protocolMapped}, tok.Methods)
	assert.Equal(t, &user, tok.User.Name)
	require.NotNil(t, tok.User.Domain)
	assert.Equal(t, &f.domainID, tok.User.Domain.ID, "the shadow user lives in the provider's domain")
	assert.Nil(t, tok.Project, "a federated login is unscoped")
	assert.Empty(t, tok.Roles)
	fed := tok.User.OSFEDERATION
	require.NotNil(t, fed)
	require.NotNil(t, fed.IdentityProvider)
	assert.Equal(t, &f.idp, fed.IdentityProvider.ID)
	require.NotNil(t, fed.Protocol)
	assert.Equal(t, new(protocolMapped), fed.Protocol.ID)
	require.Len(t, fed.Groups, 1)
	assert.Equal(t, &f.groupID, fed.Groups[0].ID)

	// The shadow user is a real user of the provider's domain.
	shadow, err := admin.Raw().GetUserWithResponse(ctx, *tok.User.ID)
	require.NoError(t, err)
	assert.Equal(t, f.domainID, shadow.JSON200.User.DomainID)

	// GET answers the same way (201) for the same user.
	again, err := anon.GetFederatedTokenWithResponse(ctx, f.idp, protocolMapped, assertion(f.remoteID, user))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, again.StatusCode())
	assert.Equal(t, tok.User.ID, again.JSON201.Token.User.ID, "the same assertion maps to the same shadow user")

	// An assertion from a remote id the provider does not have is refused.
	bad, err := anon.IssueFederatedTokenWithResponse(ctx, f.idp, protocolMapped, assertion("https://evil.test/", user))
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, bad.StatusCode())
	assert.Contains(t, string(bad.Body), `"error"`, "Keystone's error answer")
	// A protocol the provider does not have.
	bad, err = anon.IssueFederatedTokenWithResponse(ctx, f.idp, "openid", assertion(f.remoteID, user))
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, bad.StatusCode())

	// The unscoped token sees the group's project, through the session of a
	// federated plugin (the token has no catalog, so the endpoint is given).
	fedSess := e2eutil.Session(t, &mappedLogin{idp: f.idp, protocol: protocolMapped, remoteID: f.remoteID, user: user})
	fedClient := e2eutil.Client(t, fedSess, identity.WithEndpoint(e2eutil.AuthURL()))
	projects, err := fedClient.Raw().ListFederatedProjectsWithResponse(ctx)
	require.NoError(t, err)
	require.Len(t, projects.JSON200.Projects, 1)
	assert.Equal(t, &f.project.ID, projects.JSON200.Projects[0].ID)
	authProjects, err := fedClient.Raw().ListAuthProjectsWithResponse(ctx)
	require.NoError(t, err)
	assert.Equal(t, projects.JSON200.Projects, authProjects.JSON200.Projects, "the deprecated list matches /v3/auth/projects")
	domains, err := fedClient.Raw().ListFederatedDomainsWithResponse(ctx)
	require.NoError(t, err)
	assert.Empty(t, domains.JSON200.Domains, "the group has no domain role")

	// Rescope the federated token to the project.
	scoped := e2eutil.Session(t, &auth.Token{AuthURL: e2eutil.AuthURL(), Token: unscoped, Scope: auth.Scope{ProjectID: f.project.ID}})
	a, err := scoped.AccessInfo(ctx)
	require.NoError(t, err)
	assert.Equal(t, f.project.ID, a.ProjectID())
	assert.Contains(t, a.RoleNames(), "member", "the role comes from the mapped group")
	assert.NotContains(t, a.RoleNames(), "admin")
	assert.Equal(t, *tok.User.ID, a.UserID())
	require.NotNil(t, a.Body.User.OSFEDERATION, "a rescoped token is still federated")
	assert.Equal(t, &f.idp, a.Body.User.OSFEDERATION.IdentityProvider.ID)
	assert.Positive(t, a.Catalog.Len(), "a project-scoped token has a catalog")

	// The scoped token works: the federated user sees its project.
	own, err := e2eutil.Client(t, scoped).Raw().GetProjectWithResponse(ctx, f.project.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, f.project.Name, own.JSON200.Project.Name)
}

// WebSSO: Keystone answers an HTML page whose form posts a fresh federated
// token to the trusted dashboard.
func TestWebSSO(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	f := setUpFederation(t, admin)
	user := e2eutil.Name(t, "ssouser")
	anon := e2eutil.Anonymous(t)
	origin := dashboard()
	sso := assertion(f.remoteID, user)

	calls := map[string]func() (*http.Response, []byte, error){
		"GET websso/{protocol}": func() (*http.Response, []byte, error) {
			r, err := anon.GetWebSSOTokenWithResponse(ctx, protocolMapped, &identityv3.GetWebSSOTokenParams{Origin: origin}, sso)
			if err != nil {
				return nil, nil, err
			}
			return r.HTTPResponse, r.Body, nil
		},
		"POST websso/{protocol}": func() (*http.Response, []byte, error) {
			r, err := anon.PostWebSSOTokenWithResponse(ctx, protocolMapped, &identityv3.PostWebSSOTokenParams{Origin: origin}, sso)
			if err != nil {
				return nil, nil, err
			}
			return r.HTTPResponse, r.Body, nil
		},
		"GET identity_providers/{idp}/protocols/{protocol}/websso": func() (*http.Response, []byte, error) {
			r, err := anon.GetIdentityProviderWebSSOTokenWithResponse(ctx, f.idp, protocolMapped,
				&identityv3.GetIdentityProviderWebSSOTokenParams{Origin: origin}, sso)
			if err != nil {
				return nil, nil, err
			}
			return r.HTTPResponse, r.Body, nil
		},
		"POST identity_providers/{idp}/protocols/{protocol}/websso": func() (*http.Response, []byte, error) {
			r, err := anon.PostIdentityProviderWebSSOTokenWithResponse(ctx, f.idp, protocolMapped,
				&identityv3.PostIdentityProviderWebSSOTokenParams{Origin: origin}, sso)
			if err != nil {
				return nil, nil, err
			}
			return r.HTTPResponse, r.Body, nil
		},
	}
	var userID string
	parent := t // the shadow user outlives the subtests: delete it at the end
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			resp, body, err := call()
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html"))
			form := parseSSOForm(t, body)
			assert.Equal(t, origin, form.action)
			assert.Equal(t, "post", strings.ToLower(form.method))
			require.NotEmpty(t, form.token)

			// The token in the form is a valid federated token for the user.
			v, err := admin.Raw().ValidateTokenWithResponse(ctx, &identityv3.ValidateTokenParams{XSubjectToken: form.token})
			require.NoError(t, err)
			tok := v.JSON200.Token
			assert.Equal(t, []string{protocolMapped}, tok.Methods)
			assert.Equal(t, &user, tok.User.Name)
			require.NotNil(t, tok.User.OSFEDERATION)
			assert.Equal(t, &f.idp, tok.User.OSFEDERATION.IdentityProvider.ID)
			if userID == "" && tok.User.ID != nil {
				userID = *tok.User.ID
				e2eutil.DeleteLater(parent, admin.Raw().DeleteUserWithResponse, userID)
			}
		})
	}

	// An origin that is not a trusted dashboard is refused.
	r, err := anon.GetWebSSOTokenWithResponse(ctx, protocolMapped,
		&identityv3.GetWebSSOTokenParams{Origin: "https://evil.example/dashboard/"}, sso)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, r.StatusCode())
	// Without a remote id Keystone cannot tell which provider the user came from.
	r, err = anon.GetWebSSOTokenWithResponse(ctx, protocolMapped, &identityv3.GetWebSSOTokenParams{Origin: origin})
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, r.StatusCode())
}

type ssoForm struct {
	action, method, token string
}

// parseSSOForm reads the WebSSO callback page with encoding/xml in its
// lenient HTML mode: the form's action and method and the "token" field.
func parseSSOForm(t *testing.T, page []byte) ssoForm {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(page)))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var f ssoForm
	forms := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := func(name string) string {
			for _, a := range el.Attr {
				if strings.EqualFold(a.Name.Local, name) {
					return a.Value
				}
			}
			return ""
		}
		switch strings.ToLower(el.Name.Local) {
		case "form":
			forms++
			f.action, f.method = attr("action"), attr("method")
		case "input":
			if attr("name") == "token" {
				f.token = attr("value")
			}
		}
	}
	require.Equal(t, 1, forms, "one form in %s", page)
	return f
}
