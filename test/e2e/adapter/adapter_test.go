package adapter_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/adapter"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// The identity service of the test Keystone's catalog, called as any other
// service: relative paths, JSON both ways, typed errors.
func TestAdapterOnTheIdentityService(t *testing.T) {
	t.Parallel()
	ctx := e2eutil.Ctx(t)
	sess := e2eutil.Session(t, e2eutil.AdminPlugin())
	keystone, err := adapter.New(sess, "identity", adapter.WithVersion("3", "3.latest"))
	require.NoError(t, err)
	endpoint, err := keystone.Endpoint(ctx)
	require.NoError(t, err)
	assert.Equal(t, e2eutil.AuthURL(), endpoint)

	name := e2eutil.Name(t, "adapter")
	var created struct {
		Project identityv3.Project `json:"project"`
	}
	resp, err := keystone.Post(ctx, "projects", map[string]any{"project": map[string]any{"name": name, "domain_id": "default"}}, &created)
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	id := created.Project.ID
	require.NotEmpty(t, id)
	admin := e2eutil.Client(t, sess)
	e2eutil.DeleteLater(t, admin.Raw().DeleteProjectWithResponse, id)

	var listed struct {
		Projects []identityv3.Project `json:"projects"`
	}
	_, err = keystone.Get(ctx, "/projects?name="+url.QueryEscape(name), &listed)
	require.NoError(t, err)
	require.Len(t, listed.Projects, 1)
	assert.Equal(t, id, listed.Projects[0].ID)

	var updated struct {
		Project identityv3.Project `json:"project"`
	}
	_, err = keystone.Patch(ctx, "projects/"+id, json.RawMessage(`{"project":{"description":"through the adapter"}}`), &updated)
	require.NoError(t, err)
	require.NotNil(t, updated.Project.Description)
	assert.Equal(t, "through the adapter", *updated.Project.Description)

	token, err := sess.AccessInfo(ctx)
	require.NoError(t, err)
	resp, err = keystone.Request(ctx, http.MethodHead, "auth/tokens", nil, http.Header{"X-Subject-Token": {token.Token}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	_, err = keystone.Request(ctx, http.MethodHead, "auth/tokens", nil, http.Header{"X-Subject-Token": {"not-a-token"}})
	require.ErrorIs(t, err, apierror.ErrNotFound)

	resp, err = keystone.Delete(ctx, "projects/"+id)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	_, err = keystone.Get(ctx, "projects/"+id, nil)
	require.ErrorIs(t, err, apierror.ErrNotFound)
	var apiErr *apierror.Error
	require.ErrorAs(t, err, &apiErr)
	assert.NotEmpty(t, apiErr.RequestID)
}

// A service Keystone's catalog lists, served by the test: the Adapter finds
// it in a new token's catalog, sends the token and the microversion, and
// the service validates the token it received through Keystone, as a
// service behind keystonemiddleware does.
func TestAdapterOnAServiceOfTheCatalog(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	var gotVersion, gotLegacy atomic.Value
	var callers atomic.Value
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotVersion.Store(r.Header.Get("OpenStack-API-Version"))
		gotLegacy.Store(r.Header.Get("X-OpenStack-Nova-API-Version"))
		access, err := admin.ValidateAccessInfo(r.Context(), r.Header.Get("X-Auth-Token"), identity.WithoutCatalog())
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":{"code":401,"message":%q}}`, err.Error())
			return
		}
		callers.Store(access.UserID())
		fmt.Fprintf(w, `{"servers":[{"id":"s1","name":"web"}],"path":%q,"project":%q}`, r.URL.Path, access.ProjectID())
	}))
	defer service.Close()

	serviceType := e2eutil.Name(t, "compute")
	svc := e2eutil.Service(t, admin, identityv3.ServiceCreate{Type: serviceType})
	region := "RegionOne"
	e2eutil.Endpoint(t, admin, identityv3.EndpointCreate{ServiceID: svc.ID, URL: service.URL + "/compute/v2.1", RegionID: &region})

	project := e2eutil.Project(t, admin)
	user := e2eutil.Member(t, admin, project.ID)
	// The service's answers are not Identity's: only Keystone's are held to
	// the spec.
	keystoneOnly := e2eutil.Transport(t)
	sess := auth.New(&auth.Password{AuthURL: e2eutil.AuthURL(), UserID: user.ID, Password: user.Password, Scope: auth.Scope{ProjectID: project.ID}},
		auth.WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Host == service.Listener.Addr().String() {
				return http.DefaultTransport.RoundTrip(r)
			}
			return keystoneOnly.RoundTrip(r)
		})}))

	nova, err := adapter.New(sess, serviceType, adapter.WithRegion(region), adapter.WithMicroversion("2.79"))
	require.NoError(t, err)
	var out struct {
		Servers []struct{ ID, Name string } `json:"servers"`
		Path    string                      `json:"path"`
		Project string                      `json:"project"`
	}
	_, err = nova.Get(ctx, "servers/detail", &out)
	require.NoError(t, err)
	assert.Equal(t, "/compute/v2.1/servers/detail", out.Path)
	assert.Equal(t, project.ID, out.Project, "the service saw the user's project-scoped token")
	assert.Equal(t, user.ID, callers.Load())
	assert.Equal(t, serviceType+" 2.79", gotVersion.Load())
	assert.Empty(t, gotLegacy.Load(), "only compute reads Nova's own header")
	require.Len(t, out.Servers, 1)
	assert.Equal(t, "web", out.Servers[0].Name)

	other, err := adapter.New(sess, serviceType, adapter.WithRegion("no-such-region"))
	require.NoError(t, err)
	_, err = other.Get(ctx, "servers", nil)
	require.ErrorIs(t, err, apierror.ErrEndpointNotFound)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
