package keystonetest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/keystone-go/keystone/pkg/specvalidate"
)

// spec is the seam between the fake and the documents it is held to
// (pkg/specvalidate, which embeds them): it finds the operation of a
// request and checks requests and answers.
type spec struct{ v *specvalidate.Validator }

// v3Spec uses the Validator the process shares: loading the documents
// takes a fraction of a second, and it is read-only afterwards.
func v3Spec() (spec, error) {
	v, err := specvalidate.Default()
	return spec{v: v}, err
}

// rootPrefix marks the routes of operations outside the v3 root.
const rootPrefix = "^"

// operation is what the spec says of one request.
type operation struct {
	id         string
	path       string // the spec's path below /v3, "/projects/{project_id}"
	params     map[string]string
	needsToken bool
	req        *http.Request
	spec       *openapi3.Operation
}

func (sp spec) find(r *http.Request) (*operation, error) {
	found, params, err := sp.v.Find(r.Method, r.URL.EscapedPath())
	if err != nil {
		return nil, err
	}
	op := &operation{id: found.ID, path: found.Path, params: params, req: r, spec: found.Spec()}
	if p, ok := strings.CutPrefix(found.Path, "/v3"); ok {
		op.path = cmp.Or(p, "/")
	} else {
		op.path = rootPrefix + found.Path // version discovery, outside /v3
	}
	if sec := found.Spec().Security; sec != nil {
		op.needsToken = len(*sec) > 0
		for _, req := range *sec {
			if len(req) == 0 {
				op.needsToken = false // the token is optional
			}
		}
	}
	return op, nil
}

func (sp spec) checkRequest(op *operation, body []byte) error {
	return sp.v.ValidateRequest(context.Background(), op.req, body)
}

func (sp spec) checkResponse(op *operation, rec *recorder) error {
	return sp.v.ValidateResponse(context.Background(), op.req, rec.status, rec.header, rec.body.Bytes())
}

// unmodelledQuery are the query parameters of modelled operations that the
// fake does not model: a request with one answers 501 rather than an
// answer that ignores it.
var unmodelledQuery = map[string][]string{
	"getProject":          {"parents_as_list", "parents_as_ids", "subtree_as_list", "subtree_as_ids", "include_limits"},
	"listRoleAssignments": {"include_subtree"},
	"listUsers":           {"password_expires_at", "idp_id", "protocol_id", "unique_id"},
	"listGroupUsers":      {"password_expires_at"},
}

// call is one request as a handler sees it.
type call struct {
	s      *V3Server
	r      *http.Request
	op     *operation
	query  url.Values
	body   map[string]any // the decoded JSON body, nil without one
	caller *v3Token       // the X-Auth-Token's token, nil when the operation needs none
	header http.Header    // headers of the answer
}

func (c *call) param(name string) string { return c.op.params[name] }

// handlerFunc serves one operation under the server's lock: the answer's
// status and body (any JSON value; nil for none), or an *apiError.
type handlerFunc func(c *call) (int, any, error)

// serveHTTP finds the operation, checks the request, applies an injected
// fault or serves it, checks the answer and only then sends it. A violation
// on either side is recorded and answered with a 500 that names it.
func (s *V3Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	entry := Request{Method: r.Method, Path: r.URL.Path, Time: s.now()}
	rec := newRecorder()
	defer func() {
		entry.Status = rec.status
		s.logRequest(entry)
		// The server's clock, so that a client judging expiry by it (the
		// Session does) follows a clock the test moves.
		rec.header.Set("Date", entry.Time.Format(http.TimeFormat))
		rec.flush(w)
	}()

	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(rec, badRequest("reading the request body: %v", err))
		return
	}
	const prefix = "/v3"
	if r.URL.Path != "/" && r.URL.Path != prefix && !strings.HasPrefix(r.URL.Path, prefix+"/") {
		s.recordViolation(fmt.Errorf("%s %s: not a v3 path (the API is under %s)", r.Method, r.URL.Path, prefix))
		writeError(rec, notFound("The resource could not be found."))
		return
	}
	op, err := s.spec.find(r)
	if err != nil {
		s.recordViolation(fmt.Errorf("%s %s: the spec has no such operation: %w", r.Method, r.URL.Path, err))
		writeError(rec, notFound("The resource could not be found."))
		return
	}
	entry.OperationID = op.id

	if f := s.takeFault(op.id); f != nil {
		entry.Fault = f.Status != 0
		if !s.delay(r.Context(), f.Delay) || f.Status != 0 {
			s.answerFault(rec, f)
			return
		}
	}
	if refused := s.releaseRefuses(op, r); refused != nil {
		writeError(rec, refused)
		return
	}
	if err := s.spec.checkRequest(op, body); err != nil {
		s.violation(rec, fmt.Errorf("%s %s (%s): request does not match the spec: %w", r.Method, r.URL.Path, op.id, err))
		return
	}
	handler := s.routes[r.Method+" "+op.path]
	if handler == nil && r.Method == http.MethodHead {
		handler = s.routes["GET "+op.path] // answered like the GET, without the body
	}
	if handler == nil {
		// Not modelled: said plainly, and not held to the spec.
		writeError(rec, &apiError{status: http.StatusNotImplemented, title: "Not Implemented",
			message: fmt.Sprintf("keystonetest does not model %s (%s %s)", op.id, r.Method, op.path)})
		return
	}
	for _, name := range unmodelledQuery[op.id] {
		if r.URL.Query().Has(name) {
			writeError(rec, &apiError{status: http.StatusNotImplemented, title: "Not Implemented",
				message: fmt.Sprintf("keystonetest does not model the %s parameter of %s", name, op.id)})
			return
		}
	}
	s.serve(rec, r, op, body, handler)
	if err := s.spec.checkResponse(op, rec); err != nil {
		err = fmt.Errorf("%s %s (%s): %d answer does not match the spec: %w; body: %.300s",
			r.Method, r.URL.Path, op.id, rec.status, err, rec.body.String())
		rec.reset()
		s.violation(rec, err)
	}
}

// serve runs the handler under the state lock and writes its answer.
func (s *V3Server) serve(w http.ResponseWriter, r *http.Request, op *operation, body []byte, handler handlerFunc) {
	c := &call{s: s, r: r, op: op, query: r.URL.Query(), header: http.Header{}}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &c.body); err != nil {
			writeError(w, badRequest("The request body is not valid JSON: %v", err))
			return
		}
	}
	status, out, err := func() (int, any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if op.needsToken {
			tok, err := s.authenticate(r.Header.Get("X-Auth-Token"))
			if err != nil {
				return 0, nil, err
			}
			c.caller = tok
			if err := s.authorize(c); err != nil {
				return 0, nil, err
			}
		}
		return handler(c)
	}()
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{status: http.StatusInternalServerError, title: "Internal Server Error", message: err.Error()}
		}
		writeError(w, ae)
		return
	}
	for k, v := range c.header {
		w.Header()[k] = v
	}
	if out == nil || r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, out)
}

// delay waits d or until the client gives up; false if it gave up.
func (s *V3Server) delay(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *V3Server) answerFault(w http.ResponseWriter, f *Fault) {
	status := f.Status
	if status == 0 {
		status = http.StatusServiceUnavailable // the client left during the delay
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	writeError(w, &apiError{status: status, title: http.StatusText(status), message: "injected fault"})
}

// violation records err and answers 500 with it, so that the client under
// test fails too, with the reason in the error message.
func (s *V3Server) violation(w http.ResponseWriter, err error) {
	s.recordViolation(err)
	writeError(w, &apiError{status: http.StatusInternalServerError, title: "Spec Violation", message: err.Error()})
}

func (r *recorder) reset() {
	r.header = http.Header{}
	r.status = 0
	r.body.Reset()
}

// releaseRefuses answers as the Keystone release of WithRelease answers a
// request it does not take, by the spec's x-keystone-releases: an
// operation it does not serve (404), or a query parameter its schema
// refuses (400). Without WithRelease nothing is refused.
func (s *V3Server) releaseRefuses(op *operation, r *http.Request) *apiError {
	series := s.opts.release
	if series == "" {
		return nil
	}
	if !inRelease(op.spec.Extensions, series) {
		return notFound("The resource could not be found.")
	}
	for _, p := range op.spec.Parameters {
		if p.Value != nil && p.Value.In == "query" && r.URL.Query().Has(p.Value.Name) && !inRelease(p.Value.Extensions, series) {
			return badRequest("Additional properties are not allowed ('%s' was unexpected)", p.Value.Name)
		}
	}
	return nil
}

// inRelease reads x-keystone-releases (absent: every release).
func inRelease(ext map[string]any, series string) bool {
	list, ok := ext["x-keystone-releases"].([]any)
	if !ok {
		return true
	}
	for _, v := range list {
		if v == series {
			return true
		}
	}
	return false
}
