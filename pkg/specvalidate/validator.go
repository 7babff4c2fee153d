package specvalidate

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/keystone-go/keystone/api"
	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/timestamp"
)

// Operation is one operation of the bundled documents.
type Operation struct {
	// ID is the operationId ("createProject").
	ID string
	// Name is the ID qualified by its version root when the document is
	// not the v3 one or the discovery one ("v2.0:deleteUser"), since the
	// v2.0 document reuses v3 operation ids. Lookup takes either for v3.
	Name string
	// Method is the HTTP method ("POST").
	Method string
	// Path is the full path template, version root included
	// ("/v3/projects/{project_id}").
	Path string
	// Document is the file of the bundled document ("identity-v3.yaml").
	Document string
	// Releases are the Keystone series the operation applies to
	// (x-keystone-releases of the operation, else of the document), oldest
	// first; empty for a document that names none (v2.0, which no verified
	// release serves).
	Releases []string
	// Summary is the operation's summary line.
	Summary string

	route   *routers.Route
	segs    []string // Path's segments, version root included
	nparams int
}

// Spec returns the kin-openapi operation, for callers that need more than
// the fields above. It is shared: do not modify it.
func (op *Operation) Spec() *openapi3.Operation { return op.route.Operation }

// Validator checks traffic against the bundled documents. It is read-only
// once built and safe for concurrent use.
type Validator struct {
	ops      []*Operation
	byID     map[string]*Operation
	root     *node
	basePath string
	opts     *openapi3filter.Options
	schema   []openapi3.SchemaValidationOption
}

// Option configures a Validator.
type Option func(*Validator)

// WithBasePath sets the path a deployment serves Keystone under
// ("/identity" for https://cloud.example/identity/v3); it is cut from
// request paths before they are matched.
func WithBasePath(p string) Option {
	return func(v *Validator) { v.basePath = strings.TrimSuffix(p, "/") }
}

// registerBodies teaches openapi3filter the non-JSON bodies Keystone sends
// (SAML, PEM, HTML error pages). openapi3filter keeps decoders in package
// state only, so this is done once per process and is idempotent.
var registerBodies = sync.OnceFunc(func() {
	for _, ct := range []string{"text/html", "text/xml", "application/xml", "application/samlassertion+xml",
		"application/vnd.paos+xml", "application/x-pem-file", "text/plain"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
})

// shared is the Validator Default returns, loaded on first use.
var shared = sync.OnceValues(func() (*Validator, error) { return New() })

// Default returns a Validator of the embedded documents with no options,
// loaded on the first call and shared by the process afterwards: loading
// takes most of a second on a small machine, and a Validator is read-only,
// so tests and fake servers need not each pay for it. WithBasePath derives
// one for a deployment under a base path.
func Default() (*Validator, error) { return shared() }

// WithBasePath returns a Validator sharing v's documents and routes that
// cuts base from request paths (see the WithBasePath option).
func (v *Validator) WithBasePath(base string) *Validator {
	c := *v
	WithBasePath(base)(&c)
	return &c
}

// SchemaOptions are the kin-openapi options a Validator checks schemas
// with, for callers that visit a schema themselves: one-line errors, and
// the keystone-time format of the documents (Keystone writes zone-less
// timestamps that date-time refuses), checked by pkg/timestamp.
func SchemaOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{
		openapi3.DisableSchemaErrorDetails(),
		openapi3.WithStringFormatValidator("keystone-time", openapi3.NewCallbackValidator(func(s string) error {
			_, err := timestamp.Parse(s)
			return err
		})),
	}
}

// New loads the embedded documents and builds their routes.
func New(opts ...Option) (*Validator, error) {
	registerBodies()
	schema := SchemaOptions()
	v := &Validator{
		byID: map[string]*Operation{},
		root: &node{},
		opts: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
			// The server checks credentials; the spec only says which
			// operations take them.
			AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
			SchemaValidationOptions: schema,
		},
		schema: schema,
	}
	for _, o := range opts {
		o(v)
	}
	for _, d := range api.Documents() {
		if err := v.add(d); err != nil {
			return nil, fmt.Errorf("specvalidate: %s: %w", d.File, err)
		}
	}
	slices.SortFunc(v.ops, func(a, b *Operation) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method))
	})
	return v, nil
}

func (v *Validator) add(d api.Document) error {
	data, err := api.Read(d.File)
	if err != nil {
		return err
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return err
	}
	doc.Servers = nil
	docReleases := releasesOf(doc.Info.Extensions)
	for tmpl, item := range doc.Paths.Map() {
		full := d.Prefix + tmpl
		if tmpl == "/" && d.Prefix != "" {
			full = d.Prefix + "/"
		}
		segs, err := segments(full)
		if err != nil {
			return fmt.Errorf("path %s: %w", tmpl, err)
		}
		for method, o := range item.Operations() {
			op := &Operation{
				ID: o.OperationID, Method: method, Path: full, Document: d.File,
				Releases: releasesOf(o.Extensions), Summary: o.Summary,
				route: &routers.Route{Spec: doc, Path: tmpl, PathItem: item, Method: method, Operation: o},
				segs:  segs,
			}
			if op.Releases == nil {
				op.Releases = docReleases
			}
			for _, s := range segs {
				if isParam(s) {
					op.nparams++
				}
			}
			op.Name = op.ID
			if d.Prefix != "" && d.Prefix != "/v3" {
				op.Name = strings.TrimPrefix(d.Prefix, "/") + ":" + op.ID
			}
			if prev, dup := v.byID[op.Name]; dup || op.ID == "" {
				return fmt.Errorf("operation id %q on %s %s and %s %s", op.ID, prev.Method, prev.Path, method, full)
			}
			v.byID[op.Name] = op
			if d.Prefix == "/v3" {
				v.byID["v3:"+op.ID] = op
			}
			v.ops = append(v.ops, op)
			v.root.insert(segs, op)
		}
	}
	return nil
}

// releasesOf reads x-keystone-releases: a list of series, or of
// {keystone, series} objects (the document's info).
func releasesOf(ext map[string]any) []string {
	list, _ := ext["x-keystone-releases"].([]any)
	var out []string
	for _, r := range list {
		switch r := r.(type) {
		case string:
			out = append(out, r)
		case map[string]any:
			if s, ok := r["series"].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// Operations yields every operation, ordered by path then method.
func (v *Validator) Operations() iter.Seq[*Operation] {
	return slices.Values(v.ops)
}

// Lookup finds an operation by name ("createProject", "v2.0:listTenants";
// see Operation.Name) or by
// "METHOD /path", where the path is a template or a concrete path, with its
// version root ("/v3/projects/{project_id}", "/v3/projects/abc"; a path
// without a version root is taken as a v3 one). The error wraps
// ErrNoOperation when none matches.
func (v *Validator) Lookup(spec string) (*Operation, error) {
	spec = strings.TrimSpace(spec)
	method, path, ok := strings.Cut(spec, " ")
	if !ok {
		if op := v.byID[spec]; op != nil {
			return op, nil
		}
		return nil, fmt.Errorf("specvalidate: operation %q: %w", spec, ErrNoOperation)
	}
	path, _, _ = strings.Cut(strings.TrimSpace(path), "?")
	op, _, err := v.Find(method, path)
	if err != nil && !strings.HasPrefix(path, "/v3/") && path != "/v3" && !strings.HasPrefix(path, "/v2.0") && path != "/" {
		if op, _, err2 := v.Find(method, "/v3"+path); err2 == nil {
			return op, nil
		}
	}
	return op, err
}

// Find routes a method and an escaped request path (base path included,
// see WithBasePath) to its operation and the values of its path
// parameters. The error is an *Error wrapping ErrNoOperation.
func (v *Validator) Find(method, escapedPath string) (*Operation, map[string]string, error) {
	method = strings.ToUpper(method)
	p := escapedPath
	if v.basePath != "" {
		p = strings.TrimPrefix(p, v.basePath)
	}
	segs, err := segments(p)
	if err == nil {
		if n := v.root.find(segs); n != nil {
			if op := n.ops[method]; op != nil {
				return op, op.params(segs), nil
			}
			if method == http.MethodHead {
				// A HEAD is answered like a GET without a body.
				if op := n.ops[http.MethodGet]; op != nil {
					return op, op.params(segs), nil
				}
			}
		}
	}
	return nil, nil, &Error{Method: method, Path: escapedPath, In: "route",
		Expected: "a path and method the spec describes", Err: ErrNoOperation}
}

// ValidateRequest checks a request (path and query parameters, headers,
// body) against its operation. body is the request's body; req.Body is not
// read.
func (v *Validator) ValidateRequest(ctx context.Context, req *http.Request, body []byte) error {
	op, params, err := v.Find(req.Method, req.URL.EscapedPath())
	if err != nil {
		err.(*Error).Path = shownPath(req.URL)
		return err
	}
	r := req.Clone(ctx)
	r.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: op.route, Options: v.opts}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return convert(Error{Operation: op.ID, Method: req.Method, Path: shownPath(req.URL)}, err)
	}
	return nil
}

// ValidateResponse checks an answer (status, headers, body) to req against
// the operation req routes to.
func (v *Validator) ValidateResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error {
	op, params, err := v.Find(req.Method, req.URL.EscapedPath())
	if err != nil {
		err.(*Error).Path = shownPath(req.URL)
		return err
	}
	base := Error{Operation: op.ID, Method: req.Method, Path: shownPath(req.URL), Status: status}
	if req.Method == http.MethodHead || len(body) == 0 {
		// Nothing to decode; the status must still be one the operation
		// declares.
		if !declares(op.route.Operation, status) {
			e := base
			e.In, e.Expected = "status", "one of the statuses the operation declares"
			return &e
		}
		if req.Method == http.MethodHead {
			return nil
		}
	}
	opts := *v.opts
	opts.ExcludeRequestBody = true
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: op.route, Options: &opts},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &opts,
	}
	if len(body) == 0 {
		// An empty body is no JSON document: only the headers are checked.
		opts.ExcludeResponseBody = true
	}
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		return convert(base, err)
	}
	return nil
}

func declares(op *openapi3.Operation, status int) bool {
	return op.Responses != nil && (op.Responses.Status(status) != nil || op.Responses.Default() != nil)
}

// ValidateRequestBody checks a JSON request body against the operation's
// schema, as a client would send it.
func (v *Validator) ValidateRequestBody(op *Operation, body []byte) error {
	base := Error{Operation: op.ID, Method: op.Method, Path: op.Path}
	rb := op.route.Operation.RequestBody
	if rb == nil || rb.Value == nil {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil
		}
		e := base
		e.In, e.Expected = "request body", "no body (the operation takes none)"
		return &e
	}
	return v.validateJSON(base, "request body", rb.Value.Content, rb.Value.Required, body, openapi3.VisitAsRequest())
}

// ValidateResponseBody checks a JSON answer body with this status against
// the operation's schema.
func (v *Validator) ValidateResponseBody(op *Operation, status int, body []byte) error {
	base := Error{Operation: op.ID, Method: op.Method, Path: op.Path, Status: status}
	o := op.route.Operation
	if !declares(o, status) {
		e := base
		e.In, e.Expected = "status", "one of the statuses the operation declares"
		return &e
	}
	r := o.Responses.Status(status)
	if r == nil {
		r = o.Responses.Default()
	}
	if r.Value == nil || len(r.Value.Content) == 0 {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil
		}
		e := base
		e.In, e.Expected = "response body", "no body (the status has none)"
		return &e
	}
	return v.validateJSON(base, "response body", r.Value.Content, true, body, openapi3.VisitAsResponse())
}

func (v *Validator) validateJSON(base Error, in string, content openapi3.Content, required bool, body []byte, as openapi3.SchemaValidationOption) error {
	mt := content.Get("application/json")
	if mt == nil {
		e := base
		e.In, e.Expected = in, "a body of "+strings.Join(slices.Sorted(maps.Keys(content)), ", ")
		return &e
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if !required {
			return nil
		}
		e := base
		e.In, e.Expected = in, "a JSON body"
		return &e
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		e := base
		e.In, e.Expected, e.Err = in, "a JSON document: "+err.Error(), err
		return &e
	}
	if mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	opts := append([]openapi3.SchemaValidationOption{openapi3.MultiErrors(), as}, v.schema...)
	if err := mt.Schema.Value.VisitJSON(value, opts...); err != nil {
		return convert(withIn(base, in), err)
	}
	return nil
}

func withIn(e Error, in string) Error { e.In = in; return e }

// shownPath is a request's path for an error: tokens some paths carry
// (/v3/OS-OAUTH1/access_tokens/...) are replaced by their hash.
func shownPath(u *url.URL) string {
	return redact.URL(&url.URL{Path: u.Path, RawPath: u.RawPath})
}
