// Package keystonetest runs a fake Keystone for tests: an in-memory server
// of the Identity v2.0 API (the version Keystone itself stopped serving in
// 2018, which old clouds and old clients still speak).
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
// # Use
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
// # What is seeded
//
// A fresh server holds what keystone-manage bootstrap creates: an "admin"
// tenant, an "admin" user with the admin role on it (Admin returns its
// credentials), the roles "admin" and "_member_" (MemberRoleID), and an
// identity service "keystone" with one endpoint in DefaultRegion whose
// public, internal and admin URLs are URL. More can be added directly
// (AddTenant, AddUser, AddRole, GrantRole, AddService, AddEndpoint,
// AddEC2Credential, IssueToken) or through the API. Endpoint URLs may hold
// $(tenant_id)s, which a token's catalog fills in.
//
// # What tests can observe
//
// TokenRequests counts POST /v2.0/tokens requests and Calls counts the
// requests of any operation (by operationId), so a test of token caching
// can check how often a client authenticated. RevokeToken and
// RevokeAllTokens make the next use of a token answer 401; WithClock and
// WithTokenTTL let tokens expire without waiting. Violations lists what the
// server found wrong.
//
// # Behaviour, and what is not modelled
//
// The fake follows the last Keystone that served v2.0 (Pike): creates answer
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
