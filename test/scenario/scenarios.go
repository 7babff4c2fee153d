package scenario

import (
	"context"
	"github.com/oapi-codegen/nullable"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// TokenLifecycle issues a project-scoped token, validates and checks it,
// revokes it and sees it refused.
func TokenLifecycle(t *testing.T, env Env) {
	admin := env.admin(t)
	p := env.Admin
	sess := env.Session(t, &p)
	a, err := sess.AccessInfo(ctx(t))
	require.NoError(t, err)
	assert.True(t, a.ProjectScoped())
	assert.Equal(t, env.Admin.Scope.ProjectName, a.ProjectName())
	assert.True(t, a.HasRole("admin"))
	assert.Equal(t, []string{"password"}, a.Methods())
	assert.True(t, a.Expires().After(a.Issued()))
	_, err = a.Catalog.URLFor(catalog.Filter{ServiceType: "identity"})
	assert.NoError(t, err, "the catalog has the identity service")
	subject, err := sess.Token(ctx(t))
	require.NoError(t, err)

	v, err := admin.ValidateTokenWithResponse(ctx(t), &identityv3.ValidateTokenParams{XSubjectToken: subject})
	require.Equal(t, http.StatusOK, status(t, v, err))
	assert.Equal(t, subject, v.HTTPResponse.Header.Get("X-Subject-Token"))
	assert.Equal(t, a.UserID(), *v.JSON200.Token.User.ID)
	assert.NotEmpty(t, v.JSON200.Token.Catalog)
	nocat, err := admin.ValidateTokenWithResponse(ctx(t), &identityv3.ValidateTokenParams{XSubjectToken: subject, Nocatalog: ptr(identityv3.NoCatalog(true))})
	require.Equal(t, http.StatusOK, status(t, nocat, err))
	assert.Empty(t, nocat.JSON200.Token.Catalog)

	c, err := admin.CheckTokenWithResponse(ctx(t), &identityv3.CheckTokenParams{XSubjectToken: subject})
	require.Equal(t, http.StatusOK, status(t, c, err))

	// A second token is independent of the one revoked.
	other := env.access(t, &p)
	r, err := admin.RevokeTokenWithResponse(ctx(t), &identityv3.RevokeTokenParams{XSubjectToken: subject})
	require.Equal(t, http.StatusNoContent, status(t, r, err))
	v, err = admin.ValidateTokenWithResponse(ctx(t), &identityv3.ValidateTokenParams{XSubjectToken: subject})
	assert.Equal(t, http.StatusNotFound, status(t, v, err))
	c, err = admin.CheckTokenWithResponse(ctx(t), &identityv3.CheckTokenParams{XSubjectToken: subject})
	assert.Equal(t, http.StatusNotFound, status(t, c, err))
	assert.NotEqual(t, other.AuditID(), a.AuditID())
}

// TokenScopes issues unscoped, project, domain, system and rescoped tokens
// for a user with roles on each.
func TokenScopes(t *testing.T, env Env) {
	f := newFixture(t, env)
	const pw = "scopes-Secret-1"
	u := f.user(pw)
	p := f.project("")
	other := f.project("")
	member, reader := f.roleID("member"), f.roleID("reader")
	f.grantProject(p.ID, u.ID, member)

	unscoped := env.access(t, env.password(u.ID, pw, auth.Scope{Unscoped: true}))
	assert.False(t, unscoped.Scoped())
	assert.Empty(t, unscoped.RoleNames())

	scoped := env.access(t, env.password(u.ID, pw, auth.Scope{ProjectID: p.ID}))
	assert.Equal(t, p.ID, scoped.ProjectID())
	assert.ElementsMatch(t, []string{"member", "reader"}, scoped.RoleNames(), "member implies reader")

	assert.Equal(t, http.StatusUnauthorized, env.authStatus(t, env.password(u.ID, pw, auth.Scope{ProjectID: other.ID})), "no role on the project")
	assert.Equal(t, http.StatusUnauthorized, env.authStatus(t, env.password(u.ID, "wrong-"+pw, auth.Scope{ProjectID: p.ID})), "wrong password")

	// By name, as a user would write it.
	named := env.access(t, &auth.Password{AuthURL: env.AuthURL, Username: u.Name, UserDomainID: "default", Password: pw,
		Scope: auth.Scope{ProjectName: p.Name, ProjectDomainID: "default"}})
	assert.Equal(t, p.ID, named.ProjectID())

	d, err := f.admin.GrantDomainUserRoleWithResponse(ctx(t), "default", u.ID, reader)
	require.Equal(t, http.StatusNoContent, status(t, d, err))
	domain := env.access(t, env.password(u.ID, pw, auth.Scope{DomainID: "default"}))
	assert.True(t, domain.DomainScoped())
	assert.Equal(t, "default", domain.DomainID())
	assert.Equal(t, []string{"reader"}, domain.RoleNames())

	s, err := f.admin.GrantSystemUserRoleWithResponse(ctx(t), u.ID, reader)
	require.Equal(t, http.StatusNoContent, status(t, s, err))
	system := env.access(t, env.password(u.ID, pw, auth.Scope{System: true}))
	assert.True(t, system.SystemScoped())

	// What the user may scope to, asked with an unscoped token.
	self := env.client(t, env.password(u.ID, pw, auth.Scope{Unscoped: true}))
	ap, err := self.ListAuthProjectsWithResponse(ctx(t))
	require.Equal(t, http.StatusOK, status(t, ap, err))
	require.Len(t, ap.JSON200.Projects, 1)
	assert.Equal(t, p.ID, *ap.JSON200.Projects[0].ID)
	ad, err := self.ListAuthDomainsWithResponse(ctx(t))
	require.Equal(t, http.StatusOK, status(t, ad, err))
	require.Len(t, ad.JSON200.Domains, 1)
	assert.Equal(t, "default", *ad.JSON200.Domains[0].ID)
	as, err := self.ListAuthSystemWithResponse(ctx(t))
	require.Equal(t, http.StatusOK, status(t, as, err))
	require.Len(t, as.JSON200.System, 1)
	assert.True(t, *as.JSON200.System[0].All)

	// Rescoping keeps the methods and the audit chain.
	unscopedToken, err := env.Session(t, env.password(u.ID, pw, auth.Scope{Unscoped: true})).Token(ctx(t))
	require.NoError(t, err)
	rescoped := env.access(t, &auth.Token{AuthURL: env.AuthURL, Token: unscopedToken, Scope: auth.Scope{ProjectID: p.ID}})
	assert.Equal(t, p.ID, rescoped.ProjectID())
	assert.ElementsMatch(t, []string{"token", "password"}, rescoped.Methods())
	assert.Len(t, rescoped.AuditIDs(), 2)
}

// ProjectHierarchyAndTags builds a two-level tree with tags and checks the
// filters, the tag operations and the rules on deleting.
func ProjectHierarchyAndTags(t *testing.T, env Env) {
	f := newFixture(t, env)
	admin := f.admin
	parent := f.project("")
	assert.Equal(t, "default", *parent.ParentID, "a top-level project's parent is its domain")
	child := f.project(parent.ID, "blue", "green")
	require.NotNil(t, child.ParentID)
	assert.Equal(t, parent.ID, *child.ParentID)
	assert.Equal(t, "default", *child.DomainID)

	list, err := admin.ListProjectsWithResponse(ctx(t), &identityv3.ListProjectsParams{ParentID: &parent.ID})
	require.Equal(t, http.StatusOK, status(t, list, err))
	assert.Equal(t, []string{child.ID}, projectIDs(list.JSON200.Projects))

	byTag, err := admin.ListProjectsWithResponse(ctx(t), &identityv3.ListProjectsParams{Tags: []string{"blue", "green"}, ParentID: &parent.ID})
	require.Equal(t, http.StatusOK, status(t, byTag, err))
	assert.Equal(t, []string{child.ID}, projectIDs(byTag.JSON200.Projects))
	notTag, err := admin.ListProjectsWithResponse(ctx(t), &identityv3.ListProjectsParams{NotTagsAny: []string{"blue"}, ParentID: &parent.ID})
	require.Equal(t, http.StatusOK, status(t, notTag, err))
	assert.Empty(t, notTag.JSON200.Projects)

	add, err := admin.AddProjectTagWithResponse(ctx(t), child.ID, "red")
	require.Equal(t, http.StatusCreated, status(t, add, err))
	tags, err := admin.ListProjectTagsWithResponse(ctx(t), child.ID)
	require.Equal(t, http.StatusOK, status(t, tags, err))
	assert.ElementsMatch(t, []string{"blue", "green", "red"}, tags.JSON200.Tags)
	chk, err := admin.CheckProjectTagWithResponse(ctx(t), child.ID, "purple")
	assert.Equal(t, http.StatusNotFound, status(t, chk, err))
	del, err := admin.DeleteProjectTagWithResponse(ctx(t), child.ID, "blue")
	require.Equal(t, http.StatusNoContent, status(t, del, err))
	got, err := admin.GetProjectWithResponse(ctx(t), child.ID, nil)
	require.Equal(t, http.StatusOK, status(t, got, err))
	assert.ElementsMatch(t, []string{"green", "red"}, got.JSON200.Project.Tags)

	dup, err := admin.CreateProjectWithResponse(ctx(t), identityv3.ProjectCreateRequest{Project: identityv3.ProjectCreate{
		Name: child.Name, DomainID: nullable.NewNullableWithValue("default")}})
	assert.Equal(t, http.StatusConflict, status(t, dup, err), "names are unique in a domain")

	gone, err := admin.DeleteProjectWithResponse(ctx(t), parent.ID)
	assert.Equal(t, http.StatusForbidden, status(t, gone, err), "a project with children")
	gone, err = admin.DeleteProjectWithResponse(ctx(t), child.ID)
	require.Equal(t, http.StatusNoContent, status(t, gone, err))
	gone, err = admin.DeleteProjectWithResponse(ctx(t), parent.ID)
	require.Equal(t, http.StatusNoContent, status(t, gone, err))
	got, err = admin.GetProjectWithResponse(ctx(t), parent.ID, nil)
	assert.Equal(t, http.StatusNotFound, status(t, got, err))
}

func projectIDs(list []identityv3.Project) []string {
	ids := []string{}
	for _, p := range list {
		ids = append(ids, p.ID)
	}
	return ids
}

// UsersGroupsAndEffectiveRoles gives a user a role through a group and
// checks membership, the effective assignments, the user's projects and
// that leaving the group takes the role away.
func UsersGroupsAndEffectiveRoles(t *testing.T, env Env) {
	f := newFixture(t, env)
	admin := f.admin
	const pw = "groups-Secret-1"
	u := f.user(pw)
	g := f.group()
	p := f.project("")
	role := f.role()

	add, err := admin.AddUserToGroupWithResponse(ctx(t), g.ID, u.ID)
	require.Equal(t, http.StatusNoContent, status(t, add, err))
	in, err := admin.CheckUserInGroupWithResponse(ctx(t), g.ID, u.ID)
	require.Equal(t, http.StatusNoContent, status(t, in, err))
	members, err := admin.ListGroupUsersWithResponse(ctx(t), g.ID, nil)
	require.Equal(t, http.StatusOK, status(t, members, err))
	require.Len(t, members.JSON200.Users, 1)
	assert.Equal(t, u.ID, members.JSON200.Users[0].ID)

	grant, err := admin.GrantProjectGroupRoleWithResponse(ctx(t), p.ID, g.ID, role.ID)
	require.Equal(t, http.StatusNoContent, status(t, grant, err))
	check, err := admin.CheckProjectGroupRoleWithResponse(ctx(t), p.ID, g.ID, role.ID)
	require.Equal(t, http.StatusNoContent, status(t, check, err))

	direct, err := admin.ListRoleAssignmentsWithResponse(ctx(t), &identityv3.ListRoleAssignmentsParams{UserID: &u.ID})
	require.Equal(t, http.StatusOK, status(t, direct, err))
	assert.Empty(t, direct.JSON200.RoleAssignments, "the user holds nothing directly")
	eff, err := admin.ListRoleAssignmentsWithResponse(ctx(t), &identityv3.ListRoleAssignmentsParams{UserID: &u.ID, Effective: ptr(true)})
	require.Equal(t, http.StatusOK, status(t, eff, err))
	require.Len(t, eff.JSON200.RoleAssignments, 1)
	ra := eff.JSON200.RoleAssignments[0]
	assert.Equal(t, role.ID, ra.Role.ID)
	require.NotNil(t, ra.Scope.Project)
	assert.Equal(t, p.ID, ra.Scope.Project.ID)
	require.NotNil(t, ra.Links.Membership)
	assert.Contains(t, *ra.Links.Membership, "/groups/"+g.ID+"/users/"+u.ID)
	byGroup, err := admin.ListRoleAssignmentsWithResponse(ctx(t), &identityv3.ListRoleAssignmentsParams{GroupID: &g.ID, IncludeNames: ptr(true)})
	require.Equal(t, http.StatusOK, status(t, byGroup, err))
	require.Len(t, byGroup.JSON200.RoleAssignments, 1)
	require.NotNil(t, byGroup.JSON200.RoleAssignments[0].Group)
	assert.Equal(t, g.Name, *byGroup.JSON200.RoleAssignments[0].Group.Name)
	assert.Equal(t, role.Name, *byGroup.JSON200.RoleAssignments[0].Role.Name)

	projects, err := admin.ListUserProjectsWithResponse(ctx(t), u.ID, nil)
	require.Equal(t, http.StatusOK, status(t, projects, err))
	assert.Equal(t, []string{p.ID}, projectIDs(projects.JSON200.Projects))
	userGroups, err := admin.ListUserGroupsWithResponse(ctx(t), u.ID, nil)
	require.Equal(t, http.StatusOK, status(t, userGroups, err))
	require.Len(t, userGroups.JSON200.Groups, 1)

	tok := env.access(t, env.password(u.ID, pw, auth.Scope{ProjectID: p.ID}))
	assert.Equal(t, []string{role.Name}, tok.RoleNames())
	// The user sees their own projects without any admin role.
	self := env.client(t, env.password(u.ID, pw, auth.Scope{ProjectID: p.ID}))
	own, err := self.ListUserProjectsWithResponse(ctx(t), u.ID, nil)
	require.Equal(t, http.StatusOK, status(t, own, err))
	assert.Equal(t, []string{p.ID}, projectIDs(own.JSON200.Projects))
	forbidden, err := self.ListUsersWithResponse(ctx(t), nil)
	assert.Equal(t, http.StatusForbidden, status(t, forbidden, err))

	rm, err := admin.RemoveUserFromGroupWithResponse(ctx(t), g.ID, u.ID)
	require.Equal(t, http.StatusNoContent, status(t, rm, err))
	in, err = admin.CheckUserInGroupWithResponse(ctx(t), g.ID, u.ID)
	assert.Equal(t, http.StatusNotFound, status(t, in, err))
	assert.Equal(t, http.StatusUnauthorized, env.authStatus(t, env.password(u.ID, pw, auth.Scope{ProjectID: p.ID})), "no role left on the project")
}

// ApplicationCredentials creates one, authenticates with it (by id and by
// name), refuses a wrong secret and a deleted credential.
func ApplicationCredentials(t *testing.T, env Env) {
	f := newFixture(t, env)
	const pw = "appcred-Secret-1"
	u := f.user(pw)
	p := f.project("")
	f.grantProject(p.ID, u.ID, f.roleID("member"))
	self := env.client(t, env.password(u.ID, pw, auth.Scope{ProjectID: p.ID}))

	resp, err := self.CreateApplicationCredentialWithResponse(ctx(t), u.ID, identityv3.ApplicationCredentialCreateRequest{
		ApplicationCredential: identityv3.ApplicationCredentialCreate{Name: name(t, "ac"),
			Roles: []identityv3.ApplicationCredentialRoleSelector{{Name: ptr("reader")}}}})
	require.Equal(t, http.StatusCreated, status(t, resp, err))
	ac := resp.JSON201.ApplicationCredential
	require.NotNil(t, ac.Secret)
	assert.Equal(t, p.ID, *ac.ProjectID)
	require.Len(t, ac.Roles, 1)

	got, err := self.GetApplicationCredentialWithResponse(ctx(t), u.ID, ac.ID)
	require.Equal(t, http.StatusOK, status(t, got, err))
	assert.Nil(t, got.JSON200.ApplicationCredential.Secret, "the secret is shown once")
	dup, err := self.CreateApplicationCredentialWithResponse(ctx(t), u.ID, identityv3.ApplicationCredentialCreateRequest{
		ApplicationCredential: identityv3.ApplicationCredentialCreate{Name: ac.Name}})
	assert.Equal(t, http.StatusConflict, status(t, dup, err))

	tok := env.access(t, &auth.ApplicationCredential{AuthURL: env.AuthURL, ID: ac.ID, Secret: *ac.Secret})
	assert.Equal(t, []string{"application_credential"}, tok.Methods())
	assert.Equal(t, p.ID, tok.ProjectID())
	assert.Equal(t, ac.ID, tok.ApplicationCredentialID())
	assert.Equal(t, []string{"reader"}, tok.RoleNames())
	byName := env.access(t, &auth.ApplicationCredential{AuthURL: env.AuthURL, Name: ac.Name, UserID: u.ID, Secret: *ac.Secret})
	assert.Equal(t, ac.ID, byName.ApplicationCredentialID())

	assert.Equal(t, http.StatusUnauthorized, env.authStatus(t, &auth.ApplicationCredential{AuthURL: env.AuthURL, ID: ac.ID, Secret: "wrong"}))

	del, err := self.DeleteApplicationCredentialWithResponse(ctx(t), u.ID, ac.ID)
	require.Equal(t, http.StatusNoContent, status(t, del, err))
	assert.Equal(t, http.StatusNotFound, env.authStatus(t, &auth.ApplicationCredential{AuthURL: env.AuthURL, ID: ac.ID, Secret: *ac.Secret}), "Keystone says the id is unknown")
	assert.Equal(t, http.StatusUnauthorized, env.authStatus(t, &auth.ApplicationCredential{AuthURL: env.AuthURL, Name: ac.Name, UserID: u.ID, Secret: *ac.Secret}), "by name it does not")
}

// Trusts delegates a role from a trustor to a trustee, who gets a
// trust-scoped token with exactly that role.
func Trusts(t *testing.T, env Env) {
	f := newFixture(t, env)
	const pw = "trust-Secret-1"
	trustor, trustee := f.user(pw), f.user(pw)
	p := f.project("")
	f.grantProject(p.ID, trustor.ID, f.roleID("member"))
	self := env.client(t, env.password(trustor.ID, pw, auth.Scope{ProjectID: p.ID}))

	resp, err := self.CreateTrustWithResponse(ctx(t), identityv3.TrustCreateRequest{Trust: identityv3.TrustCreate{
		TrustorUserID: trustor.ID, TrusteeUserID: trustee.ID, ProjectID: nullable.NewNullableWithValue(p.ID),
		Roles: []identityv3.TrustRoleSelector{{Name: ptr("member")}}}})
	require.Equal(t, http.StatusCreated, status(t, resp, err))
	tr := resp.JSON201.Trust
	assert.False(t, tr.Impersonation)
	later(t, deleted(self.DeleteTrustWithResponse, tr.ID))

	refused, err := self.CreateTrustWithResponse(ctx(t), identityv3.TrustCreateRequest{Trust: identityv3.TrustCreate{
		TrustorUserID: trustee.ID, TrusteeUserID: trustor.ID, ProjectID: nullable.NewNullableWithValue(p.ID),
		Roles: []identityv3.TrustRoleSelector{{Name: ptr("member")}}}})
	assert.Equal(t, http.StatusForbidden, status(t, refused, err), "only the trustor creates a trust")

	tok := env.access(t, env.password(trustee.ID, pw, auth.Scope{TrustID: tr.ID}))
	assert.True(t, tok.TrustScoped())
	assert.Equal(t, tr.ID, tok.TrustID())
	assert.Equal(t, trustee.ID, tok.UserID())
	assert.Equal(t, trustor.ID, tok.TrustorUserID())
	assert.Equal(t, p.ID, tok.ProjectID())
	assert.ElementsMatch(t, []string{"member", "reader"}, tok.RoleNames(), "the delegated role and what it implies")

	list, err := self.ListTrustsWithResponse(ctx(t), &identityv3.ListTrustsParams{TrustorUserID: &trustor.ID})
	require.Equal(t, http.StatusOK, status(t, list, err))
	require.Len(t, list.JSON200.Trusts, 1)
	assert.Equal(t, tr.ID, list.JSON200.Trusts[0].ID)

	asTrustee := env.client(t, env.password(trustee.ID, pw, auth.Scope{TrustID: tr.ID}))
	byTrustee, err := asTrustee.GetTrustWithResponse(ctx(t), tr.ID)
	require.Equal(t, http.StatusOK, status(t, byTrustee, err), "the trustee reads the trust")
	assert.Equal(t, trustor.ID, byTrustee.JSON200.Trust.TrustorUserID)
	delegated, err := asTrustee.ListTrustRolesWithResponse(ctx(t), tr.ID)
	require.Equal(t, http.StatusOK, status(t, delegated, err))
	require.Len(t, delegated.JSON200.Roles, 1)
	assert.Equal(t, "member", delegated.JSON200.Roles[0].Name)
	one, err := asTrustee.CheckTrustRoleWithResponse(ctx(t), tr.ID, delegated.JSON200.Roles[0].ID)
	assert.Equal(t, http.StatusOK, status(t, one, err))
	one, err = asTrustee.CheckTrustRoleWithResponse(ctx(t), tr.ID, f.roleID("admin"))
	assert.Equal(t, http.StatusNotFound, status(t, one, err), "a role the trust does not delegate")
	del, err := asTrustee.DeleteTrustWithResponse(ctx(t), tr.ID)
	assert.Equal(t, http.StatusForbidden, status(t, del, err), "only the trustor deletes a trust")
	del, err = self.DeleteTrustWithResponse(ctx(t), tr.ID)
	require.Equal(t, http.StatusNoContent, status(t, del, err))
	assert.Equal(t, http.StatusUnauthorized, env.authStatus(t, env.password(trustee.ID, pw, auth.Scope{TrustID: tr.ID})), "a deleted trust")
}

// CatalogControl adds a service with endpoints and finds it in new
// tokens' catalogs and in GET /auth/catalog.
func CatalogControl(t *testing.T, env Env) {
	f := newFixture(t, env)
	admin := f.admin
	region := name(t, "region")
	rg, err := admin.CreateRegionWithIDWithResponse(ctx(t), region, identityv3.RegionCreateRequest{Region: identityv3.RegionCreate{}})
	require.Equal(t, http.StatusCreated, status(t, rg, err))
	later(t, deleted(admin.DeleteRegionWithResponse, region))
	svcType := name(t, "type")
	svc, err := admin.CreateServiceWithResponse(ctx(t), identityv3.ServiceCreateRequest{Service: identityv3.ServiceCreate{Type: svcType, Name: ptr("svc")}})
	require.Equal(t, http.StatusCreated, status(t, svc, err))
	sid := svc.JSON201.Service.ID
	later(t, deleted(admin.DeleteServiceWithResponse, sid))
	var eps []string
	for _, iface := range []identityv3.EndpointInterface{"public", "internal"} {
		ep, err := admin.CreateEndpointWithResponse(ctx(t), identityv3.EndpointCreateRequest{Endpoint: identityv3.EndpointCreate{
			ServiceID: sid, Interface: iface, RegionID: &region, URL: "http://svc.example/" + string(iface)}})
		require.Equal(t, http.StatusCreated, status(t, ep, err))
		id := ep.JSON201.Endpoint.ID
		eps = append(eps, id)
		later(t, deleted(admin.DeleteEndpointWithResponse, id))
	}
	bad, err := admin.CreateEndpointWithResponse(ctx(t), identityv3.EndpointCreateRequest{Endpoint: identityv3.EndpointCreate{
		ServiceID: sid, Interface: "public", RegionID: ptr(name(t, "nowhere")), URL: "http://svc.example/"}})
	assert.Equal(t, http.StatusBadRequest, status(t, bad, err), "an unknown region")

	p := env.Admin
	tok := env.access(t, &p)
	url, err := tok.Catalog.URLFor(catalog.Filter{ServiceType: svcType, Interfaces: []string{"internal"}, Region: region})
	require.NoError(t, err)
	assert.Equal(t, "http://svc.example/internal", url)

	cat, err := admin.GetAuthCatalogWithResponse(ctx(t))
	require.Equal(t, http.StatusOK, status(t, cat, err))
	i := slices.IndexFunc(cat.JSON200.Catalog, func(s identityv3.CatalogService) bool { return s.ID != nil && *s.ID == sid })
	require.GreaterOrEqual(t, i, 0)
	assert.Len(t, cat.JSON200.Catalog[i].Endpoints, 2)

	list, err := admin.ListEndpointsWithResponse(ctx(t), &identityv3.ListEndpointsParams{ServiceID: &sid})
	require.Equal(t, http.StatusOK, status(t, list, err))
	assert.Len(t, list.JSON200.Endpoints, 2)
	for _, id := range eps {
		del, err := admin.DeleteEndpointWithResponse(ctx(t), id)
		require.Equal(t, http.StatusNoContent, status(t, del, err))
	}
	tok = env.access(t, &p)
	_, err = tok.Catalog.URLFor(catalog.Filter{ServiceType: svcType})
	assert.Error(t, err, "no endpoint left")
}

// DomainsAndCredentials creates a domain (which must be disabled before it
// is deleted) and a credential of a user.
func DomainsAndCredentials(t *testing.T, env Env) {
	f := newFixture(t, env)
	admin := f.admin
	d, err := admin.CreateDomainWithResponse(ctx(t), identityv3.DomainCreateRequest{Domain: identityv3.DomainCreate{Name: name(t, "d")}})
	require.Equal(t, http.StatusCreated, status(t, d, err))
	dom := d.JSON201.Domain
	assert.True(t, dom.Enabled)
	later(t, func(c context.Context) error {
		_, _ = admin.UpdateDomainWithResponse(c, dom.ID, identityv3.DomainUpdateRequest{Domain: identityv3.DomainUpdate{Enabled: ptr(false)}})
		_, err := admin.DeleteDomainWithResponse(c, dom.ID)
		return err
	})
	dup, err := admin.CreateDomainWithResponse(ctx(t), identityv3.DomainCreateRequest{Domain: identityv3.DomainCreate{Name: dom.Name}})
	assert.Equal(t, http.StatusConflict, status(t, dup, err))
	del, err := admin.DeleteDomainWithResponse(ctx(t), dom.ID)
	assert.Equal(t, http.StatusForbidden, status(t, del, err), "an enabled domain")
	up, err := admin.UpdateDomainWithResponse(ctx(t), dom.ID, identityv3.DomainUpdateRequest{Domain: identityv3.DomainUpdate{Enabled: ptr(false)}})
	require.Equal(t, http.StatusOK, status(t, up, err))
	assert.False(t, up.JSON200.Domain.Enabled)
	del, err = admin.DeleteDomainWithResponse(ctx(t), dom.ID)
	require.Equal(t, http.StatusNoContent, status(t, del, err))

	u := f.user("cred-Secret-1")
	c, err := admin.CreateCredentialWithResponse(ctx(t), identityv3.CredentialCreateRequest{Credential: identityv3.CredentialCreate{
		UserID: u.ID, Type: "cert", Blob: "not-a-secret"}})
	require.Equal(t, http.StatusCreated, status(t, c, err))
	cred := c.JSON201.Credential
	assert.Equal(t, u.ID, cred.UserID)
	list, err := admin.ListCredentialsWithResponse(ctx(t), &identityv3.ListCredentialsParams{UserID: &u.ID})
	require.Equal(t, http.StatusOK, status(t, list, err))
	require.Len(t, list.JSON200.Credentials, 1)
	assert.Equal(t, cred.ID, list.JSON200.Credentials[0].ID)
	rm, err := admin.DeleteCredentialWithResponse(ctx(t), cred.ID)
	require.Equal(t, http.StatusNoContent, status(t, rm, err))
	got, err := admin.GetCredentialWithResponse(ctx(t), cred.ID)
	assert.Equal(t, http.StatusNotFound, status(t, got, err))
}

// Errors checks the shape of Keystone's errors for a missing resource and
// a bad token.
func Errors(t *testing.T, env Env) {
	admin := env.admin(t)
	_, err := admin.GetProjectWithResponse(ctx(t), "does-not-exist", nil)
	require.Equal(t, http.StatusNotFound, statusOf(t, err))
	assert.Contains(t, err.Error(), "Could not find project: does-not-exist")

	v, err := admin.ValidateTokenWithResponse(ctx(t), &identityv3.ValidateTokenParams{XSubjectToken: "not-a-token"})
	assert.Equal(t, http.StatusNotFound, status(t, v, err))

	u, err := admin.GetUserWithResponse(ctx(t), "does-not-exist")
	assert.Equal(t, http.StatusNotFound, status(t, u, err))
}
