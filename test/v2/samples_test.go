package v2_test

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/timestamp"
)

// The v2.0 samples of the API reference, in the two snapshots kept in
// api-ref/samples: v2/ (commit d5e9c0b4, the last with v2.0 documentation,
// plus the current v2-ext files) and v2-2017/ (commit e0a8780b, before the
// 2017 removals of the admin calls, which operations.tsv does not list).
// The generic test in test/spec covers the operations.tsv rows by path;
// this test maps every file of both snapshots to the operations that use
// it (by operationId), so that the 2017 calls are covered too, and so that
// a sample shared by two calls is judged per call.

// sampleUse is one use of a sample file by an operation.
type sampleUse struct {
	op       string // operationId
	response bool   // a response body (else a request body)
	// wrong is why the sample is wrong about Keystone for this operation; the
	// spec must then reject it, so that a stale reason shows up.
	wrong string
}

// apiRefSamples maps a file (relative to a snapshot) to its uses. The
// mapping follows the literalinclude directives of the api-ref at
// e0a8780b and d5e9c0b4; files no directive uses but whose call is obvious
// from the name are mapped too, and marked so.
var apiRefSamples = map[string][]sampleUse{
	// v2/: identity-api-extensions.inc, identity-auth.inc, revocations.inc, versions.inc
	"v2/samples/admin/extension-show-response.json":           {{op: "getExtension", response: true}},
	"v2/samples/admin/extensions-list-response.json":          {{op: "listExtensions", response: true}},
	"v2/samples/admin/tenants-list-response.json":             {{op: "listTenants", response: true}},
	"v2/samples/admin/authenticate-token-request.json":        {{op: "issueToken"}},
	"v2/samples/client/authenticate-response.json":            {{op: "issueToken", response: true}},
	"v2/samples/admin/authenticate-response.json":             {{op: "issueToken", response: true}},
	"v2/samples/admin/revoked-tokens-response.json":           {{op: "listRevokedTokens", response: true}},
	"v2/samples/admin/version-show-response.json":             {{op: "getVersion", response: true}},
	"v2/samples/admin/versions-list-response.json":            {{op: "discovery:listVersions", response: true}},
	"v2/samples/admin/authenticate-credentials-request.json":  {{op: "issueToken"}},                 // unreferenced
	"v2/samples/client/authenticate-credentials-request.json": {{op: "issueToken"}},                 // unreferenced
	"v2/samples/admin/UserUpdatePasswordRequest.json":         {{op: "changeOwnPassword"}},          // unreferenced; OS-KSCRUD's body
	"v2/samples/admin/user-create-response.json":              {{op: "createUser", response: true}}, // unreferenced
	"v2/samples/admin/user-update-response.json":              {{op: "updateUser", response: true}}, // unreferenced
	"v2/samples/admin/users-list-response.json":               {{op: "listUsers", response: true}},  // unreferenced

	// v2-admin/: admin-certificates.inc, admin-endpoints.inc, admin-tenants.inc, admin-tokens.inc, admin-users.inc
	"v2-admin/samples/admin/show-ca-certificate-v2-response.txt":      {{op: "getCACertificate", response: true}},
	"v2-admin/samples/admin/show-signing-certificate-v2-response.txt": {{op: "getSigningCertificate", response: true}},
	"v2-admin/samples/admin/endpoint-list-response.json":              {{op: "listEndpoints", response: true}},
	"v2-admin/samples/admin/endpoint-create-request.json":             {{op: "createEndpoint"}},
	"v2-admin/samples/admin/endpoint-create-response.json":            {{op: "createEndpoint", response: true}}, // unreferenced
	"v2-admin/samples/admin/tenant-show-response.json": {
		{op: "getTenant", response: true},
		{op: "listTenants", response: true}, // "Show tenant details, by name"
		{op: "updateTenant", response: true},
	},
	"v2-admin/samples/admin/tenant-update-request.json":          {{op: "updateTenant"}},
	"v2-admin/samples/admin/tenantwithoutid-create-request.json": {{op: "createTenant"}},
	"v2-admin/samples/admin/users-list-response.json": {
		{op: "listTenantUsers", response: true},
		{op: "listUsers", response: true},
	},
	"v2-admin/samples/admin/roles-list-response.json": {
		{op: "listTenantUserRoles", response: true},
		{op: "listUserRoles", response: true},
	},
	"v2-admin/samples/admin/token-endpoints-list-response.json": {{op: "listTokenEndpoints", response: true}},
	"v2-admin/samples/admin/token-validate-response.json":       {{op: "validateToken", response: true}},
	"v2-admin/samples/admin/user-create-request.json":           {{op: "createUser"}},
	"v2-admin/samples/admin/user-update-request.json":           {{op: "updateUser"}},
	"v2-admin/samples/admin/user-update-response.json":          {{op: "updateUser", response: true}},
	"v2-admin/samples/admin/user-show-response.json":            {{op: "getUser", response: true}},

	// v2-ext/: ksadm-admin.inc (2017), ksec2-admin.inc, and the current OS-EC2 pages
	"v2-ext/samples/OS-KSADM/user-set-enabled-request.json":   {{op: "setUserEnabled"}},
	"v2-ext/samples/OS-KSADM/user-set-password-request.json":  {{op: "setUserPassword"}},
	"v2-ext/samples/OS-KSADM/user-update-tenant-request.json": {{op: "setUserTenant"}},
	"v2-ext/samples/OS-KSADM/user-show-response.json": {
		{op: "setUserEnabled", response: true},
		{op: "setUserPassword", response: true},
		{op: "setUserTenant", response: true},
	},
	"v2-ext/samples/OS-KSADM/service-create-request.json":    {{op: "createService"}},
	"v2-ext/samples/OS-KSADM/services-list-response.json":    {{op: "listServices", response: true}},
	"v2-ext/samples/OS-KSADM/service-show-response.json":     {{op: "getService", response: true}},
	"v2-ext/samples/OS-KSADM/role-create-request.json":       {{op: "createRole"}},
	"v2-ext/samples/OS-KSADM/roles-list-response.json":       {{op: "listRoles", response: true}},
	"v2-ext/samples/OS-KSADM/role-show-response.json":        {{op: "getRole", response: true}},
	"v2-ext/samples/OS-KSADM/credentials-show-response.json": {{op: "listUserCredentialsByType", response: true}},
	"v2-ext/samples/OS-KSEC2/credentials-show-response.json": {{op: "listUserCredentialsByType", response: true}}, // unreferenced rename of the above
	"v2-ext/samples/OS-KSEC2/authenticate-request.json":      {{op: "issueEC2Token"}},
	"v2-ext/samples/OS-KSEC2/authenticate-response.json":     {{op: "issueEC2Token", response: true}},
	"v2-ext/samples/OS-KSEC2/credentialswithec2-list-response.json": {
		{op: "listUserCredentials", response: true},
		{op: "listEC2Credentials", response: true, wrong: "Keystone's OS-EC2 list answers " +
			`{"credentials": [{"access", "secret", "user_id", "tenant_id", "trust_id"}]}, not the OS-KSADM credential shape`},
	},
	"v2-ext/samples/OS-KSEC2/ec2Credentials-create-request.json": {
		{op: "addUserCredential"},
		{op: "updateUserEC2Credentials"},
		{op: "createEC2Credential", wrong: `Keystone's OS-EC2 create reads {"tenant_id": ...}, not OS-KSEC2-ec2Credentials`},
	},
	"v2-ext/samples/OS-KSEC2/ec2Credentials-show-response.json": {
		{op: "getUserEC2Credentials", response: true},
		{op: "updateUserEC2Credentials", response: true},
		{op: "getEC2Credential", response: true, wrong: "Keystone's OS-EC2 show answers " +
			`{"credential": {"access", "secret", ...}}, not OS-KSEC2-ec2Credentials`},
	},
}

// notBodies are sample files that are not a JSON or PEM body.
var notBodies = map[string]string{
	"v2/samples/admin/tenants-list-request-JSON.txt": "an HTTP request transcript (request line and headers), no body",
}

func apiRefDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KEYSTONE_API_REF")
	if dir == "" {
		dir = "../../../shared/api-ref"
	}
	if _, err := os.Stat(filepath.Join(dir, "samples")); err != nil {
		t.Fatalf("the api-ref samples are not at %s (set KEYSTONE_API_REF): %v", dir, err)
	}
	return dir
}

func loadSpec(t *testing.T, path string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	require.NoError(t, err)
	return doc
}

// operation finds an operation of doc by operationId.
func operation(doc *openapi3.T, id string) (path, method string, op *openapi3.Operation) {
	for p, item := range doc.Paths.Map() {
		for m, o := range item.Operations() {
			if o.OperationID == id {
				return p, m, o
			}
		}
	}
	return "", "", nil
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

func validateSample(t *testing.T, doc *openapi3.T, opID string, response bool, file string, body []byte) error {
	t.Helper()
	p, method, op := operation(doc, opID)
	require.NotNil(t, op, "no operation %s", opID)
	params := map[string]string{}
	concrete := pathParam.ReplaceAllStringFunc(p, func(m string) string {
		name := m[1 : len(m)-1]
		params[name] = "sample-" + name
		return params[name]
	})
	contentType := "application/json"
	if strings.HasSuffix(file, ".txt") {
		contentType = "text/plain"
	}
	var reqBody []byte
	if !response {
		reqBody = body
	}
	req := httptest.NewRequest(method, "http://localhost"+concrete, bytes.NewReader(reqBody))
	req.Header.Set("Content-Type", contentType)
	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.DisableSchemaErrorDetails(),
			openapi3.WithStringFormatValidator("keystone-time", openapi3.NewCallbackValidator(func(s string) error {
				_, err := timestamp.Parse(s)
				return err
			})),
		},
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      &routers.Route{Spec: doc, Path: p, PathItem: doc.Paths.Value(p), Method: method, Operation: op},
		Options:    opts,
	}
	ctx := context.Background()
	if !response {
		require.NotNil(t, op.RequestBody, "%s takes no request body", opID)
		return openapi3filter.ValidateRequestBody(ctx, in, op.RequestBody.Value)
	}
	// The sample is the body of the operation's success answer.
	var status int
	for code := range op.Responses.Map() {
		if strings.HasPrefix(code, "2") || strings.HasPrefix(code, "3") {
			if s := atoi(code); status == 0 || s < status {
				status = s
			}
		}
	}
	require.NotZero(t, status, "%s has no success status", opID)
	header := http.Header{"Content-Type": {contentType}}
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   readCloser(body),
		Options:                opts,
	})
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func readCloser(b []byte) nopCloser { return nopCloser{bytes.NewReader(b)} }

func TestAPIRefSamples(t *testing.T) {
	ref := apiRefDir(t)
	v2doc := loadSpec(t, specPath)
	discovery := loadSpec(t, "../../api/identity-discovery.yaml")
	// The 300 of the root document is a success there.
	discovery.Servers = nil

	for _, snapshot := range []string{"v2", "v2-2017"} {
		root := filepath.Join(ref, "samples", snapshot)
		var files []string
		require.NoError(t, filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, path)
				files = append(files, filepath.ToSlash(rel))
			}
			return err
		}))
		require.NotEmpty(t, files, "no samples under %s", root)
		slices.Sort(files)
		for _, file := range files {
			if reason, ok := notBodies[file]; ok {
				t.Logf("%s/%s: skipped, %s", snapshot, file, reason)
				continue
			}
			uses, ok := apiRefSamples[file]
			if !assert.True(t, ok, "%s/%s: map it to its operations in apiRefSamples", snapshot, file) {
				continue
			}
			body, err := os.ReadFile(filepath.Join(root, file))
			require.NoError(t, err)
			for _, use := range uses {
				side := "request"
				if use.response {
					side = "response"
				}
				name := snapshot + "/" + file + "@" + use.op + ":" + side
				t.Run(name, func(t *testing.T) {
					doc, op := v2doc, use.op
					if id, ok := strings.CutPrefix(op, "discovery:"); ok {
						doc, op = discovery, id
					}
					err := validateSample(t, doc, op, use.response, file, body)
					if use.wrong != "" {
						assert.Error(t, err, "the sample is listed as wrong (%s) but validates: drop the exception", use.wrong)
						return
					}
					assert.NoError(t, err)
				})
			}
		}
	}
}

// TestSampleValidationRejects makes sure the validation above can fail.
func TestSampleValidationRejects(t *testing.T) {
	doc := loadSpec(t, specPath)
	for name, c := range map[string]struct {
		op   string
		body string
	}{
		"a number for a name":    {"getTenant", `{"tenant": {"id": "1", "name": 5}}`},
		"no token id":            {"issueToken", `{"access": {"token": {"expires": "2014-01-31T15:30:58Z"}, "user": {"id": "u", "name": "n"}}}`},
		"not a timestamp":        {"issueToken", `{"access": {"token": {"id": "t", "expires": "tomorrow"}, "user": {"id": "u", "name": "n"}}}`},
		"the wrong envelope":     {"getService", `{"service": {"id": "1", "type": "compute"}}`},
		"ec2 without its access": {"listEC2Credentials", `{"credentials": [{"secret": "s"}]}`},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Error(t, validateSample(t, doc, c.op, true, "x.json", []byte(c.body)))
		})
	}
	assert.Error(t, validateSample(t, doc, "createUser", false, "x.json", []byte(`{"user": {"enabled": "yes"}}`)))
}
