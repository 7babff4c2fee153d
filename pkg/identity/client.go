package identity

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// Client is the Identity v3 API: every generated operation, sent through a
// Session.
type Client struct {
	*identityv3.ClientWithResponses
	session *auth.Session
	doer    *endpointDoer
}

// Option configures a client.
type Option func(*options)

type options struct {
	filter   catalog.Filter
	endpoint string
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

// NewV3 returns the Identity v3 client for sess. It makes no request.
func NewV3(sess *auth.Session, opts ...Option) (*Client, error) {
	if sess == nil {
		return nil, fmt.Errorf("%w: identity.NewV3 needs a session", apierror.ErrMissingAuthPlugin)
	}
	o := options{filter: catalog.Filter{ServiceType: "identity"}}
	for _, opt := range opts {
		opt(&o)
	}
	d := &endpointDoer{session: sess, filter: o.filter, major: 3, override: strings.TrimSuffix(o.endpoint, "/")}
	// The generated client gets a relative root; endpointDoer fills in the
	// endpoint when the request is sent, after the session has a catalog.
	gen, err := identityv3.NewClientWithResponses("/", identityv3.WithHTTPClient(d))
	if err != nil {
		return nil, err
	}
	return &Client{ClientWithResponses: gen, session: sess, doer: d}, nil
}

// Session is the client's session.
func (c *Client) Session() *auth.Session { return c.session }

// Endpoint is the version root requests go to, resolving it if needed.
func (c *Client) Endpoint(ctx context.Context) (string, error) { return c.doer.base(ctx) }

// endpointDoer completes relative request URLs with the identity endpoint.
type endpointDoer struct {
	session  *auth.Session
	filter   catalog.Filter
	major    int
	override string

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
	d.mu.Lock()
	if d.resolved != "" && d.token == a.Token {
		u := d.resolved
		d.mu.Unlock()
		return u, nil
	}
	d.mu.Unlock()
	u, err := d.session.VersionedEndpoint(ctx, d.filter, d.major)
	if err != nil {
		return "", err
	}
	u = strings.TrimSuffix(u, "/")
	d.mu.Lock()
	d.resolved, d.token = u, a.Token
	d.mu.Unlock()
	return u, nil
}

func (d *endpointDoer) Do(req *http.Request) (*http.Response, error) {
	if req.URL.Host == "" {
		base, err := d.base(req.Context())
		if err != nil {
			return nil, err
		}
		full, err := req.URL.Parse(base + req.URL.EscapedPath())
		if err != nil {
			return nil, fmt.Errorf("%w: endpoint %q: %w", apierror.ErrInvalidConfig, base, err)
		}
		full.RawQuery = req.URL.RawQuery
		req.URL = full
		req.Host = full.Host
	}
	return d.session.Do(req)
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
