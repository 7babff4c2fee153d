package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// testCA issues client certificates for the mutual-TLS tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) *testCA {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &testCA{cert: cert, key: key}
}

func (ca *testCA) client(t *testing.T, cn string) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// thumbprint is RFC 8705's x5t#S256 of a certificate.
func thumbprint(der []byte) string {
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// mtlsStub is a stub Keystone that requires a client certificate from ca
// and binds the tokens it validates to the certificate presented.
func mtlsStub(t *testing.T, ca *testCA) *stubKeystone {
	var ks *stubKeystone
	ks = newStubWith(t, func(srv *httptest.Server) {
		pool := x509.NewCertPool()
		pool.AddCert(ca.cert)
		srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
		// Validation reports the thumbprint of the certificate in use.
		inner := srv.Config.Handler
		srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && r.URL.Path == "/v3/auth/tokens" && r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
				ks.mu.Lock()
				ks.token["oauth2_credential"] = map[string]any{"x5t#S256": thumbprint(r.TLS.PeerCertificates[0].Raw)}
				ks.mu.Unlock()
			}
			inner.ServeHTTP(w, r)
		})
		srv.StartTLS()
	})
	return ks
}

func TestOAuth2MTLSClientCredential(t *testing.T) {
	ca := newTestCA(t)
	ks := mtlsStub(t, ca)
	cert := ca.client(t, "client-id")

	tr := ks.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
	t.Cleanup(tr.CloseIdleConnections)
	sess := New(&OAuth2MTLSClientCredential{AuthURL: ks.URL + "/v3", ClientID: "client-id"},
		WithHTTPClient(&http.Client{Transport: tr}))

	a, err := sess.AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, "tok-1", a.Token)
	assert.Equal(t, thumbprint(cert.Leaf.Raw), a.OAuth2CredentialThumbprint(), "the token is bound to our certificate")

	grants := ks.where("POST", "/v3/OS-OAUTH2/token")
	require.Len(t, grants, 1)
	assert.Equal(t, "client_id=client-id&grant_type=client_credentials", string(grants[0].Body))
	assert.Empty(t, grants[0].Header.Get("Authorization"), "no secret: the certificate is the credential")

	req, _ := http.NewRequestWithContext(bg(t), http.MethodGet, ks.URL+"/v3/echo", nil)
	resp, err := sess.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	echo := ks.where("GET", "/v3/echo")
	require.Len(t, echo, 1)
	assert.Equal(t, "Bearer tok-1", echo[0].Header.Get("Authorization"))
	assert.Equal(t, "tok-1", echo[0].Header.Get("X-Auth-Token"))

	// Without a client certificate the TLS handshake fails.
	bare := ks.Client().Transport.(*http.Transport).Clone()
	t.Cleanup(bare.CloseIdleConnections)
	_, err = New(&OAuth2MTLSClientCredential{AuthURL: ks.URL + "/v3", ClientID: "client-id"},
		WithHTTPClient(&http.Client{Transport: bare}), WithRetries(0, 0)).AccessInfo(bg(t))
	require.Error(t, err)
	var te *apierror.TransportError
	assert.True(t, errors.As(err, &te), "%v", err)
	assert.Len(t, ks.where("POST", "/v3/OS-OAUTH2/token"), 1, "the second client never got through")
}
