// Package auth holds the Session every keystone-go client sends its requests
// through, and the plugins that get it a token.
//
// A Session authenticates on demand: creating one makes no request. The
// first request that needs a token asks the plugin for one; the token is then
// reused until shortly before it expires (RefreshMargin), refreshed by exactly
// one request however many goroutines need it at that moment, and dropped and
// re-obtained once when Keystone answers 401. Every answer outside 2xx comes
// back as an *apierror.Error.
//
// Plugins mirror keystoneauth's: Password and Token (v3) with every scope
// (project by id or by name and domain, domain, system, trust, unscoped).
package auth
