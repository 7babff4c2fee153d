package adapter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/keystone-go/keystone/internal/origin"
	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
)

// Adapter is a Session bound to one service: it finds the service's
// endpoint in the token's catalog (or takes the one given), resolves paths
// against it and sends through the Session, so that requests get the
// Session's token, re-authentication, retries, logging and typed errors.
// It is immutable and safe for concurrent use.
type Adapter struct {
	session      *auth.Session
	filter       catalog.Filter
	versions     catalog.VersionRange
	endpoint     string
	microversion string
	header       http.Header
}

// Option configures an Adapter.
type Option func(*Adapter)

// WithInterface sets the interface preference ("public", "internal",
// "admin"; default public).
func WithInterface(interfaces ...string) Option {
	return func(a *Adapter) { a.filter.Interfaces = interfaces }
}

// WithRegion picks the endpoint of one region.
func WithRegion(region string) Option { return func(a *Adapter) { a.filter.Region = region } }

// WithServiceName picks the service by name when the catalog has several
// of the type.
func WithServiceName(name string) Option { return func(a *Adapter) { a.filter.ServiceName = name } }

// WithVersion bounds the API version, as keystoneauth's min_version and
// max_version ("2", "2.latest"): the endpoint then goes through version
// discovery (cached by the Session) and requests are relative to the
// version's root. Without it the catalog's URL is used as it is.
func WithVersion(min, max string) Option {
	return func(a *Adapter) { a.versions = catalog.VersionRange{Min: min, Max: max} }
}

// WithEndpoint skips the catalog: requests are relative to url.
func WithEndpoint(url string) Option {
	return func(a *Adapter) { a.endpoint = strings.TrimRight(url, "/") }
}

// WithMicroversion sends every request with this API microversion ("2.79")
// in the headers the service reads (see Microversion).
func WithMicroversion(version string) Option { return func(a *Adapter) { a.microversion = version } }

// WithHeader adds a header to every request.
func WithHeader(name, value string) Option {
	return func(a *Adapter) { a.header.Add(name, value) }
}

// New returns the Adapter of serviceType ("compute", "image", "identity";
// an alias such as "volumev3" finds its official type) on sess. It makes
// no request.
func New(sess *auth.Session, serviceType string, opts ...Option) (*Adapter, error) {
	if sess == nil {
		return nil, fmt.Errorf("%w: adapter.New needs a session", apierror.ErrMissingAuthPlugin)
	}
	if serviceType == "" {
		return nil, fmt.Errorf("%w: adapter.New needs a service type", apierror.ErrInvalidConfig)
	}
	a := &Adapter{session: sess, filter: catalog.Filter{ServiceType: serviceType}, header: http.Header{}}
	for _, opt := range opts {
		opt(a)
	}
	if a.endpoint != "" {
		if _, err := url.Parse(a.endpoint); err != nil {
			return nil, fmt.Errorf("%w: adapter endpoint: %w", apierror.ErrInvalidConfig, err)
		}
	}
	return a, nil
}

// Microversion returns a copy of the Adapter that sends version instead.
func (a *Adapter) Microversion(version string) *Adapter {
	c := *a
	c.microversion = version
	return &c
}

// Session is the Adapter's session.
func (a *Adapter) Session() *auth.Session { return a.session }

// ServiceType is the service type the Adapter was made for.
func (a *Adapter) ServiceType() string { return a.filter.ServiceType }

// Endpoint is the root that paths are resolved against: the override, the
// catalog's URL or, with WithVersion, the root of the version discovery
// chose.
func (a *Adapter) Endpoint(ctx context.Context) (string, error) {
	if a.endpoint != "" {
		return a.endpoint, nil
	}
	if a.versions == (catalog.VersionRange{}) {
		ep, err := a.session.Endpoint(ctx, a.filter)
		if err != nil {
			return "", err
		}
		return strings.TrimRight(ep.URL, "/"), nil
	}
	v, err := a.session.ResolveEndpoint(ctx, a.filter, a.versions)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(v.SelfURL, "/"), nil
}

// URL resolves path against the endpoint. A path is relative to the
// endpoint ("servers/detail" and "/servers/detail" alike, as keystoneauth
// joins them); an absolute URL, such as a "next" link of a list, is taken
// on the endpoint's host only, and with the endpoint's scheme and port,
// since the token goes with it.
func (a *Adapter) URL(ctx context.Context, method, path string) (*url.URL, error) {
	base, err := a.Endpoint(ctx)
	if err != nil {
		return nil, err
	}
	root, err := url.Parse(base + "/")
	if err != nil {
		return nil, fmt.Errorf("%w: endpoint %q: %w", apierror.ErrInvalidConfig, base, err)
	}
	ref, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("%w: path %q: %w", apierror.ErrValidation, path, err)
	}
	if ref.IsAbs() || ref.Host != "" {
		return origin.Link(method, root, path)
	}
	// Relative to the endpoint, never to its host's root: "/servers" under
	// "https://nova/compute/v2.1" is ".../compute/v2.1/servers".
	ref.Path = strings.TrimLeft(ref.Path, "/")
	ref.RawPath = strings.TrimLeft(ref.RawPath, "/")
	return root.ResolveReference(ref), nil
}

// Request sends method path with body (nil for none) and returns the
// answer as the Session does: answers outside 2xx and 3xx come back as
// *apierror.Error (errors.Is apierror.ErrNotFound, ...), and the caller
// closes the body of the answer it gets.
func (a *Adapter) Request(ctx context.Context, method, path string, body io.Reader, header http.Header) (*http.Response, error) {
	u, err := a.URL(ctx, method, path)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", apierror.ErrValidation, err)
	}
	for name, values := range a.header {
		req.Header[name] = values
	}
	setMicroversion(req.Header, a.filter.ServiceType, a.microversion)
	for name, values := range header {
		req.Header[name] = values
	}
	return a.session.Do(req)
}

// Get sends GET path and decodes the JSON answer into out (nil: ignored).
func (a *Adapter) Get(ctx context.Context, path string, out any) (*http.Response, error) {
	return a.JSON(ctx, http.MethodGet, path, nil, out)
}

// Head sends HEAD path.
func (a *Adapter) Head(ctx context.Context, path string) (*http.Response, error) {
	return a.JSON(ctx, http.MethodHead, path, nil, nil)
}

// Post sends in as JSON to path and decodes the answer into out.
func (a *Adapter) Post(ctx context.Context, path string, in, out any) (*http.Response, error) {
	return a.JSON(ctx, http.MethodPost, path, in, out)
}

// Put sends in as JSON to path and decodes the answer into out.
func (a *Adapter) Put(ctx context.Context, path string, in, out any) (*http.Response, error) {
	return a.JSON(ctx, http.MethodPut, path, in, out)
}

// Patch sends in as JSON to path and decodes the answer into out.
func (a *Adapter) Patch(ctx context.Context, path string, in, out any) (*http.Response, error) {
	return a.JSON(ctx, http.MethodPatch, path, in, out)
}

// Delete sends DELETE path.
func (a *Adapter) Delete(ctx context.Context, path string) (*http.Response, error) {
	return a.JSON(ctx, http.MethodDelete, path, nil, nil)
}

// JSON sends in (nil: no body; a json.RawMessage or []byte as it is) and
// decodes the answer into out when out is not nil and the answer has a
// body. The answer comes back with its body read and closed, for its
// status and headers.
func (a *Adapter) JSON(ctx context.Context, method, path string, in, out any) (*http.Response, error) {
	var body io.Reader
	header := http.Header{}
	if in != nil {
		data, err := encode(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(data)
		header.Set("Content-Type", "application/json")
	}
	resp, err := a.Request(ctx, method, path, body, header)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if out == nil || method == http.MethodHead || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp, nil
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return resp, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		e := &apierror.InvalidResponseError{StatusCode: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"),
			RequestID: apierror.RequestID(resp.Header), Method: method, Err: err}
		if resp.Request != nil {
			e.URL = redact.URL(resp.Request.URL)
		}
		return resp, e
	}
	return resp, nil
}

func encode(in any) ([]byte, error) {
	switch v := in.(type) {
	case json.RawMessage:
		return v, nil
	case []byte:
		return v, nil
	}
	data, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("%w: request body: %w", apierror.ErrValidation, err)
	}
	return data, nil
}

// setMicroversion writes version in the headers the service reads, as
// keystoneauth does: OpenStack-API-Version for every service, and the
// older header of the services that read one of their own.
func setMicroversion(h http.Header, serviceType, version string) {
	if version == "" {
		return
	}
	t := catalog.CanonicalServiceType(serviceType)
	switch {
	case t == "block-storage" || strings.HasPrefix(serviceType, "volume"):
		t = "volume" // Cinder names itself so in the header
	case strings.HasPrefix(t, "share"):
		t = "shared-file-system"
	}
	h.Set("OpenStack-API-Version", t+" "+version)
	if legacy, ok := legacyMicroversionHeaders[t]; ok {
		h.Set(legacy, version)
	}
}

var legacyMicroversionHeaders = map[string]string{
	"compute":            "X-OpenStack-Nova-API-Version",
	"baremetal":          "X-OpenStack-Ironic-API-Version",
	"shared-file-system": "X-OpenStack-Manila-API-Version",
}
