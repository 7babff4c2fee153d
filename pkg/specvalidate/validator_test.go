package specvalidate_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/specvalidate"
)

func validator(t testing.TB) *specvalidate.Validator {
	v, err := specvalidate.Default()
	require.NoError(t, err)
	return v
}

func TestLookup(t *testing.T) {
	v := validator(t)
	for _, tc := range []struct{ spec, id string }{
		{"createProject", "createProject"},
		{"POST /v3/projects", "createProject"},
		{"post /v3/projects/", "createProject"},
		{"GET /v3/projects/{project_id}", "getProject"},
		{"GET /v3/projects/abc", "getProject"},
		{"GET /projects/abc", "getProject"},
		{"GET /v3/projects?name=x", "listProjects"},
		{"POST /v3/auth/tokens", "issueToken"},
		{"GET /", "listVersions"},
		{"GET /v3", "getVersionV3"},
	} {
		op, err := v.Lookup(tc.spec)
		if assert.NoError(t, err, tc.spec) {
			assert.Equal(t, tc.id, op.ID, tc.spec)
		}
	}
	for _, spec := range []string{"noSuchOperation", "GET /v3/nothing/here", "PUT /v3/projects", ""} {
		_, err := v.Lookup(spec)
		assert.ErrorIs(t, err, specvalidate.ErrNoOperation, spec)
	}
}

func TestFindPrefersLiteralSegmentsAndNamesParameters(t *testing.T) {
	v := validator(t)
	op, params, err := v.Find(http.MethodGet, "/v3/users/u1/groups")
	require.NoError(t, err)
	assert.Equal(t, "/v3/users/{user_id}/groups", op.Path)
	assert.Equal(t, map[string]string{"user_id": "u1"}, params)

	// An escaped slash stays inside its parameter.
	_, params, err = v.Find(http.MethodGet, "/v3/projects/a%2Fb")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"project_id": "a/b"}, params)

	// HEAD is routed to the operation for GET when the path has no HEAD.
	op, _, err = v.Find(http.MethodHead, "/v3/projects")
	require.NoError(t, err)
	assert.Equal(t, "listProjects", op.ID)

	_, _, err = v.Find(http.MethodGet, "/identity/v3/projects")
	var e *specvalidate.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "route", e.In)
	assert.ErrorIs(t, err, specvalidate.ErrNoOperation)

	based := v.WithBasePath("/identity/")
	op, _, err = based.Find(http.MethodGet, "/identity/v3/projects")
	require.NoError(t, err)
	assert.Equal(t, "listProjects", op.ID)
	_, _, err = v.Find(http.MethodGet, "/identity/v3/projects")
	assert.ErrorIs(t, err, specvalidate.ErrNoOperation, "the shared validator is not changed")
	again, err := specvalidate.Default()
	require.NoError(t, err)
	assert.Same(t, v, again)
}

func TestOperationsAreUniqueAndCarryReleases(t *testing.T) {
	v := validator(t)
	seen := map[string]bool{}
	n := 0
	for op := range v.Operations() {
		n++
		assert.NotEmpty(t, op.ID, "%s %s", op.Method, op.Path)
		assert.False(t, seen[op.Name], op.Name)
		seen[op.Name] = true
		again, err := v.Lookup(op.Name)
		require.NoError(t, err)
		assert.Same(t, op, again)
		if strings.HasPrefix(op.Path, "/v3") {
			assert.NotEmpty(t, op.Releases, op.ID)
			assert.Subset(t, []string{"2022.2", "2025.1", "2026.2"}, op.Releases, op.ID)
		}
		if strings.HasPrefix(op.Path, "/v2.0") {
			assert.NotContains(t, op.Releases, "2022.2", op.ID)
		}
	}
	assert.Greater(t, n, 250)
	// An operation one release added carries its own list, not the document's.
	op, err := v.Lookup("revokeUserTokens")
	require.NoError(t, err)
	assert.Equal(t, []string{"2026.2"}, op.Releases)
	op, err = v.Lookup("createProject")
	require.NoError(t, err)
	assert.Equal(t, []string{"2022.2", "2025.1", "2026.2"}, op.Releases)
}

func TestValidateRequestBody(t *testing.T) {
	v := validator(t)
	op, err := v.Lookup("createProject")
	require.NoError(t, err)
	assert.NoError(t, v.ValidateRequestBody(op, []byte(`{"project": {"name": "p", "enabled": true}}`)))

	err = v.ValidateRequestBody(op, []byte(`{"project": {"enabled": "yes"}}`))
	errs := specvalidate.Errors(err)
	require.Len(t, errs, 2, "%v", err)
	byPointer := map[string]*specvalidate.Error{}
	for _, e := range errs {
		assert.Equal(t, "createProject", e.Operation)
		assert.Equal(t, "POST", e.Method)
		assert.Equal(t, "/v3/projects", e.Path)
		assert.Equal(t, "request body", e.In)
		byPointer[e.Pointer] = e
	}
	require.Contains(t, byPointer, "/project/enabled")
	assert.Contains(t, byPointer["/project/enabled"].Expected, "boolean")
	require.Contains(t, byPointer, "/project/name")
	assert.Contains(t, byPointer["/project/name"].Expected, "missing")
	assert.Contains(t, byPointer["/project/enabled"].Error(),
		"createProject (POST /v3/projects): request body at /project/enabled: ")

	var e *specvalidate.Error
	require.ErrorAs(t, v.ValidateRequestBody(op, []byte(`{"project": `)), &e)
	assert.Equal(t, "request body", e.In)
	assert.Contains(t, e.Expected, "JSON")
	require.ErrorAs(t, v.ValidateRequestBody(op, nil), &e)
	assert.Equal(t, "a JSON body", e.Expected)
}

func TestValidateResponseBody(t *testing.T) {
	v := validator(t)
	op, err := v.Lookup("GET /v3/projects/{project_id}")
	require.NoError(t, err)
	good := `{"project": {"id": "p1", "name": "p", "domain_id": "default", "enabled": true, "is_domain": false,
		"description": "", "parent_id": "default", "tags": [], "options": {}, "links": {"self": "http://k/v3/projects/p1"}}}`
	assert.NoError(t, v.ValidateResponseBody(op, 200, []byte(good)))

	var e *specvalidate.Error
	require.ErrorAs(t, v.ValidateResponseBody(op, 200, []byte(strings.Replace(good, `"enabled": true`, `"enabled": 1`, 1))), &e)
	assert.Equal(t, 200, e.Status)
	assert.Equal(t, "/project/enabled", e.Pointer)
	assert.Equal(t, "getProject (GET /v3/projects/{project_id}): 200 response body at /project/enabled: "+e.Expected, e.Error())

	require.ErrorAs(t, v.ValidateResponseBody(op, 418, []byte(good)), &e)
	assert.Equal(t, "status", e.In)
	assert.Equal(t, 418, e.Status)

	del, err := v.Lookup("deleteProject")
	require.NoError(t, err)
	assert.NoError(t, v.ValidateResponseBody(del, 204, nil))
	require.ErrorAs(t, v.ValidateResponseBody(del, 204, []byte(`{}`)), &e)
	assert.Equal(t, "response body", e.In)
}

func TestValidateRequestAndResponse(t *testing.T) {
	v := validator(t)
	ctx := context.Background()
	req := httptest.NewRequest(http.MethodPost, "/v3/projects", nil)
	req.Header.Set("Content-Type", "application/json")
	assert.NoError(t, v.ValidateRequest(ctx, req, []byte(`{"project": {"name": "p"}}`)))

	var e *specvalidate.Error
	require.ErrorAs(t, v.ValidateRequest(ctx, req, []byte(`{"project": {"name": ""}}`)), &e)
	assert.Equal(t, "createProject", e.Operation)
	assert.Equal(t, "/project/name", e.Pointer)
	assert.Equal(t, "request body", e.In)

	list := httptest.NewRequest(http.MethodGet, "/v3/projects?enabled=maybe", nil)
	require.ErrorAs(t, v.ValidateRequest(ctx, list, nil), &e)
	assert.Equal(t, `query parameter "enabled"`, e.In)

	h := http.Header{"Content-Type": {"application/json"}}
	get := httptest.NewRequest(http.MethodGet, "/v3/projects", nil)
	assert.NoError(t, v.ValidateResponse(ctx, get, 200, h, []byte(`{"projects": [], "links": {"self": "http://k/v3/projects", "next": null, "previous": null}}`)))
	require.ErrorAs(t, v.ValidateResponse(ctx, get, 200, h, []byte(`{"projects": [{"id": 5}], "links": {"self": "x", "next": null, "previous": null}}`)), &e)
	assert.Equal(t, "listProjects", e.Operation)
	assert.Equal(t, 200, e.Status)
	assert.Equal(t, "/projects/0/id", e.Pointer)

	require.ErrorAs(t, v.ValidateResponse(ctx, get, 299, h, nil), &e)
	assert.Equal(t, "status", e.In)
	head := httptest.NewRequest(http.MethodHead, "/v3/projects", nil)
	assert.NoError(t, v.ValidateResponse(ctx, head, 200, h, nil))
}

func TestKeystoneTimestampsAreChecked(t *testing.T) {
	v := validator(t)
	op, err := v.Lookup("getUser")
	require.NoError(t, err)
	user := func(expires string) []byte {
		return []byte(`{"user": {"id": "u1", "name": "u", "domain_id": "default", "enabled": true,
			"password_expires_at": "` + expires + `", "links": {"self": "http://k/v3/users/u1"}}}`)
	}
	// Keystone writes this zone-less form, which date-time refuses.
	assert.NoError(t, v.ValidateResponseBody(op, 200, user("2016-11-06T15:32:17.000000")))
	var e *specvalidate.Error
	require.ErrorAs(t, v.ValidateResponseBody(op, 200, user("next tuesday")), &e)
	assert.Equal(t, "/user/password_expires_at", e.Pointer)
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := specvalidate.New(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFind(b *testing.B) {
	v, err := specvalidate.New()
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := v.Find(http.MethodGet, "/v3/OS-FEDERATION/identity_providers/idp/protocols/saml2/auth"); err != nil {
			b.Fatal(err)
		}
	}
}
