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
// Plugins mirror keystoneauth's, under the same names and option names
// (NewPlugin, Options, PluginNames): password and token (generic, version
// discovering), v3password (Password), v3token (Token),
// v3applicationcredential, v3totp, v3multifactor (with Keystone's
// auth-receipt flow), v3oauth1, v3oauth2clientcredential and its mutual-TLS
// variant, v3tokenlessauth, admin_token (TokenEndpoint), http_basic and
// none; v2password and v2token for Identity v2.0. The federated ones
// (v3oidc*, v3samlpassword, v3adfspassword, v3k2k, v3federatedheaders) are
// in package federation, which registers them with NewPlugin when a program
// imports it (see Register): a program that does not links none of what
// they need.
// Every plugin that takes a Scope takes every scope (project by id or
// by name and domain, domain, system, trust, unscoped); Rescope exchanges a
// session's token for another scope, and AvailableProjects and
// AvailableDomains list where it can go.
//
// AccessInfo has every property of keystoneauth's AccessInfo. A session's
// token can be exported and imported (ExportState, ImportState, WithState)
// and shared between processes through files (WithFileCache), keyed by the
// plugin's CacheID, which never includes a secret.
//
// # Cached tokens and the secret
//
// The cache id names a user, not a proof that the caller is that user. So
// that a service logging its own users in through the SDK cannot hand one
// user's cached token to someone who merely names them, a cached token is
// served only to a plugin that proves the secret it was obtained with
// (SecretProver): the password, the application credential's secret, the
// OAuth secrets, the token, every method's secret of a multi-factor login.
// Each cached token carries an HMAC-SHA-256 of itself, its body and that
// secret, keyed by a random key: the file proof.key (0600) in the cache
// directory, or for exported state the session's state key (WithStateKey;
// by default a random key per session, so that states move between
// sessions only when the application gives them the same key). A mismatch
// is a cache miss: the plugin authenticates with Keystone, which judges the
// secret. The threat this answers is a caller of the SDK who knows a user
// but not their secret; someone who can read the key as well as the cached
// tokens already holds live tokens and can test guesses of the secret
// offline, so keep the cache directory and the state key private. A plugin
// whose secret cannot be proven again (a TOTP passcode, a client
// certificate) gets no cached token unless the session opts in with
// WithUnprovenCache.
package auth
