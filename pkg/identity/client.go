package identity

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/internal/jsonbody"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// Client is the Identity v3 API: every generated operation, sent through a
// Session.
type Client struct {
	*identityv3.TypedClient
	session *auth.Session
	doer    *endpointDoer
}

// Option configures a client.
type Option func(*options)

type options struct {
	filter   catalog.Filter
	endpoint string
	versions catalog.VersionRange
}

// WithEndpoint skips the catalog and sends every request to url, the
// version root of the API ("https://keystone.example/v3").
func WithEndpoint(url string) Option { return func(o *options) { o.endpoint = url } }

// WithInterface sets the interface preference for the catalog lookup
// (default public).
func WithInterface(interfaces ...string) Option {
	return func(o *options) { o.filter.Interfaces = interfaces }
}

// WithRegion picks the endpoint of one region.
func WithRegion(region string) Option { return func(o *options) { o.filter.Region = region } }

// WithServiceName picks the identity service by name when the catalog has
// more than one.
func WithServiceName(name string) Option { return func(o *options) { o.filter.ServiceName = name } }

// WithServiceID picks the identity service by its id in the catalog.
func WithServiceID(id string) Option { return func(o *options) { o.filter.ServiceID = id } }

// WithEndpointID picks one endpoint of the catalog by its id.
func WithEndpointID(id string) Option { return func(o *options) { o.filter.EndpointID = id } }

// WithVersion bounds the Identity v3 version the client accepts, as
// keystoneauth's min_version and max_version: WithVersion("3.10", "") needs
// Keystone to offer 3.10 or newer (found through version discovery when the
// catalog URL is unversioned or says only "v3"). The default is any 3.x.
func WithVersion(min, max string) Option {
	return func(o *options) { o.versions = catalog.VersionRange{Min: min, Max: max} }
}

// NewV3 returns the Identity v3 client for sess. It makes no request.
func NewV3(sess *auth.Session, opts ...Option) (*Client, error) {
	if sess == nil {
		return nil, fmt.Errorf("%w: identity.NewV3 needs a session", apierror.ErrMissingAuthPlugin)
	}
	o := options{filter: catalog.Filter{ServiceType: "identity"}, versions: catalog.MajorVersion(3)}
	for _, opt := range opts {
		opt(&o)
	}
	if o.versions.Min == "" && o.versions.Max == "" {
		o.versions = catalog.MajorVersion(3)
	}
	d := &endpointDoer{session: sess, filter: o.filter, versions: o.versions, override: strings.TrimSuffix(o.endpoint, "/"),
		withoutToken: v3WithoutToken}
	// The generated client gets a relative root; endpointDoer fills in the
	// endpoint when the request is sent, after the session has a catalog.
	gen, err := identityv3.NewClientWithResponses("/", identityv3.WithHTTPClient(d), identityv3.WithRequestEditorFn(d.complete))
	if err != nil {
		return nil, err
	}
	return &Client{TypedClient: identityv3.NewTypedClient(gen), session: sess, doer: d}, nil
}

// Session is the client's session.
func (c *Client) Session() *auth.Session { return c.session }

// Endpoint is the version root requests go to, resolving it if needed.
func (c *Client) Endpoint(ctx context.Context) (string, error) { return c.doer.base(ctx) }

// endpointDoer completes relative request URLs with the identity endpoint.
type endpointDoer struct {
	session  *auth.Session
	filter   catalog.Filter
	versions catalog.VersionRange
	override string
	// withoutToken are the operations sent without a token.
	withoutToken operationSet

	mu       sync.Mutex
	resolved string
	token    string // the token the endpoint was resolved with
}

func (d *endpointDoer) base(ctx context.Context) (string, error) {
	if d.override != "" {
		return d.override, nil
	}
	a, err := d.session.AccessInfo(ctx)
	if err != nil {
		return "", err
	}
	if a.Catalog.Len() == 0 && a.AuthURL != "" && catalog.CanonicalServiceType(d.filter.ServiceType) == "identity" {
		// An unscoped token (or one issued with nocatalog) has no catalog;
		// the identity API is then the one that issued the token, as
		// keystoneauth assumes too.
		v, err := d.session.Discovery().Resolve(ctx, d.session.HTTPClient(), a.AuthURL, d.versions)
		if err != nil {
			return "", err
		}
		return strings.TrimSuffix(v.SelfURL, "/"), nil
	}
	d.mu.Lock()
	if d.resolved != "" && d.token == a.Token {
		u := d.resolved
		d.mu.Unlock()
		return u, nil
	}
	d.mu.Unlock()
	v, err := d.session.ResolveEndpoint(ctx, d.filter, d.versions)
	if err != nil {
		return "", err
	}
	u := strings.TrimSuffix(v.SelfURL, "/")
	d.mu.Lock()
	d.resolved, d.token = u, a.Token
	d.mu.Unlock()
	return u, nil
}

// completedKey marks, in a request's context, a request whose relative URL
// complete has filled in; its value says whether the operation goes
// without a token.
type completedKey struct{}

// complete is a request editor that the generated client runs before the
// caller's editors: it fills in the endpoint of a request relative to the
// version root, so that an editor that signs the request (oauth1.Signer)
// signs the URL the request is sent to. Only such a request can be one of
// the operations sent without a token; a link the pager follows is
// absolute already.
func (d *endpointDoer) complete(ctx context.Context, req *http.Request) error {
	if req.URL.Host != "" {
		return nil
	}
	tokenless := d.withoutToken.match(req.Method, req.URL.EscapedPath())
	base, err := d.base(ctx)
	if err != nil {
		return err
	}
	full, err := req.URL.Parse(base + req.URL.EscapedPath())
	if err != nil {
		return fmt.Errorf("%w: endpoint %q: %w", apierror.ErrInvalidConfig, base, err)
	}
	full.RawQuery = dropFalseFlags(req.URL.RawQuery)
	req.URL = full
	req.Host = full.Host
	*req = *req.WithContext(context.WithValue(req.Context(), completedKey{}, tokenless))
	return nil
}

func (d *endpointDoer) Do(req *http.Request) (*http.Response, error) {
	if err := d.complete(req.Context(), req); err != nil {
		return nil, err
	}
	send := d.session.Do
	if tokenless, _ := req.Context().Value(completedKey{}).(bool); tokenless {
		send = d.session.DoWithoutToken
	}
	resp, err := send(req)
	if err != nil {
		return nil, err
	}
	// A malformed or broken-off answer becomes a typed error with the
	// request id (where json.Unmarshal would give a bare syntax error) as
	// the generated code reads it: the Session types a body that breaks
	// off, jsonbody.Check one that is not JSON, without a second copy or scan.
	jsonbody.Check(resp)
	return resp, nil
}

// presenceFlags are the query parameters Keystone treats as true whenever
// they are present with any value but "0" (query_filter_is_true, or a bare
// "in request.args" test): "effective=false" would turn effective on. The
// generated client writes a false *bool as "false", so those are dropped.
var presenceFlags = map[string]bool{
	"effective": true, "include_names": true, "include_subtree": true,
	"parents_as_list": true, "parents_as_ids": true, "subtree_as_list": true, "subtree_as_ids": true,
	"include_limits": true, "nocatalog": true,
}

func dropFalseFlags(rawQuery string) string {
	if rawQuery == "" || !strings.Contains(rawQuery, "false") {
		return rawQuery
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return rawQuery
	}
	changed := false
	for k, vs := range q {
		if presenceFlags[k] && len(vs) == 1 && vs[0] == "false" {
			delete(q, k)
			changed = true
		}
	}
	if !changed {
		return rawQuery
	}
	return q.Encode()
}

// The apierror sentinels most callers test for.
var (
	ErrNotFound     = apierror.ErrNotFound
	ErrConflict     = apierror.ErrConflict
	ErrUnauthorized = apierror.ErrUnauthorized
	ErrForbidden    = apierror.ErrForbidden
	ErrBadRequest   = apierror.ErrBadRequest
)

// Error is the error of an answer outside 2xx; see apierror.Error.
type Error = apierror.Error
