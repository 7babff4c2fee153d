package v2_test

import (
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersionDocument(t *testing.T) {
	e := newEnv(t)
	resp, err := e.anon.GetVersionWithResponse(t.Context())
	requireStatus(t, http.StatusOK, resp, err)
	v := resp.JSON200.Version
	assert.Equal(t, "v2.0", v.ID)
	assert.Equal(t, "deprecated", v.Status)
	assert.Equal(t, e.ks.URL()+"/", v.Links[0].Href)
	assert.Equal(t, "application/vnd.openstack.identity-v2.0+json", *(*v.MediaTypes)[0].Type)

	// GET /v2.0 without the slash is the same document.
	raw, err := e.ks.HTTPClient().Get(e.ks.URL())
	require.NoError(t, err)
	body, err := io.ReadAll(raw.Body)
	raw.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, raw.StatusCode)
	assert.JSONEq(t, string(resp.Body), string(body))
}

func TestExtensions(t *testing.T) {
	e := newEnv(t)
	list, err := e.anon.ListExtensionsWithResponse(t.Context())
	requireStatus(t, http.StatusOK, list, err)
	var aliases []string
	for _, x := range list.JSON200.Extensions.Values {
		aliases = append(aliases, x.Alias)
	}
	assert.Equal(t, []string{"OS-KSADM", "OS-KSCRUD", "OS-EC2", "OS-KSEC2"}, aliases)

	one, err := e.anon.GetExtensionWithResponse(t.Context(), "OS-KSCRUD")
	requireStatus(t, http.StatusOK, one, err)
	assert.Equal(t, "OpenStack Keystone User CRUD", one.JSON200.Extension.Name)

	none, err := e.anon.GetExtensionWithResponse(t.Context(), "OS-NOPE")
	requireStatus(t, http.StatusNotFound, none, err)
	assert.Equal(t, http.StatusNotFound, errorOf(t, none).Error.Code)
}

func TestCertificates(t *testing.T) {
	e := newEnv(t)
	ca, err := e.anon.GetCACertificateWithResponse(t.Context())
	requireStatus(t, http.StatusOK, ca, err)
	assert.Equal(t, "text/plain", ca.HTTPResponse.Header.Get("Content-Type"))
	signing, err := e.anon.GetSigningCertificateWithResponse(t.Context())
	requireStatus(t, http.StatusOK, signing, err)

	parse := func(b []byte) *x509.Certificate {
		block, rest := pem.Decode(b)
		require.NotNil(t, block, "a PEM block")
		assert.Empty(t, rest)
		cert, err := x509.ParseCertificate(block.Bytes)
		require.NoError(t, err)
		return cert
	}
	caCert, signingCert := parse(ca.Body), parse(signing.Body)
	assert.True(t, caCert.IsCA)
	require.NoError(t, signingCert.CheckSignatureFrom(caCert), "the CA signed the signing certificate")
	assert.Equal(t, e.ks.CACertificatePEM(), string(ca.Body))
}
