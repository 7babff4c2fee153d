package apivalidate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/keystone-go/keystone/pkg/timestamp"
)

var registerOnce sync.Once

// register teaches kin-openapi Keystone's timestamp format and the non-JSON
// bodies Keystone sends. kin-openapi keeps these in package state, so it is
// done once per process.
func register() {
	registerOnce.Do(func() {
		openapi3.DefineStringFormatValidator("keystone-time", openapi3.NewCallbackValidator(func(s string) error {
			_, err := timestamp.Parse(s)
			return err
		}))
		for _, ct := range []string{"text/html", "text/xml", "application/xml", "application/samlassertion+xml",
			"application/vnd.paos+xml", "application/x-pem-file", "text/plain"} {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
		}
	})
}

// Validator checks traffic against one bundled document.
type Validator struct {
	Doc    *openapi3.T
	router routers.Router
	// Prefix is the path of the version root the document's paths are
	// relative to ("/v3"); it is cut from request paths before routing.
	Prefix string
}

// RepoFile finds a file of this repository from a test's working
// directory, which is some package directory below the root.
func RepoFile(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			bytes.Contains(b, []byte("module github.com/keystone-go/keystone\n")) {
			return filepath.Join(dir, rel), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("apivalidate: no keystone-go go.mod above the working directory")
		}
		dir = parent
	}
}

// Load reads a bundled document (a path relative to the repository root,
// such as "api/identity-v3.yaml") for requests under prefix.
func Load(rel, prefix string) (*Validator, error) {
	register()
	path, err := RepoFile(rel)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, err
	}
	return New(doc, prefix)
}

// New wraps a loaded document.
func New(doc *openapi3.T, prefix string) (*Validator, error) {
	register()
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	doc.Servers = nil // route on paths alone, whatever host the server runs on
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &Validator{Doc: doc, router: router, Prefix: strings.TrimSuffix(prefix, "/")}, nil
}

// Owns reports whether a request path falls under the validator's prefix.
func (v *Validator) Owns(path string) bool {
	if v.Prefix == "" {
		return path == "/" || path == ""
	}
	return path == v.Prefix || strings.HasPrefix(path, v.Prefix+"/")
}

func (v *Validator) route(req *http.Request) (*routers.Route, map[string]string, error) {
	r := req.Clone(req.Context())
	u := *req.URL
	u.Path = strings.TrimPrefix(u.Path, v.Prefix)
	if u.Path == "" {
		u.Path = "/"
	}
	u.RawPath = ""
	r.URL = &u
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: no operation in the spec: %w", req.Method, req.URL.Path, err)
	}
	return route, params, nil
}

func options() *openapi3filter.Options {
	return &openapi3filter.Options{
		IncludeResponseStatus:   true,
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
	}
}

// Request checks a request and its body against its operation.
func (v *Validator) Request(req *http.Request, body []byte) error {
	route, params, err := v.route(req)
	if err != nil {
		return err
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: options()}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		return fmt.Errorf("%s %s: request: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// Response checks an answer (status, headers, body) to req.
func (v *Validator) Response(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.route(req)
	if err != nil {
		return err
	}
	opts := options()
	opts.ExcludeRequestBody = true
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	if req.Method == http.MethodHead || len(body) == 0 {
		// HEAD answers and empty bodies have nothing to decode; the status
		// must still be one the operation declares.
		if _, ok := declared(route.Operation, status); !ok {
			return fmt.Errorf("%s %s: status %d is not declared", req.Method, req.URL.Path, status)
		}
		if len(body) == 0 {
			return nil
		}
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		return fmt.Errorf("%s %s: %d answer: %w", req.Method, req.URL.Path, status, err)
	}
	return nil
}

func declared(op *openapi3.Operation, status int) (*openapi3.ResponseRef, bool) {
	if op.Responses == nil {
		return nil, false
	}
	if r := op.Responses.Status(status); r != nil {
		return r, true
	}
	if r := op.Responses.Default(); r != nil {
		return r, true
	}
	return nil, false
}

// Set routes requests to the validator whose prefix they fall under.
type Set []*Validator

// For returns the validator for a request path, or nil.
func (s Set) For(path string) *Validator {
	var best *Validator
	for _, v := range s {
		if v.Owns(path) && (best == nil || len(v.Prefix) > len(best.Prefix)) {
			best = v
		}
	}
	return best
}

// Transport is an http.RoundTripper that checks every answer against the
// spec and reports each mismatch to Report. Answers pass through unchanged.
type Transport struct {
	Next       http.RoundTripper
	Validators Set
	Report     func(error)
	// Unknown is called for a request under no validator's prefix; nil
	// reports it as an error.
	Unknown func(*http.Request)
}

// RoundTrip sends req and checks the answer.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	v := t.Validators.For(req.URL.Path)
	if v == nil {
		if t.Unknown != nil {
			t.Unknown(req)
		} else {
			t.Report(fmt.Errorf("%s %s: no spec covers this path", req.Method, req.URL.Path))
		}
		return resp, nil
	}
	body, readErr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if readErr != nil {
		return resp, nil // the caller sees the short body; nothing to validate
	}
	if err := v.Response(req, resp.StatusCode, resp.Header, body); err != nil {
		t.Report(err)
	}
	return resp, nil
}
