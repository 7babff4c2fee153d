package keystonetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/keystone-go/keystone/gen/identityv2server"
	"github.com/keystone-go/keystone/pkg/timestamp"
)

// versionPrefix is where the v2.0 API lives on the server; the paths of
// api/identity-v2.yaml are relative to it.
const versionPrefix = "/v2.0"

// specRouter builds the router once per process: loading and validating the
// spec takes ~50 ms, and the router and the document it holds are only read
// afterwards, by any number of servers at once.
var specRouter = sync.OnceValues(newRouter)

// newRouter loads the spec embedded in the generated server package (the
// bundled api/identity-v2.yaml) and routes on its paths alone: the servers
// entry names localhost:5000, not this server.
func newRouter() (routers.Router, error) {
	doc, err := identityv2server.GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("loading the embedded spec: %w", err)
	}
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("routing the embedded spec: %w", err)
	}
	return router, nil
}

func validationOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		// The fake checks tokens itself and answers 401 like Keystone; the
		// spec only says which operations take one.
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		// A status the operation does not declare is a violation too.
		IncludeResponseStatus: true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.DisableSchemaErrorDetails(),
			openapi3.WithStringFormatValidator("keystone-time",
				openapi3.NewCallbackValidator(func(s string) error {
					_, err := timestamp.Parse(s)
					return err
				})),
		},
	}
}

// serveHTTP validates the request, lets the generated routes answer it into
// a buffer, validates that answer and only then sends it. A violation on
// either side is recorded and answered with a 500 that names it.
func (s *V2Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		s.serveVersions(w, r)
		return
	case p == versionPrefix:
		// GET /v2.0 is the version document, like GET /v2.0/.
		r = r.Clone(r.Context())
		r.URL.Path = versionPrefix + "/"
		r.URL.RawPath = ""
	case !strings.HasPrefix(p, versionPrefix+"/"):
		s.recordViolation(fmt.Errorf("%s %s: not a v2.0 path (the API is under %s)", r.Method, p, versionPrefix))
		writeError(w, notFound("the resource could not be found"))
		return
	}

	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, badRequest("reading the request body: %v", err))
		return
	}
	_ = r.Body.Close()

	// The spec's paths are relative to /v2.0.
	specReq := r.Clone(r.Context())
	specReq.URL.Path = strings.TrimPrefix(r.URL.Path, versionPrefix)
	specReq.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, versionPrefix)
	specReq.Body = io.NopCloser(bytes.NewReader(body))

	route, pathParams, err := s.router.FindRoute(specReq)
	if err != nil {
		s.recordViolation(fmt.Errorf("%s %s: the spec has no such operation: %w", r.Method, r.URL.Path, err))
		// The legacy router answers fresh RouteErrors, not the sentinels.
		if re := (*routers.RouteError)(nil); errors.As(err, &re) && re.Reason == routers.ErrMethodNotAllowed.Error() {
			writeError(w, &apiError{status: http.StatusMethodNotAllowed, title: "Method Not Allowed",
				message: "the method is not allowed for the requested URL"})
			return
		}
		writeError(w, notFound("the resource could not be found"))
		return
	}
	opID := lowerFirst(route.Operation.OperationID)
	s.recordCall(opID)

	in := &openapi3filter.RequestValidationInput{
		Request:    specReq,
		PathParams: pathParams,
		Route:      route,
		Options:    validationOptions(),
	}
	ctx := context.Background()
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		s.violation(w, fmt.Errorf("%s %s (%s): request does not match the spec: %w", r.Method, r.URL.Path, opID, err))
		return
	}

	handler := s.api.handler(r.Method, route.Path)
	if handler == nil {
		s.violation(w, fmt.Errorf("%s %s (%s): the generated server has no handler for it", r.Method, r.URL.Path, opID))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r = r.WithContext(context.WithValue(r.Context(), authTokenKey, r.Header.Get("X-Auth-Token")))
	for name, value := range pathParams {
		r.SetPathValue(name, value)
	}
	rec := newRecorder()
	handler(rec, r)

	if err := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rec.status,
		Header:                 rec.header,
		Body:                   io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		Options:                in.Options,
	}); err != nil {
		s.violation(w, fmt.Errorf("%s %s (%s): %d response does not match the spec: %w; body: %.300s",
			r.Method, r.URL.Path, opID, rec.status, err, rec.body.String()))
		return
	}
	rec.flush(w)
}

// violation records err and answers 500 with it, so that the client under
// test fails too, with the reason in the error message.
func (s *V2Server) violation(w http.ResponseWriter, err error) {
	s.recordViolation(err)
	writeError(w, &apiError{status: http.StatusInternalServerError, title: "Spec Violation", message: err.Error()})
}

// serveVersions answers GET / as Keystone does: 300 with the version list.
// It is not part of the v2.0 spec (it is the root discovery document).
func (s *V2Server) serveVersions(w http.ResponseWriter, r *http.Request) {
	body := map[string]any{"versions": map[string]any{"values": []any{s.versionInfo()}}}
	w.Header().Set("Location", s.URL()+"/")
	writeJSON(w, http.StatusMultipleChoices, body)
}

// versionInfo is the v2.0 version entry, as Keystone last reported it.
func (s *V2Server) versionInfo() map[string]any {
	return map[string]any{
		"id":      "v2.0",
		"status":  "deprecated",
		"updated": "2016-08-04T00:00:00Z",
		"links": []any{
			map[string]any{"rel": "self", "href": s.URL() + "/"},
			map[string]any{"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
		},
		"media-types": []any{
			map[string]any{"base": "application/json", "type": "application/vnd.openstack.identity-v2.0+json"},
		},
	}
}

// opMux takes the routes the generated code registers and hands them out by
// method and spec path. It replaces http.ServeMux, which refuses the
// generated patterns: "GET /v2.0/tokens/revoked" and
// "HEAD /v2.0/tokens/{token_id}" overlap without either being more specific.
// Routing is done by the spec's router anyway; this only finds the handler
// of the operation it chose.
type opMux struct {
	handlers map[string]http.HandlerFunc // "GET /v2.0/tokens/{token_id}"
}

func (m *opMux) HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request)) {
	m.handlers[pattern] = handler
}

// ServeHTTP is not used: serveHTTP dispatches through handler.
func (m *opMux) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	writeError(w, notFound("the resource could not be found"))
}

// handler returns the generated handler of the operation at the spec path.
func (m *opMux) handler(method, specPath string) http.HandlerFunc {
	if specPath == "/" {
		specPath = "/{$}"
	}
	return m.handlers[method+" "+versionPrefix+specPath]
}

// recorder buffers a response so that it can be validated before it is sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}

func (r *recorder) flush(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(r.body.Bytes())
}

// apiError is an error answer in Keystone's shape.
type apiError struct {
	status  int
	title   string
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.title, e.message) }

func newAPIError(status int, title, format string, args ...any) *apiError {
	return &apiError{status: status, title: title, message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return newAPIError(http.StatusBadRequest, "Bad Request", format, args...)
}

func unauthorized(format string, args ...any) *apiError {
	return newAPIError(http.StatusUnauthorized, "Unauthorized", format, args...)
}

func forbidden(format string, args ...any) *apiError {
	return newAPIError(http.StatusForbidden, "Forbidden", format, args...)
}

func notFound(format string, args ...any) *apiError {
	return newAPIError(http.StatusNotFound, "Not Found", format, args...)
}

func couldNotFind(kind, id string) *apiError {
	return notFound("Could not find %s: %s.", kind, id)
}

func conflict(format string, args ...any) *apiError {
	return newAPIError(http.StatusConflict, "Conflict", format, args...)
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, map[string]any{
		"error": map[string]any{"code": e.status, "title": e.title, "message": e.message},
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
