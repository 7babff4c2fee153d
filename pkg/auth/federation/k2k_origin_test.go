package federation_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/auth/federation"
)

// A local Keystone reached over https that names a plain-http sp_url for
// a K2K service provider does not get its ECP assertion (a bearer
// credential for the remote Keystone) posted there in clear.
func TestK2KRefusesAPlainHTTPServiceProviderNamedOverHTTPS(t *testing.T) {
	var reached atomic.Int32
	sp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(sp.Close)
	ks := newFedKeystone()
	t.Cleanup(ks.Close)
	keystone := ks.Config.Handler
	local := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v3/auth/OS-FEDERATION/saml2/ecp" {
			keystone.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("X-Sp-Url", sp.URL+"/Shibboleth.sso/SAML2/ECP")
		w.Header().Set("X-Auth-Url", sp.URL+"/v3/OS-FEDERATION/identity_providers/local/protocols/saml2/auth")
		fmt.Fprint(w, `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>assertion</S:Body></S:Envelope>`)
	}))
	t.Cleanup(local.Close)
	s := auth.New(&federation.Keystone2Keystone{Local: &auth.Password{AuthURL: local.URL + "/v3", Username: "alice",
		UserDomainID: "default", Password: "wonderland", Scope: auth.Scope{ProjectID: "p-demo"}}, ServiceProvider: "sp"},
		auth.WithHTTPClient(local.Client()))
	_, err := s.Token(fedCtx(t))
	var coe *apierror.CrossOriginError
	require.True(t, errors.As(err, &coe), "%v", err)
	assert.Equal(t, sp.URL+"/Shibboleth.sso/SAML2/ECP", coe.Target)
	assert.Zero(t, reached.Load(), "the assertion went over plain http")
}
