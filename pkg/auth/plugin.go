package auth

import (
	"context"
	"net/http"
)

// Doer sends one HTTP request. The Doer a Session hands to a plugin sends
// without a token and turns answers outside 2xx into *apierror.Error.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Plugin obtains a token. Authenticate is called by the Session when it
// needs a (new) token; it must not cache on its own.
//
// A plugin may also implement RequestDecorator (per-request credentials
// besides or instead of X-Auth-Token) and CacheKeyer (its tokens may be
// exported and cached). One that authenticates without a token returns an
// AccessInfo with NoToken set; one without a catalog may set
// EndpointOverride. A new plugin is a type in a file of its own plus a row
// in the registry (registry.go) so that NewPlugin builds it from options.
type Plugin interface {
	Authenticate(ctx context.Context, client Doer) (*AccessInfo, error)
}

// Scope says what a token is for. Set one of: a project (ProjectID, or
// ProjectName with ProjectDomainID or ProjectDomainName), a domain (DomainID
// or DomainName), System, or TrustID. The zero Scope asks for the user's
// default project, if Keystone has one for them; Unscoped asks explicitly for
// an unscoped token.
type Scope struct {
	ProjectID         string
	ProjectName       string
	ProjectDomainID   string
	ProjectDomainName string
	DomainID          string
	DomainName        string
	System            bool
	TrustID           string
	Unscoped          bool
}
