// Package authtoken is keystonemiddleware's auth_token for Go services:
// a Validator that checks the tokens of incoming requests with Keystone,
// using the service's own session, and net/http middleware that refuses
// what Keystone refuses and hands the rest on with the caller's identity.
//
//	cfg := authtoken.DefaultConfig()
//	cfg.ServiceType = "compute"
//	cfg.MemcachedServers = []string{"10.0.0.5:11211"}
//	v, err := authtoken.New(serviceSession, cfg)
//	http.ListenAndServe(":8774", v.Middleware(api))
//
// and, in a handler:
//
//	res, _ := authtoken.FromContext(r.Context())
//	res.User.UserID(), res.User.ProjectID(), res.User.RoleNames()
//
// What it does, as keystonemiddleware does it (auth_token/__init__.py and
// _request.py, whose option names Config and ConfigFromOptions use):
//
//   - Every identity header a client sent (AuthHeaders) is removed; for a
//     valid token the middleware sets X-Identity-Status, X-User-*,
//     X-Project-*, X-Domain-*, X-Roles, X-Is-Admin-Project,
//     OpenStack-System-Scope, the deprecated X-User, X-Tenant-*, X-Role,
//     X-Service-Catalog (include_service_catalog) and, for a service token,
//     X-Service-Identity-Status and the X-Service-* set.
//   - A refused request gets 401 with WWW-Authenticate: Keystone uri="…"
//     (www_authenticate_uri); with delay_auth_decision it goes on marked
//     Invalid. A token Keystone cannot be asked about gets 503, never 401.
//   - X-Service-Token is validated; one with a service_token_roles role
//     lets an expired user token through (allow_expired, within Keystone's
//     [token] allow_expired_window); with service_token_roles_required a
//     service token without such a role is itself refused.
//   - Application-credential access rules are enforced (service_type,
//     method, path with "*" and "**"), and every validation says so to
//     Keystone (OpenStack-Identity-Access-Rules: AccessRulesVersion).
//   - Answers are cached (token_cache_time, never past the token's expiry;
//     refusals for negative_cache_time), in a bounded in-process LRU or in
//     memcached (memcached_servers) under keys derived from the token, with
//     values signed or encrypted as memcache_security_strategy says. One
//     request to Keystone is made per token however many requests carry it.
//     A revoked token stays accepted while its answer is cached:
//     revalidate_interval bounds that while keeping cached answers in use
//     when Keystone is unreachable.
//
// Tokens appear in logs only as {SHA256} hashes; Metrics hooks count
// validations, cache hits and misses, Keystone errors and latency.
package authtoken
