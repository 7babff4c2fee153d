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
// # What lives here, and what below
//
// This package is the Session, the Plugin interface, scopes, AccessInfo,
// token state and the plugins, with every option a user sets on a Session
// (retries, limits, TLS, timings, logging). The mechanisms behind those
// options are internal: internal/transport (when to retry and how long to
// wait, concurrency and rate limits, TLS configuration, the timing record;
// it knows nothing of Keystone), internal/redact (how URLs, credential
// headers and bodies appear in errors and the log) and internal/jsonbody (a
// JSON answer is whole before it is decoded), the last two shared with
// pkg/identity. None of them imports this package.
package auth
