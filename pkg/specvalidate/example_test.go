package specvalidate_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/keystone-go/keystone/pkg/specvalidate"
)

// A CI step that checks the payloads a program sends, before they meet a
// Keystone.
func ExampleValidator_ValidateRequestBody() {
	v, err := specvalidate.Default()
	if err != nil {
		panic(err)
	}
	op, err := v.Lookup("createProject")
	if err != nil {
		panic(err)
	}
	body := []byte(`{"project": {"name": "", "enabled": "yes"}}`)
	for _, e := range specvalidate.Errors(v.ValidateRequestBody(op, body)) {
		fmt.Println(e.Pointer, "-", e.Expected)
	}
	// Output:
	// /project/enabled - value must be a boolean
	// /project/name - minimum string length is 1
}

func ExampleValidator_ValidateResponseBody() {
	v, err := specvalidate.Default()
	if err != nil {
		panic(err)
	}
	op, err := v.Lookup("GET /v3/projects/{project_id}")
	if err != nil {
		panic(err)
	}
	err = v.ValidateResponseBody(op, http.StatusOK, []byte(`{"project": {"id": "p1", "name": "p", "domain_id": "default",
		"enabled": true, "is_domain": false, "links": {"self": "https://keystone.example/v3/projects/p1"}}}`))
	fmt.Println(err)
	err = v.ValidateResponseBody(op, http.StatusTeapot, nil)
	fmt.Println(err)
	// Output:
	// <nil>
	// getProject (GET /v3/projects/{project_id}): status: one of the statuses the operation declares
}

func ExampleValidator_Lookup() {
	v, err := specvalidate.Default()
	if err != nil {
		panic(err)
	}
	for _, spec := range []string{"listProjects", "DELETE /v3/projects/0123abcd", "v2.0:listTenants"} {
		op, err := v.Lookup(spec)
		if err != nil {
			panic(err)
		}
		fmt.Println(op.ID, op.Method, op.Path)
	}
	// Output:
	// listProjects GET /v3/projects
	// deleteProject DELETE /v3/projects/{project_id}
	// listTenants GET /v2.0/tenants
}

// Wrapping a client's transport: in a test suite or on staging, every
// exchange is checked, and a mismatch fails the call.
func ExampleTransport() {
	keystone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// An answer the spec does not allow: a project's id is a string.
		_, _ = io.WriteString(w, `{"project": {"id": 1, "name": "p", "domain_id": "default", "enabled": true,
			"is_domain": false, "links": {"self": "x"}}}`)
	}))
	defer keystone.Close()

	v, err := specvalidate.Default()
	if err != nil {
		panic(err)
	}
	client := &http.Client{Transport: &specvalidate.Transport{Next: http.DefaultTransport, Validator: v}}
	_, err = client.Get(keystone.URL + "/v3/projects/p1")
	var mismatch *specvalidate.Error
	if errors.As(err, &mismatch) {
		fmt.Println(mismatch.Operation, mismatch.Status, mismatch.Pointer, mismatch.Expected)
	}
	// Output:
	// getProject 200 /project/id value must be a string
}

// Reporting instead of failing: the exchange goes on, and each mismatch is
// logged.
func ExampleLogMismatches() {
	keystone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted) // deleteProject answers 204
	}))
	defer keystone.Close()

	v, err := specvalidate.Default()
	if err != nil {
		panic(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	client := &http.Client{Transport: &specvalidate.Transport{Validator: v, Report: specvalidate.LogMismatches(logger)}}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodDelete, keystone.URL+"/v3/projects/p1", nil)
	resp, err := client.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// level=WARN msg="the exchange differs from the Identity API spec" operation=deleteProject method=DELETE path=/v3/projects/p1 status=202 in=status pointer="" expected="one of the statuses the operation declares"
	// 202
}

func ExampleErrors() {
	v, err := specvalidate.Default()
	if err != nil {
		panic(err)
	}
	op, _ := v.Lookup("createUser")
	err = v.ValidateRequestBody(op, []byte(`{"user": {"enabled": "no"}}`))
	for _, e := range specvalidate.Errors(err) {
		fmt.Println(e)
	}
	fmt.Println(strings.Count(err.Error(), "\n") + 1)
	// Output:
	// createUser (POST /v3/users): request body at /user/enabled: value must be a boolean
	// createUser (POST /v3/users): request body at /user/name: property "name" is missing
	// 2
}

func ExampleWithBasePath() {
	v, err := specvalidate.New(specvalidate.WithBasePath("/identity"))
	if err != nil {
		panic(err)
	}
	op, params, err := v.Find(http.MethodGet, "/identity/v3/users/u1")
	if err != nil {
		panic(err)
	}
	fmt.Println(op.ID, params["user_id"])
	// Output:
	// getUser u1
}

func ExampleValidator_Operations() {
	v, err := specvalidate.Default()
	if err != nil {
		panic(err)
	}
	for op := range v.Operations() {
		if op.ID == "revokeUserTokens" {
			fmt.Println(op.Method, op.Path, op.Releases)
		}
	}
	// Output:
	// DELETE /v3/users/{user_id}/tokens [2026.2]
}

// A server-side check, as a fake Keystone runs it on each exchange.
func ExampleValidator_ValidateRequest() {
	v, err := specvalidate.Default()
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/v3/projects?enabled=perhaps", nil)
	fmt.Println(v.ValidateRequest(req.Context(), req, nil) != nil)
	req = httptest.NewRequest(http.MethodGet, "/v3/projects?enabled=true", nil)
	fmt.Println(v.ValidateRequest(req.Context(), req, nil))
	// Output:
	// true
	// <nil>
}

func ExampleValidator_ValidateResponse() {
	v, err := specvalidate.Default()
	if err != nil {
		panic(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/v3/projects", nil)
	header := http.Header{"Content-Type": {"application/json"}}
	err = v.ValidateResponse(req.Context(), req, http.StatusOK, header,
		[]byte(`{"projects": [], "links": {"self": "https://keystone.example/v3/projects"}}`))
	fmt.Println(err)
	err = v.ValidateResponse(req.Context(), req, http.StatusOK, header, []byte(`{"projects": {}}`))
	for _, e := range specvalidate.Errors(err) {
		fmt.Println(e.Pointer, e.Expected)
	}
	// Output:
	// <nil>
	// /projects value must be an array
}

func ExampleValidator_WithBasePath() {
	v, err := specvalidate.Default()
	if err != nil {
		panic(err)
	}
	op, _, err := v.WithBasePath("/identity").Find(http.MethodPost, "/identity/v3/auth/tokens")
	if err != nil {
		panic(err)
	}
	fmt.Println(op.ID)
	// Output:
	// issueToken
}
