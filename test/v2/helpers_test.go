// Package v2_test tests the generated Identity v2.0 client
// (gen/identityv2) against the fake Keystone of pkg/keystonetest, which
// validates every request and response against api/identity-v2.yaml. Every
// operation of the spec is exercised at least once: TestMain checks it.
package v2_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

const specPath = "../../api/identity-v2.yaml"

// servers are every fake started by the package's tests, so that TestMain
// can check that the tests together called every operation.
var servers struct {
	sync.Mutex
	all []*keystonetest.V2Server
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" {
		if missing := uncalledOperations(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: no test called these operations of %s: %s\n",
				specPath, strings.Join(missing, ", "))
			code = 1
		}
	}
	os.Exit(code)
}

func uncalledOperations() []string {
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		return []string{"(cannot load the spec: " + err.Error() + ")"}
	}
	servers.Lock()
	defer servers.Unlock()
	var missing []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			called := slices.ContainsFunc(servers.all, func(s *keystonetest.V2Server) bool {
				return s.Calls(op.OperationID) > 0
			})
			if !called {
				missing = append(missing, op.OperationID)
			}
		}
	}
	slices.Sort(missing)
	return missing
}

// env is a fake Keystone with clients for it.
type env struct {
	ks         *keystonetest.V2Server
	anon       *identityv2.ClientWithResponses // sends no token
	admin      *identityv2.ClientWithResponses // sends an admin token
	adminToken string
	creds      keystonetest.Credentials
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ks := keystonetest.NewV2(t)
	servers.Lock()
	servers.all = append(servers.all, ks)
	servers.Unlock()
	e := &env{ks: ks, creds: ks.Admin()}
	e.anon = e.client(t, "")
	e.adminToken = e.login(t, e.creds.Username, e.creds.Password, e.creds.TenantName).Token.ID
	e.admin = e.client(t, e.adminToken)
	return e
}

// client returns a client that sends the token (none when empty).
func (e *env) client(t *testing.T, token string) *identityv2.ClientWithResponses {
	t.Helper()
	c, err := identityv2.NewClientWithResponses(e.ks.URL(), identityv2.WithRequestEditorFn(
		func(_ context.Context, req *http.Request) error {
			if token != "" {
				req.Header.Set("X-Auth-Token", token)
			}
			return nil
		}))
	require.NoError(t, err)
	return c
}

// login authenticates by user name and password, scoped to the tenant
// named (unscoped when empty), and fails the test unless Keystone says 200.
func (e *env) login(t *testing.T, username, password, tenantName string) identityv2.Access {
	t.Helper()
	auth := identityv2.Auth{PasswordCredentials: &identityv2.PasswordCredentials{Username: &username, Password: password}}
	if tenantName != "" {
		auth.TenantName = &tenantName
	}
	resp, err := e.anon.IssueTokenWithResponse(t.Context(), identityv2.AuthRequest{Auth: auth})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode(), string(resp.Body))
	return resp.JSON200.Access
}

// answer is what every generated response has.
type answer interface {
	StatusCode() int
}

// requireStatus fails the test unless a call returned no error and an
// answer with the status want; a failure shows the answer's body.
func requireStatus(t *testing.T, want int, resp answer, err error) {
	t.Helper()
	require.NoError(t, err)
	require.Equal(t, want, resp.StatusCode(), "body: %s", bodyOf(resp))
}

// v2Error is Keystone v2.0's error answer, which the generated client does
// not decode: it is generated from the client-only view of the document.
type v2Error struct {
	Error struct {
		Code    int    `json:"code"`
		Title   string `json:"title"`
		Message string `json:"message"`
	} `json:"error"`
}

// errorOf decodes the error answer of resp, failing the test unless it is one.
func errorOf(t *testing.T, resp answer) v2Error {
	t.Helper()
	var e v2Error
	require.NoError(t, json.Unmarshal(bodyOf(resp), &e), "body: %s", bodyOf(resp))
	require.NotZero(t, e.Error.Code, "body: %s", bodyOf(resp))
	return e
}

// bodyOf is the Body of a generated response (a pointer to a struct with a
// Body []byte field), or nil.
func bodyOf(resp answer) []byte {
	v := reflect.ValueOf(resp)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("Body")
	if !f.IsValid() {
		return nil
	}
	body, _ := f.Interface().([]byte)
	return body
}
