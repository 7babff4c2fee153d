package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// Match is what a search needs to know of an item to tell one from another:
// its id, its name and, for resources whose names are unique only within a
// domain, its domain.
type Match struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	DomainID string `json:"domain_id,omitempty"`
}

// FindError is the answer of a search that did not end with exactly one
// item. errors.Is matches it against ErrNotFound when nothing matched and
// against apierror.ErrNoUniqueMatch when several did (Matches lists them),
// so that callers branch as they do on Keystone's own 404.
type FindError struct {
	// Resource is the kind of item looked for ("project").
	Resource string
	// Query is the name or id asked for.
	Query string
	// DomainID is the domain the name was looked up in, or "".
	DomainID string
	// Matches are the candidates when there were several.
	Matches []Match
}

func (e *FindError) Error() string {
	where := ""
	if e.DomainID != "" {
		where = " in domain " + e.DomainID
	}
	if len(e.Matches) == 0 {
		return fmt.Sprintf("identity: no %s with name or id %q%s", e.Resource, e.Query, where)
	}
	ids := make([]string, len(e.Matches))
	for i, m := range e.Matches {
		ids[i] = m.ID
		if m.DomainID != "" {
			ids[i] += " (domain " + m.DomainID + ")"
		}
	}
	return fmt.Sprintf("identity: %d %ss named %q%s: %s; give an id or a domain", len(e.Matches), e.Resource,
		e.Query, where, strings.Join(ids, ", "))
}

// Is matches ErrNotFound or apierror.ErrNoUniqueMatch (and their ancestors).
func (e *FindError) Is(target error) bool {
	if len(e.Matches) > 1 {
		return apierror.ErrNoUniqueMatch.Is(target)
	}
	return apierror.ErrNotFound.Is(target)
}

// Finder resolves a name or an id of one kind of resource the way the
// openstack CLI does: by id first, then by name. The typed Find methods of
// Client are Finders; build one for a resource of another service, or for
// a list the typed methods do not cover.
type Finder[T any] struct {
	// Resource names the kind of item in errors ("project").
	Resource string
	// ByID fetches the item with this id; an error that matches
	// ErrNotFound means there is none, and the name is tried next. Nil
	// for a resource that has only names.
	ByID func(ctx context.Context, id string) (T, error)
	// ByName yields the items named name, within domainID when it is not
	// "". Nil for a resource that has only ids.
	ByName func(ctx context.Context, name, domainID string) iter.Seq2[T, error]
	// Describe tells an item's id, name and domain.
	Describe func(T) Match
}

// Find returns the one item whose id, or else whose name (within domainID
// when it is not ""), is nameOrID. No match is a *FindError matching
// ErrNotFound, several one matching apierror.ErrNoUniqueMatch; any other
// failure is returned as it came.
func (f Finder[T]) Find(ctx context.Context, nameOrID, domainID string) (T, error) {
	var zero T
	if nameOrID == "" {
		return zero, fmt.Errorf("%w: find %s: an empty name or id", apierror.ErrValidation, f.Resource)
	}
	if f.ByID != nil {
		item, err := f.ByID(ctx, nameOrID)
		if err == nil {
			return item, nil
		}
		if !errors.Is(err, apierror.ErrNotFound) {
			return zero, err
		}
	}
	notFound := &FindError{Resource: f.Resource, Query: nameOrID, DomainID: domainID}
	if f.ByName == nil {
		return zero, notFound
	}
	var found []T
	for item, err := range f.ByName(ctx, nameOrID, domainID) {
		if err != nil {
			return zero, err
		}
		found = append(found, item)
	}
	switch len(found) {
	case 0:
		return zero, notFound
	case 1:
		return found[0], nil
	}
	notFound.Matches = make([]Match, len(found))
	for i, item := range found {
		notFound.Matches[i] = f.Describe(item)
	}
	return zero, notFound
}

// FindOption refines a search.
type FindOption func(*findOptions)

type findOptions struct {
	domain string
}

// InDomain looks the name up within one domain, itself given by name or id,
// for the resources whose names are unique only per domain (projects,
// users, groups, domain-specific roles). Without it the name is looked up
// in every domain the caller may list, and the same name in two domains is
// ambiguous.
func InDomain(nameOrID string) FindOption { return func(o *findOptions) { o.domain = nameOrID } }

// resourceKind is how one Identity resource is fetched and listed: the path
// of its collection relative to the version root, the members its answers
// carry it in, and whether it can be listed by name and by domain. A test
// holds every kind to api/identity-v3.yaml.
type resourceKind struct {
	resource   string // in errors
	collection string // "/projects"
	one, many  string // "project", "projects"
	byName     bool   // the list takes ?name=
	inDomain   bool   // the list takes ?domain_id= and names are per domain
}

var (
	projectKind               = resourceKind{"project", "/projects", "project", "projects", true, true}
	domainKind                = resourceKind{"domain", "/domains", "domain", "domains", true, false}
	userKind                  = resourceKind{"user", "/users", "user", "users", true, true}
	groupKind                 = resourceKind{"group", "/groups", "group", "groups", true, true}
	roleKind                  = resourceKind{"role", "/roles", "role", "roles", true, true}
	serviceKind               = resourceKind{"service", "/services", "service", "services", true, false}
	regionKind                = resourceKind{"region", "/regions", "region", "regions", false, false}
	endpointKind              = resourceKind{"endpoint", "/endpoints", "endpoint", "endpoints", false, false}
	endpointGroupKind         = resourceKind{"endpoint group", "/OS-EP-FILTER/endpoint_groups", "endpoint_group", "endpoint_groups", true, false}
	identityProviderKind      = resourceKind{"identity provider", "/OS-FEDERATION/identity_providers", "identity_provider", "identity_providers", false, false}
	mappingKind               = resourceKind{"mapping", "/OS-FEDERATION/mappings", "mapping", "mappings", false, false}
	serviceProviderKind       = resourceKind{"service provider", "/OS-FEDERATION/service_providers", "service_provider", "service_providers", false, false}
	policyKind                = resourceKind{"policy", "/policies", "policy", "policies", false, false}
	consumerKind              = resourceKind{"consumer", "/OS-OAUTH1/consumers", "consumer", "consumers", false, false}
	trustKind                 = resourceKind{"trust", "/OS-TRUST/trusts", "trust", "trusts", false, false}
	credentialKind            = resourceKind{"credential", "/credentials", "credential", "credentials", false, false}
	applicationCredentialKind = resourceKind{"application credential", "/users/{user_id}/application_credentials",
		"application_credential", "application_credentials", true, false}
)

// resourceKinds lists every kind, for the test that holds them to the spec.
var resourceKinds = []resourceKind{projectKind, domainKind, userKind, groupKind, roleKind, serviceKind, regionKind,
	endpointKind, endpointGroupKind, identityProviderKind, mappingKind, serviceProviderKind, policyKind, consumerKind,
	trustKind, credentialKind, applicationCredentialKind}

// described is an item together with what Find needs of it, both decoded
// from the one JSON object.
type described[T any] struct {
	item  T
	match Match
}

func (d *described[T]) UnmarshalJSON(data []byte) error {
	if err := json.Unmarshal(data, &d.item); err != nil {
		return err
	}
	return json.Unmarshal(data, &d.match)
}

// findIn resolves nameOrID among the items of kind below collection (the
// kind's own path, or one with its parent filled in).
func findIn[T any](ctx context.Context, c *Client, kind resourceKind, collection, nameOrID string, opts []FindOption) (T, error) {
	var zero T
	var o findOptions
	for _, opt := range opts {
		opt(&o)
	}
	domainID := ""
	if o.domain != "" {
		if !kind.inDomain {
			return zero, fmt.Errorf("%w: find %s: %ss have no domain", apierror.ErrValidation, kind.resource, kind.resource)
		}
		d, err := c.FindDomain(ctx, o.domain)
		if err != nil {
			return zero, fmt.Errorf("find %s %q: domain: %w", kind.resource, nameOrID, err)
		}
		domainID = d.ID
	}
	f := Finder[described[T]]{
		Resource: kind.resource,
		ByID: func(ctx context.Context, id string) (described[T], error) {
			return getMember[described[T]](ctx, c, collection+"/"+url.PathEscape(id), kind.one)
		},
		Describe: func(d described[T]) Match { return d.match },
	}
	if kind.byName {
		f.ByName = func(ctx context.Context, name, domainID string) iter.Seq2[described[T], error] {
			q := url.Values{"name": {name}}
			if domainID != "" {
				q.Set("domain_id", domainID)
			}
			return All[described[T]](ctx, kind.many, c.relativeGet(collection+"?"+q.Encode()))
		}
	}
	d, err := f.Find(ctx, nameOrID, domainID)
	return d.item, err
}

// relativeGet is a PageFunc that sends GET path (relative to the version
// root) through the client's endpoint resolution.
func (c *Client) relativeGet(path string) PageFunc {
	return func(ctx context.Context, editors ...identityv3.RequestEditorFn) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", apierror.ErrValidation, err)
		}
		req.Header.Set("Accept", "application/json")
		for _, edit := range editors {
			if err := edit(ctx, req); err != nil {
				return nil, err
			}
		}
		return c.doer.Do(req)
	}
}

// getMember fetches path and decodes the member key of its answer.
func getMember[T any](ctx context.Context, c *Client, path, key string) (T, error) {
	var zero T
	resp, err := c.relativeGet(path)(ctx)
	if err != nil {
		return zero, err
	}
	defer resp.Body.Close()
	var env map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return zero, fmt.Errorf("%w: %s: %w", apierror.ErrInvalidResponse, key, err)
	}
	raw, ok := env[key]
	if !ok {
		return zero, fmt.Errorf("%w: answer has no %q", apierror.ErrInvalidResponse, key)
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return zero, fmt.Errorf("%w: %s: %w", apierror.ErrInvalidResponse, key, err)
	}
	return v, nil
}

// FindProject returns the project whose id or name is nameOrID; names are
// unique per domain, so InDomain narrows the search.
func (c *Client) FindProject(ctx context.Context, nameOrID string, opts ...FindOption) (identityv3.Project, error) {
	return findIn[identityv3.Project](ctx, c, projectKind, projectKind.collection, nameOrID, opts)
}

// FindDomain returns the domain whose id or name is nameOrID.
func (c *Client) FindDomain(ctx context.Context, nameOrID string) (identityv3.Domain, error) {
	return findIn[identityv3.Domain](ctx, c, domainKind, domainKind.collection, nameOrID, nil)
}

// FindUser returns the user whose id or name is nameOrID; names are unique
// per domain, so InDomain narrows the search. Without it Keystone decides
// where the name is looked for: every domain, or, with domain-specific
// identity drivers, only the domain of the token's scope.
func (c *Client) FindUser(ctx context.Context, nameOrID string, opts ...FindOption) (identityv3.User, error) {
	return findIn[identityv3.User](ctx, c, userKind, userKind.collection, nameOrID, opts)
}

// FindGroup returns the group whose id or name is nameOrID; names are
// unique per domain, so InDomain narrows the search (see FindUser for a
// search without it).
func (c *Client) FindGroup(ctx context.Context, nameOrID string, opts ...FindOption) (identityv3.Group, error) {
	return findIn[identityv3.Group](ctx, c, groupKind, groupKind.collection, nameOrID, opts)
}

// FindRole returns the role whose id or name is nameOrID. Without InDomain
// the name is that of a global role (Keystone lists only those when no
// domain is given); with it, that of a role of the domain.
func (c *Client) FindRole(ctx context.Context, nameOrID string, opts ...FindOption) (identityv3.Role, error) {
	return findIn[identityv3.Role](ctx, c, roleKind, roleKind.collection, nameOrID, opts)
}

// FindService returns the catalog service whose id or name is nameOrID.
func (c *Client) FindService(ctx context.Context, nameOrID string) (identityv3.Service, error) {
	return findIn[identityv3.Service](ctx, c, serviceKind, serviceKind.collection, nameOrID, nil)
}

// FindRegion returns the region with this id (a region's id is its name).
func (c *Client) FindRegion(ctx context.Context, id string) (identityv3.Region, error) {
	return findIn[identityv3.Region](ctx, c, regionKind, regionKind.collection, id, nil)
}

// FindEndpoint returns the endpoint with this id (endpoints have no name).
func (c *Client) FindEndpoint(ctx context.Context, id string) (identityv3.Endpoint, error) {
	return findIn[identityv3.Endpoint](ctx, c, endpointKind, endpointKind.collection, id, nil)
}

// FindEndpointGroup returns the endpoint group whose id or name is nameOrID.
func (c *Client) FindEndpointGroup(ctx context.Context, nameOrID string) (identityv3.EndpointGroup, error) {
	return findIn[identityv3.EndpointGroup](ctx, c, endpointGroupKind, endpointGroupKind.collection, nameOrID, nil)
}

// FindIdentityProvider returns the identity provider with this id (an
// identity provider's id is its name).
func (c *Client) FindIdentityProvider(ctx context.Context, id string) (identityv3.IdentityProvider, error) {
	return findIn[identityv3.IdentityProvider](ctx, c, identityProviderKind, identityProviderKind.collection, id, nil)
}

// FindMapping returns the federation mapping with this id.
func (c *Client) FindMapping(ctx context.Context, id string) (identityv3.Mapping, error) {
	return findIn[identityv3.Mapping](ctx, c, mappingKind, mappingKind.collection, id, nil)
}

// FindServiceProvider returns the service provider with this id.
func (c *Client) FindServiceProvider(ctx context.Context, id string) (identityv3.ServiceProvider, error) {
	return findIn[identityv3.ServiceProvider](ctx, c, serviceProviderKind, serviceProviderKind.collection, id, nil)
}

// FindPolicy returns the policy blob with this id.
func (c *Client) FindPolicy(ctx context.Context, id string) (identityv3.Policy, error) {
	return findIn[identityv3.Policy](ctx, c, policyKind, policyKind.collection, id, nil)
}

// FindConsumer returns the OAuth 1.0a consumer with this id.
func (c *Client) FindConsumer(ctx context.Context, id string) (identityv3.OAuth1Consumer, error) {
	return findIn[identityv3.OAuth1Consumer](ctx, c, consumerKind, consumerKind.collection, id, nil)
}

// FindTrust returns the trust with this id.
func (c *Client) FindTrust(ctx context.Context, id string) (identityv3.Trust, error) {
	return findIn[identityv3.Trust](ctx, c, trustKind, trustKind.collection, id, nil)
}

// FindCredential returns the credential with this id.
func (c *Client) FindCredential(ctx context.Context, id string) (identityv3.Credential, error) {
	return findIn[identityv3.Credential](ctx, c, credentialKind, credentialKind.collection, id, nil)
}

// FindApplicationCredential returns the application credential of the user
// userID whose id or name is nameOrID (names are unique per user). An
// empty userID means the user of the session's token.
func (c *Client) FindApplicationCredential(ctx context.Context, userID, nameOrID string) (identityv3.ApplicationCredential, error) {
	if userID == "" {
		a, err := c.session.AccessInfo(ctx)
		if err != nil {
			return identityv3.ApplicationCredential{}, err
		}
		if userID = a.UserID(); userID == "" {
			return identityv3.ApplicationCredential{}, fmt.Errorf("%w: find application credential: the token names no user",
				apierror.ErrValidation)
		}
	}
	collection := strings.Replace(applicationCredentialKind.collection, "{user_id}", url.PathEscape(userID), 1)
	return findIn[identityv3.ApplicationCredential](ctx, c, applicationCredentialKind, collection, nameOrID, nil)
}
