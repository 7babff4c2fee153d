package auth

import (
	"context"
	"fmt"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// Rescope returns a Session for another scope of sess's user: its token
// is obtained by exchanging sess's token (the token method), now, so that
// a scope the user has no role on fails here. The new Session shares
// sess's HTTP client, options and discovery cache; when its token nears
// expiry it exchanges sess's current token again, and sess renews its own
// through its plugin. (A rescoped token never outlives the one it came
// from: Keystone keeps the original expiry.)
//
// The typical use is to log in unscoped, list the projects the user can
// reach (AvailableProjects) and pick one.
func Rescope(ctx context.Context, sess *Session, scope Scope) (*Session, error) {
	if sess == nil {
		return nil, fmt.Errorf("%w: Rescope needs a session", apierror.ErrMissingAuthPlugin)
	}
	if _, err := scope.v3(); err != nil {
		return nil, err
	}
	derived := sess.derive(&rescoped{parent: sess, scope: scope})
	if _, err := derived.AccessInfo(ctx); err != nil {
		return nil, err
	}
	return derived, nil
}

// rescoped is the plugin of a Session made by Rescope.
type rescoped struct {
	parent *Session
	scope  Scope
}

func (r *rescoped) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	pa, err := r.parent.AccessInfo(ctx)
	if err != nil {
		return nil, err
	}
	if pa.Token == "" {
		return nil, fmt.Errorf("%w: the session has no token to rescope", apierror.ErrAuthorization)
	}
	base, err := identityBase(ctx, r.parent, pa)
	if err != nil {
		return nil, err
	}
	return (&Token{AuthURL: base, Token: pa.Token, Scope: r.scope}).Authenticate(ctx, client)
}

// CacheKey is the parent plugin's with the new scope, so that the rescoped
// session's state can be exported and imported like any other.
func (r *rescoped) CacheKey() map[string]string {
	ck, ok := r.parent.plugin.(CacheKeyer)
	if !ok {
		return nil
	}
	k := ck.CacheKey()
	if k == nil {
		return nil
	}
	rs := CacheKey("rescoped", "", &r.scope, false)
	for name, v := range rs {
		k["rescope."+name] = v
	}
	return k
}

// CacheSecret is the parent plugin's.
func (r *rescoped) CacheSecret() ([]byte, bool) { return secretOf(r.parent.plugin) }

// derive returns a Session with sess's configuration and its own plugin
// and token. It copies every configuration field of Session; a new field
// must be added here (TestDeriveCopiesEveryField fails until it is).
func (s *Session) derive(p Plugin) *Session {
	return &Session{
		plugin:          p,
		client:          s.client,
		logger:          s.logger,
		refreshMargin:   s.refreshMargin,
		mandatoryMargin: s.mandatoryMargin,
		now:             s.now,
		authTimeout:     s.authTimeout,
		maxResponse:     s.maxResponse,
		userAgent:       s.userAgent,
		discovery:       s.discovery,
		retry:           s.retry,
		maxRedirects:    s.maxRedirects,
		userRedirect:    s.userRedirect,
		globalRequestID: s.globalRequestID,
		limits:          s.limits,
		timings:         s.timings,
		hook:            s.hook,
		tls:             s.tls,
		timeout:         s.timeout,
		logBodyLimit:    s.logBodyLimit,
		interfaces:      s.interfaces,
		region:          s.region,
		overrides:       s.overrides,
		configErr:       s.configErr,
		stateKey:        s.stateKey,
		unprovenCache:   s.unprovenCache,
	}
}

// identityBase is the v3 root to send auth requests for sess to: the URL
// its token was issued by, or the identity endpoint of its catalog.
func identityBase(ctx context.Context, sess *Session, a *AccessInfo) (string, error) {
	if a.AuthURL != "" {
		return a.AuthURL, nil
	}
	return sess.VersionedEndpoint(ctx, catalog.Filter{ServiceType: "identity"}, 3)
}

// authClient is a generated client for the v3 root of sess's identity
// service, sending with sess's token.
func authClient(ctx context.Context, sess *Session) (*identityv3.ClientWithResponses, error) {
	if sess == nil {
		return nil, fmt.Errorf("%w: no session", apierror.ErrMissingAuthPlugin)
	}
	a, err := sess.AccessInfo(ctx)
	if err != nil {
		return nil, err
	}
	base, err := identityBase(ctx, sess, a)
	if err != nil {
		return nil, err
	}
	return identityv3.NewClientWithResponses(base, identityv3.WithHTTPClient(sess))
}

// AvailableProjects lists the projects sess's token can be rescoped to
// (GET /v3/auth/projects): those the user has a role on, directly, by
// group or by inheritance.
func AvailableProjects(ctx context.Context, sess *Session) ([]identityv3.AuthProject, error) {
	c, err := authClient(ctx, sess)
	if err != nil {
		return nil, err
	}
	resp, err := c.ListAuthProjectsWithResponse(ctx)
	if err != nil {
		return nil, err
	}
	if resp.JSON200 == nil {
		return nil, fmt.Errorf("%w: GET /v3/auth/projects answered %d without a project list", apierror.ErrInvalidResponse, resp.StatusCode())
	}
	return resp.JSON200.Projects, nil
}

// AvailableDomains lists the domains sess's token can be rescoped to
// (GET /v3/auth/domains).
func AvailableDomains(ctx context.Context, sess *Session) ([]identityv3.AuthDomain, error) {
	c, err := authClient(ctx, sess)
	if err != nil {
		return nil, err
	}
	resp, err := c.ListAuthDomainsWithResponse(ctx)
	if err != nil {
		return nil, err
	}
	if resp.JSON200 == nil {
		return nil, fmt.Errorf("%w: GET /v3/auth/domains answered %d without a domain list", apierror.ErrInvalidResponse, resp.StatusCode())
	}
	return resp.JSON200.Domains, nil
}

// SystemScopeAvailable reports whether sess's token can be rescoped to the
// system (GET /v3/auth/system lists {"all": true}).
func SystemScopeAvailable(ctx context.Context, sess *Session) (bool, error) {
	c, err := authClient(ctx, sess)
	if err != nil {
		return false, err
	}
	resp, err := c.ListAuthSystemWithResponse(ctx)
	if err != nil {
		return false, err
	}
	if resp.JSON200 == nil {
		return false, fmt.Errorf("%w: GET /v3/auth/system answered %d without a system list", apierror.ErrInvalidResponse, resp.StatusCode())
	}
	for _, s := range resp.JSON200.System {
		if s.All != nil && *s.All {
			return true, nil
		}
	}
	return false, nil
}
