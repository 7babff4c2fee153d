// Package keystonetest runs fake Keystones for tests, in process:
// NewV3, an in-memory, stateful server of the Identity v3 API, and NewV2,
// one of the Identity v2.0 API (the version Keystone itself stopped serving
// in 2018, which old clouds and old clients still speak).
//
// # Identity v3 (NewV3)
//
// The server is an httptest.Server. It finds the operation of every
// request, checks the request and its own answer against
// api/identity-v3.yaml with pkg/specvalidate (which embeds the document)
// and only then sends the answer; a violation on either side is answered
// with a 500 that names it and recorded, and with a testing.TB fails the
// test when it ends. An operation the fake does not model answers 501 with
// a message naming its operation id, and so does a modelled operation
// given a query parameter the fake does not model (getProject's
// subtree_as_ids, say); neither is held to the spec.
//
//	ks := keystonetest.NewV3(t)
//	alice := ks.AddUser("alice", "alice-password")
//	web := ks.AddProject("web", "")
//	ks.GrantProjectRole(alice, web, ks.RoleID("member"))
//	sess := auth.New(&auth.Password{AuthURL: ks.URL(), UserID: alice, Password: "alice-password",
//		Scope: auth.Scope{ProjectID: web}}, auth.WithHTTPClient(ks.HTTPClient()))
//	client, _ := identity.NewV3(sess)
//
// A fresh server holds what keystone-manage bootstrap creates: the domain
// "default", the project and user "admin" (Admin returns the credentials)
// with the admin role on the project and on the system, the roles admin,
// member and reader (admin implies member, member implies reader), the
// region RegionOne (WithRegion) and the identity service "keystone" with
// public, internal and admin endpoints whose URL is URL. The catalog is the
// test's: AddService and AddEndpoint, or the API.
//
// Modelled, as Keystone (Zed to 2026.2) answers them — ids, links, the
// {"error": {...}} body and its 400/401/403/404/409, X-Subject-Token:
//   - tokens: issue with the password, token (rescoping: methods and audit
//     chain kept, expiry kept) and application_credential methods, scoped
//     to a project, a domain, the system or a trust, unscoped, or by
//     default to the user's default_project_id; validate (nocatalog,
//     allow_expired), check and revoke; GET /auth/catalog, /auth/projects,
//     /auth/domains, /auth/system. A token's roles are worked out at each
//     use, so removing a grant, a group membership, a trust or an
//     application credential ends the tokens that needed it; a new
//     password, disabling or deleting the user ends the user's tokens.
//   - create, list (with the filters the spec names, name__contains and
//     its kin), get, update and delete of domains (deleted only when
//     disabled, with their projects, users and groups), projects (the
//     hierarchy: parent_id, a parent is deleted only without children;
//     tags, their filters and the six tag operations), users (passwords
//     never shown; POST /users/{id}/password), groups and membership,
//     roles, services, endpoints, regions (PUT with an id too),
//     credentials, application credentials (secret shown once, roles a
//     subset of the creator's) and trusts (roles the trustor holds,
//     impersonation, remaining_uses, expiry; the delegated roles).
//   - grants of roles to users and groups on projects, domains and the
//     system, and OS-INHERIT grants to a domain's or project's subtree
//     (put, check, get, delete, list); role inference rules (put, check,
//     delete); GET /role_assignments with its filters, effective (groups
//     expanded into members, inherited grants into projects, implied roles
//     added, with Keystone's links) and include_names; the user's projects
//     and groups; the group's users.
//   - version discovery: GET / (300) and GET /v3.
//
// Policy: the admin role, on whatever the token is scoped to, may do
// anything (Keystone's default policy without enforced scopes); any other
// token only what is its user's own — its tokens, its user, projects,
// groups, password, application credentials and trusts, the projects it
// has a role on.
//
// Not modelled (501): federation, OAuth 1.0a and 2.0, EC2 and S3 tokens
// and OS-EC2 credentials, TOTP and multi-factor receipts, endpoint groups
// and filters, policies and endpoint policy, limits and registered limits,
// domain configuration, access rules, revocation events and PKI lists,
// DELETE /users/{id}/tokens, GET /role_inferences and the GET forms of
// implied roles, project parents and subtree views, include_subtree of
// role assignments. Also not modelled: pagination and list_limit (lists
// are whole), projects acting as domains, domain-specific roles beyond
// storing their domain_id, resource options (immutable, lockout, password
// expiry and history rules), cascade deletes of project trees, trust
// redelegation, application credential access rules, the allow_expired
// window (any expired token validates with it), and Keystone's HTML 404 for
// unknown routes (the fake answers JSON and records a violation).
//
// Where Keystone's releases differ, the spec says so (x-keystone-releases)
// and WithRelease makes the fake answer as one of them: an operation that
// release does not serve answers 404, a query parameter it refuses 400
// (Keystone 27 refuses the name__ filters of roles and groups). Other
// differences between releases are not modelled.
//
// Test controls: WithClock (NewClock gives one to Advance, so tokens and
// application credentials expire without waiting; every answer's Date
// header is read from it, so a Session renews ahead by it) and WithTokenTTL;
// InjectFault answers the next requests (of one operation, or any) with a
// status such as 401, 429 or 503 and a Retry-After, or holds them back;
// Requests is the log of every request (operation id, status, whether a
// fault answered it) and Calls counts one operation's, so a test can
// assert that a token was requested once; RevokeToken ends a token.
//
// # Identity v2.0 (NewV2)
//
// The server is an httptest.Server. Its answers come from the generated
// strict server of api/identity-v2.yaml, and it checks every request it
// receives and every response it sends against that document with
// kin-openapi. A request or response the spec does not describe is answered
// with a 500 whose message names the violation, and is recorded; with a
// testing.TB the test fails at its end for each one. A client that passes
// its tests against this server therefore speaks the documented API, and
// the spec describes what the fake really does.
//
//	ks := keystonetest.NewV2(t)
//	admin := ks.Admin() // user, password and tenant the server was seeded with
//	client, _ := identityv2.NewClientWithResponses(ks.URL())
//	resp, _ := client.IssueTokenWithResponse(ctx, identityv2.AuthRequest{Auth: identityv2.Auth{
//		PasswordCredentials: &identityv2.PasswordCredentials{Username: &admin.Username, Password: admin.Password},
//		TenantName:          &admin.TenantName,
//	}})
//	token := resp.JSON200.Access.Token.ID
//
// URL is the v2.0 endpoint (…/v2.0, also the identity endpoint of the
// catalog); RootURL answers the version list (300) as Keystone's root does.
//
// A fresh v2.0 server holds what keystone-manage bootstrap creates: an "admin"
// tenant, an "admin" user with the admin role on it (Admin returns its
// credentials), the roles "admin" and "_member_" (MemberRoleID), and an
// identity service "keystone" with one endpoint in DefaultRegion whose
// public, internal and admin URLs are URL. More can be added directly
// (AddTenant, AddUser, AddRole, GrantRole, AddService, AddEndpoint,
// AddEC2Credential, IssueToken) or through the API. Endpoint URLs may hold
// $(tenant_id)s, which a token's catalog fills in.
//
// TokenRequests counts POST /v2.0/tokens requests and Calls counts the
// requests of any operation (by operationId), so a test of token caching
// can check how often a client authenticated. RevokeToken and
// RevokeAllTokens make the next use of a token answer 401; WithClock and
// WithTokenTTL let tokens expire without waiting. Violations lists what the
// server found wrong.
//
// The v2.0 fake follows the last Keystone that served v2.0 (Pike): creates answer
// 200, not the api-ref's 201; admin calls need a token with the admin role
// on its tenant (401 without a valid token, 403 without the role); a token
// is valid while it has not expired or been revoked and its user, tenant
// and the user's roles on the tenant still exist and are enabled; a new
// password, or disabling or deleting the user, revokes the user's tokens;
// a user created with a tenantId gets the _member_ role there;
// GET /users/{user_id}/roles answers 501 as Keystone did. Roles and services can also be fetched by name, as
// the api-ref (not Keystone) documents.
//
// Not modelled: domains and anything v3; trusts (trust_id is refused with
// 403) and token binding; external (REMOTE_USER) authentication; EC2
// signature versions other than 2 (SignEC2 makes a valid one); the CMS
// signature of GET /v2.0/tokens/revoked (the armoured content is the
// unsigned JSON list); the extra attributes Keystone keeps on tenants,
// users, roles, services and endpoints (they are accepted and dropped);
// pagination of anything but tenants; policy beyond the admin role (a
// "service" role may also validate tokens); the separate public and admin
// ports of old deployments (one server answers both: an admin sees every
// tenant on GET /v2.0/tenants, anyone else their own); s3tokens; and
// Keystone's HTML 404 for unknown routes (the fake answers JSON and records
// a violation).
package keystonetest
