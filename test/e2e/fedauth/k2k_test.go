package fedauth_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/auth/federation"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// k2kClient is the HTTP client of the K2K sessions: Keystone's answers
// (directly, or through the service provider's proxy) are validated
// against the spec; the service provider's own endpoint
// (/Shibboleth.sso/...) is no Keystone API. Every request is recorded.
type k2kClient struct {
	validating, plain http.RoundTripper
	mu                sync.Mutex
	seen              []string // "METHOD path status"
}

func newK2KClient(t *testing.T) (*http.Client, *k2kClient) {
	plain := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(plain.CloseIdleConnections)
	k := &k2kClient{validating: e2eutil.Transport(t), plain: plain}
	return &http.Client{Transport: k}, k
}

func (k *k2kClient) RoundTrip(req *http.Request) (*http.Response, error) {
	next := k.validating
	if strings.HasPrefix(req.URL.Path, "/Shibboleth.sso/") {
		next = k.plain
	}
	resp, err := next.RoundTrip(req)
	if err == nil {
		k.mu.Lock()
		k.seen = append(k.seen, req.Method+" "+req.URL.Path+" "+http.StatusText(resp.StatusCode))
		k.mu.Unlock()
	}
	return resp, err
}

func (k *k2kClient) requests() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.seen...)
}

func randomPassword() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "pw-" + hex.EncodeToString(b[:])
}

// Keystone to Keystone with the test Keystone as both parties: its SAML2
// identity provider ([saml] idp_entity_id) issues the ECP assertion, and
// its federation API (an identity provider whose remote id is that entity
// id, protocol saml2) is the service provider.
func TestKeystoneToKeystone(t *testing.T) {
	admin := e2eutil.Admin(t)
	issuer, _ := keystoneIdP(t)
	f := setUpFederation(t, admin, issuer, "saml2", "HTTP_X_KS_FED_OPENSTACK_USER")
	local := e2eutil.Project(t, admin, e2eutil.Prefix("fedproj"))
	password := randomPassword()
	user := createUser(t, admin, local.ID, password)
	localPlugin := &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: user.ID, Password: password, Scope: auth.Scope{ProjectID: local.ID}}

	// With sp_url at Keystone's own federated auth URL, Keystone gets the
	// ECP envelope it issued and refuses it before any auth method sees it:
	// Keystone reads request bodies as JSON only (400 "Expecting to find
	// application/json in Content-Type header"), and its mapped method
	// takes the assertion from the request environment that a SAML service
	// provider (mod_shib) fills. Without one in front, Keystone cannot
	// consume an ECP assertion.
	t.Run("Keystone alone cannot consume the assertion", func(t *testing.T) {
		ctx := e2eutil.Ctx(t)
		spID := e2eutil.Name(t, "sp")
		federated := strings.TrimSuffix(e2eutil.AuthURL(), "/") + "/OS-FEDERATION/identity_providers/" + f.idp + "/protocols/saml2/auth"
		createSP(t, admin, spID, federated, federated)
		client, rec := newK2KClient(t)
		_, err := e2eutil.Session(t, &federation.Keystone2Keystone{Local: localPlugin, ServiceProvider: spID},
			auth.WithHTTPClient(client)).AccessInfo(ctx)
		require.Error(t, err)
		var apiErr *apierror.Error
		require.True(t, errors.As(err, &apiErr), "%v", err)
		assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode, "%v", err)
		assert.Contains(t, apiErr.Message, "application/json")
		assert.Contains(t, err.Error(), "K2K: service provider "+spID)
		seen := rec.requests()
		assert.Contains(t, seen, "POST /v3/auth/OS-FEDERATION/saml2/ecp OK", "the identity provider half worked")
		assert.Contains(t, seen, "POST /v3/OS-FEDERATION/identity_providers/"+f.idp+"/protocols/saml2/auth Bad Request")
	})

	// With a SAML service provider in front of Keystone (shibSP, standing
	// in for mod_shib), the whole exchange runs: the assertion is consumed,
	// the session opens, the federated auth URL answers with an unscoped
	// token of the "remote" Keystone, and the plugin rescopes it there.
	t.Run("behind a SAML service provider", func(t *testing.T) {
		ctx := e2eutil.Ctx(t)
		sp := newShibSP(t, f.idp)
		spID := e2eutil.Name(t, "sp")
		createSP(t, admin, spID, sp.ConsumerURL(), sp.AuthURL())
		plugin, err := auth.NewPlugin("v3k2k", map[string]string{
			"auth_url": e2eutil.AuthURL(), "user_id": user.ID, "password": password, "project_id": local.ID,
			"service_provider": spID, "remote_project_id": f.project.ID,
		})
		require.NoError(t, err)
		client, rec := newK2KClient(t)
		sess := e2eutil.Session(t, plugin, auth.WithHTTPClient(client))
		a, err := sess.AccessInfo(ctx)
		require.NoError(t, err, "requests: %q", rec.requests())
		deleteShadowUser(t, admin, a.UserID())

		assert.Equal(t, user.Name, a.Username(), "the assertion's openstack_user names the shadow user")
		assert.NotEqual(t, user.ID, a.UserID(), "a shadow user, not the local one")
		assert.Equal(t, f.domainID, a.UserDomainID())
		assert.True(t, a.IsFederated())
		assert.Equal(t, f.idp, a.IdentityProviderID())
		assert.Equal(t, "saml2", a.ProtocolID())
		assert.Equal(t, f.project.ID, a.ProjectID())
		assert.ElementsMatch(t, []string{"saml2", "token"}, a.Methods())
		assert.Contains(t, a.RoleNames(), "member")
		assert.Equal(t, sp.URL+"/v3", a.AuthURL, "the remote auth URL comes from the service provider's auth_url")

		n, attrs := sp.lastAttributes()
		assert.Equal(t, 1, n, "one assertion consumed")
		assert.Equal(t, []string{user.Name}, attrs["openstack_user"])
		assert.Equal(t, []string{local.Name}, attrs["openstack_project"])
		assert.Contains(t, attrs["openstack_roles"], "member")
		assert.Equal(t, []string{
			"POST /v3/auth/tokens Created", // the local token
			"POST /v3/auth/OS-FEDERATION/saml2/ecp OK",
			"POST /Shibboleth.sso/SAML2/ECP Found",
			"GET /v3/OS-FEDERATION/identity_providers/" + f.idp + "/protocols/saml2/auth Created",
			"POST /v3/auth/tokens Created", // the rescope, on the "remote" Keystone
		}, rec.requests())

		// The remote token works (its catalog leads to the real Keystone).
		own, err := e2eutil.Client(t, sess).Raw().GetProjectWithResponse(ctx, f.project.ID, nil)
		require.NoError(t, err)
		assert.Equal(t, f.project.Name, own.JSON200.Project.Name)

		// Keystone issues assertions for project-scoped tokens only.
		unscopedLocal := *localPlugin
		unscopedLocal.Scope = auth.Scope{Unscoped: true}
		_, err = e2eutil.Session(t, &federation.Keystone2Keystone{Local: &unscopedLocal, ServiceProvider: spID},
			auth.WithHTTPClient(client)).AccessInfo(ctx)
		assert.True(t, errors.Is(err, apierror.ErrForbidden), "%v", err)
	})
}
