package identity_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

// validatingKeystone issues the service's own token and describes
// "user-token" on GET /v3/auth/tokens; lastQuery and lastRules record what
// the validation asked for.
func validatingKeystone() (srv *httptest.Server, lastQuery, lastRules *atomic.Value) {
	lastQuery, lastRules = &atomic.Value{}, &atomic.Value{}
	expires := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Subject-Token", "service-token")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"svc","name":"nova"},"expires_at":%q,"issued_at":%q,
			"catalog":[{"type":"identity","endpoints":[{"interface":"public","url":"%s/v3"}]}]}}`, expires, expires, srv.URL)
	})
	mux.HandleFunc("GET /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		lastQuery.Store(r.URL.RawQuery)
		lastRules.Store(r.Header.Get("OpenStack-Identity-Access-Rules"))
		if r.Header.Get("X-Auth-Token") != "service-token" || r.Header.Get("X-Subject-Token") != "user-token" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"code":404,"title":"Not Found","message":"Failed to validate token"}}`)
			return
		}
		w.Header().Set("X-Subject-Token", "user-token")
		fmt.Fprintf(w, `{"token":{"methods":["application_credential"],"expires_at":%q,"issued_at":%q,
			"audit_ids":["a1","a0"],
			"user":{"id":"u1","name":"alice","domain":{"id":"default","name":"Default"}},
			"project":{"id":"p1","name":"demo","domain":{"id":"default","name":"Default"}},
			"roles":[{"id":"r1","name":"member"},{"id":"r2","name":"reader"}],
			"application_credential":{"id":"ac1","name":"ci","restricted":true},
			"catalog":[{"type":"compute","name":"nova","endpoints":[{"interface":"public","region_id":"R1","url":"https://nova.example/v2.1"}]}]}}`,
			expires, expires)
	})
	srv = httptest.NewServer(jsonContent(mux))
	return srv, lastQuery, lastRules
}

func TestValidateAccessInfo(t *testing.T) {
	srv, lastQuery, lastRules := validatingKeystone()
	defer srv.Close()
	client, err := identity.NewV3(auth.New(&auth.Password{AuthURL: srv.URL + "/v3", UserID: "svc", Password: "p"}))
	require.NoError(t, err)
	ctx := t.Context()

	a, err := client.ValidateAccessInfo(ctx, "user-token")
	require.NoError(t, err)
	assert.Equal(t, "user-token", a.Token)
	assert.Equal(t, "v3", a.Version())
	assert.Equal(t, "u1", a.UserID())
	assert.Equal(t, "alice", a.Username())
	assert.Equal(t, "p1", a.ProjectID())
	assert.Equal(t, "Default", a.ProjectDomainName())
	assert.Equal(t, []string{"member", "reader"}, a.RoleNames())
	assert.Equal(t, []string{"application_credential"}, a.Methods())
	assert.Equal(t, "a1", a.AuditID())
	assert.Equal(t, "a0", a.AuditChainID())
	assert.Equal(t, "ac1", a.ApplicationCredentialID())
	assert.True(t, a.ApplicationCredentialRestricted())
	assert.False(t, a.ExpiresAt.IsZero())
	assert.Equal(t, srv.URL+"/v3", a.AuthURL)
	ep, err := a.Catalog.Lookup(catalog.Filter{ServiceType: "compute"})
	require.NoError(t, err)
	assert.Equal(t, "https://nova.example/v2.1", ep.URL)
	assert.Empty(t, lastQuery.Load())
	assert.Empty(t, lastRules.Load())

	_, err = client.ValidateAccessInfo(ctx, "user-token", identity.AllowExpired(), identity.WithoutCatalog(), identity.EnforcingAccessRules("1.0"))
	require.NoError(t, err)
	assert.Equal(t, "nocatalog=true&allow_expired=true", lastQuery.Load())
	assert.Equal(t, "1.0", lastRules.Load())

	_, err = client.ValidateAccessInfo(ctx, "revoked-token")
	assert.ErrorIs(t, err, identity.ErrNotFound)
	_, err = client.ValidateAccessInfo(ctx, "")
	assert.ErrorIs(t, err, apierror.ErrValidation)
}

func TestV2ValidateAccessInfo(t *testing.T) {
	ks := keystonetest.NewV2(t)
	admin := ks.Admin()
	ctx := t.Context()
	user := auth.New(&auth.V2Password{AuthURL: ks.URL(), Username: admin.Username, Password: admin.Password, TenantName: admin.TenantName},
		auth.WithHTTPClient(ks.HTTPClient()))
	issued, err := user.AccessInfo(ctx)
	require.NoError(t, err)

	client, err := identity.NewV2(v2AdminSession(ks))
	require.NoError(t, err)
	a, err := client.ValidateAccessInfo(ctx, issued.Token)
	require.NoError(t, err)
	assert.Equal(t, "v2.0", a.Version())
	assert.Equal(t, issued.Token, a.Token)
	assert.Equal(t, issued.UserID(), a.UserID())
	assert.Equal(t, admin.TenantName, a.ProjectName())
	assert.Contains(t, a.RoleNames(), "admin")
	assert.True(t, a.HasServiceCatalog())
	assert.WithinDuration(t, issued.ExpiresAt, a.ExpiresAt, time.Second)

	_, err = client.ValidateAccessInfo(ctx, issued.Token, identity.AllowExpired())
	assert.ErrorIs(t, err, apierror.ErrValidation)
	_, err = client.ValidateAccessInfo(ctx, "no-such-token")
	assert.ErrorIs(t, err, identity.ErrNotFound)
}

func ExampleClient_ValidateAccessInfo() {
	keystone, _, _ := validatingKeystone()
	defer keystone.Close()
	ctx := context.Background()

	// A service's own session validates the tokens its callers send.
	client, err := identity.NewV3(auth.New(&auth.Password{AuthURL: keystone.URL + "/v3", UserID: "svc", Password: "secret"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	access, err := client.ValidateAccessInfo(ctx, "user-token", identity.WithoutCatalog())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(access.Username(), access.ProjectName(), access.RoleNames(), access.HasRole("member"))
	// Output: alice demo [member reader] true
}
