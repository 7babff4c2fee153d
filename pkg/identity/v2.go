package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// V2Client is the Identity v2.0 API: every generated operation of
// gen/identityv2 (tenants, users, roles, services, endpoints, tokens, EC2
// credentials, ...), sent through a Session.
//
// Keystone stopped serving v2.0 in Queens (2018); V2Client is for the
// clouds that still run an older Keystone.
type V2Client struct {
	*identityv2.TypedClient
	session *auth.Session
	doer    *endpointDoer
}

// NewV2 returns the Identity v2.0 client for sess. It makes no request.
//
// The endpoint is found as NewV3 finds its own: the identity service of the
// token's catalog (interface public unless WithInterface says otherwise,
// and v2.0's "publicURL", "internalURL", "adminURL" are understood), or
// WithEndpoint, which must then be the v2.0 root ("https://keystone/v2.0").
// An unversioned catalog URL is resolved to its v2.0 root through version
// discovery. WithVersion does not apply: v2.0 has a single version.
func NewV2(sess *auth.Session, opts ...Option) (*V2Client, error) {
	if sess == nil {
		return nil, fmt.Errorf("%w: identity.NewV2 needs a session", apierror.ErrMissingAuthPlugin)
	}
	o := collectOptions(opts)
	d := &endpointDoer{session: sess, filter: o.filter, versions: catalog.MajorVersion(2), override: strings.TrimSuffix(o.endpoint, "/"),
		withoutToken: v2WithoutToken}
	// As in NewV3: a relative root, completed by endpointDoer at each
	// request, once the session has a catalog.
	gen, err := identityv2.NewClientWithResponses("/", identityv2.WithHTTPClient(d), identityv2.WithRequestEditorFn(d.complete))
	if err != nil {
		return nil, err
	}
	return &V2Client{TypedClient: identityv2.NewTypedClient(gen), session: sess, doer: d}, nil
}

// Session is the client's session.
func (c *V2Client) Session() *auth.Session { return c.session }

// Endpoint is the v2.0 root requests go to, resolving it if needed.
func (c *V2Client) Endpoint(ctx context.Context) (string, error) { return c.doer.base(ctx) }

// Discovered is the client of the Identity API version an endpoint offers,
// as New found it: exactly one of V3 and V2 is set.
type Discovered struct {
	// V3 is set when the endpoint offers Identity v3.
	V3 *Client
	// V2 is set when it offers v2.0 and not v3.
	V2 *V2Client
}

// Version is "v3" or "v2.0", after the client that is set.
func (d *Discovered) Version() string {
	if d.V2 != nil {
		return "v2.0"
	}
	return "v3"
}

// New finds out which Identity API the endpoint offers and returns its
// client (keystoneclient's version-discovering client.Client): v3 whenever
// it is offered, else v2.0. The endpoint is found as NewV3 and NewV2 find
// it (catalog or WithEndpoint; a WithEndpoint URL may be unversioned here,
// discovery finds the version root under it). WithVersion restricts the
// choice to its range: WithVersion("2.0", "2.0") insists on v2.0,
// WithVersion("3.10", "") on v3.10 or newer.
//
// Unlike NewV3 and NewV2, New makes requests: it authenticates (the
// catalog says where the identity service is) and reads version documents.
// When no acceptable version is offered the error matches
// apierror.ErrVersionNotAvailable.
func New(ctx context.Context, sess *auth.Session, opts ...Option) (*Discovered, error) {
	if sess == nil {
		return nil, fmt.Errorf("%w: identity.New needs a session", apierror.ErrMissingAuthPlugin)
	}
	o := collectOptions(opts)
	ranges := []catalog.VersionRange{catalog.MajorVersion(3), catalog.MajorVersion(2)}
	if o.versions != (catalog.VersionRange{}) {
		ranges = []catalog.VersionRange{o.versions}
	}
	var notOffered error
	for _, r := range ranges {
		root, err := discoverRoot(ctx, sess, o, r)
		if errors.Is(err, apierror.ErrVersionNotAvailable) {
			notOffered = errors.Join(notOffered, err)
			continue
		}
		if err != nil {
			return nil, err
		}
		// The client resolves its endpoint again at each token (the
		// catalog may change); only an override is pinned to the root
		// found under it.
		copts := append(slices.Clone(opts), WithVersion(r.Min, r.Max))
		if o.endpoint != "" {
			copts = append(copts, WithEndpoint(root))
		}
		switch catalog.VersionOfURL(root) {
		case 3:
			c, err := NewV3(sess, copts...)
			return &Discovered{V3: c}, err
		case 2:
			c, err := NewV2(sess, copts...)
			return &Discovered{V2: c}, err
		default:
			return nil, fmt.Errorf("%w: identity: the version root %s names neither v3 nor v2.0",
				apierror.ErrDiscoveryFailure, root)
		}
	}
	return nil, fmt.Errorf("identity: no usable Identity API version: %w", notOffered)
}

// discoverRoot is the version root in r behind the identity endpoint.
func discoverRoot(ctx context.Context, sess *auth.Session, o options, r catalog.VersionRange) (string, error) {
	if o.endpoint != "" {
		v, err := sess.Discovery().Resolve(ctx, sess.HTTPClient(), o.endpoint, r)
		if err != nil {
			return "", err
		}
		return strings.TrimSuffix(v.SelfURL, "/"), nil
	}
	return (&endpointDoer{session: sess, filter: o.filter, versions: r}).base(ctx)
}

// collectOptions applies opts over the defaults every constructor shares.
func collectOptions(opts []Option) options {
	o := options{filter: catalog.Filter{ServiceType: "identity"}}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
