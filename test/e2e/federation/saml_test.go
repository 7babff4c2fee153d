package federation_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

const (
	nsSAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsSAML  = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsMD    = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsSOAP  = "http://schemas.xmlsoap.org/soap/envelope/"
	nsECP   = "urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"

	statusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success"
)

// The parts of Keystone's SAML documents the tests look at. (encoding/xml
// matches the parents of an "a>b" path by local name, and cannot end such a
// path in an attribute, hence the nesting.)
type (
	samlResponse struct {
		XMLName     xml.Name      `xml:"urn:oasis:names:tc:SAML:2.0:protocol Response"`
		ID          string        `xml:"ID,attr"`
		Destination string        `xml:"Destination,attr"`
		Issuer      string        `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
		Status      samlStatus    `xml:"urn:oasis:names:tc:SAML:2.0:protocol Status"`
		Assertion   samlAssertion `xml:"urn:oasis:names:tc:SAML:2.0:assertion Assertion"`
	}
	samlStatus struct {
		Code struct {
			Value string `xml:"Value,attr"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:protocol StatusCode"`
	}
	samlAssertion struct {
		ID        string      `xml:"ID,attr"`
		Issuer    string      `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
		Signature dsig        `xml:"http://www.w3.org/2000/09/xmldsig# Signature"`
		Subject   samlSubject `xml:"urn:oasis:names:tc:SAML:2.0:assertion Subject"`
		Attrs     []samlAt    `xml:"urn:oasis:names:tc:SAML:2.0:assertion AttributeStatement>Attribute"`
	}
	samlSubject struct {
		NameID       string `xml:"urn:oasis:names:tc:SAML:2.0:assertion NameID"`
		Confirmation struct {
			Data struct {
				Recipient string `xml:"Recipient,attr"`
			} `xml:"urn:oasis:names:tc:SAML:2.0:assertion SubjectConfirmationData"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:assertion SubjectConfirmation"`
	}
	samlAt struct {
		Name   string   `xml:"Name,attr"`
		Values []string `xml:"urn:oasis:names:tc:SAML:2.0:assertion AttributeValue"`
	}
	dsig struct {
		SignedInfo struct {
			Reference struct {
				URI string `xml:"URI,attr"`
			} `xml:"http://www.w3.org/2000/09/xmldsig# Reference"`
		} `xml:"http://www.w3.org/2000/09/xmldsig# SignedInfo"`
		SignatureValue string  `xml:"http://www.w3.org/2000/09/xmldsig# SignatureValue"`
		KeyInfo        keyInfo `xml:"http://www.w3.org/2000/09/xmldsig# KeyInfo"`
	}
	keyInfo struct {
		Certificate string `xml:"http://www.w3.org/2000/09/xmldsig# X509Data>X509Certificate"`
	}
	ecpEnvelope struct {
		XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
		Header  struct {
			RelayState string `xml:"urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp RelayState"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Header"`
		Body struct {
			Response samlResponse `xml:"urn:oasis:names:tc:SAML:2.0:protocol Response"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
	}
	entityDescriptor struct {
		XMLName xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
		ID      string   `xml:"entityID,attr"`
		IDP     struct {
			Protocols string `xml:"protocolSupportEnumeration,attr"`
			Key       struct {
				Use     string  `xml:"use,attr"`
				KeyInfo keyInfo `xml:"http://www.w3.org/2000/09/xmldsig# KeyInfo"`
			} `xml:"urn:oasis:names:tc:SAML:2.0:metadata KeyDescriptor"`
			SSO []struct {
				Binding  string `xml:"Binding,attr"`
				Location string `xml:"Location,attr"`
			} `xml:"urn:oasis:names:tc:SAML:2.0:metadata SingleSignOnService"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:metadata IDPSSODescriptor"`
	}
)

func (a samlAssertion) attr(name string) []string {
	for _, at := range a.Attrs {
		if at.Name == name {
			return at.Values
		}
	}
	return nil
}

func parseCertificate(t *testing.T, b64 string) *x509.Certificate {
	t.Helper()
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return cert
}

// idpMetadata fetches Keystone's SAML2 IdP metadata and returns it with its
// signing certificate.
func idpMetadata(t *testing.T) (entityDescriptor, *x509.Certificate) {
	t.Helper()
	resp, err := e2eutil.Anonymous(t).GetSAML2MetadataWithResponse(e2eutil.Ctx(t))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode())
	assert.True(t, strings.HasPrefix(resp.HTTPResponse.Header.Get("Content-Type"), "text/xml"))
	var md entityDescriptor
	require.NoError(t, xml.Unmarshal(resp.Body, &md), "%s", resp.Body)
	return md, parseCertificate(t, md.IDP.Key.KeyInfo.Certificate)
}

func TestSAML2Metadata(t *testing.T) {
	md, cert := idpMetadata(t)
	assert.Equal(t, strings.TrimSuffix(e2eutil.AuthURL(), "/")+"/OS-FEDERATION/saml2/idp", md.ID,
		"the [saml] idp_entity_id of the test Keystone")
	assert.Equal(t, nsSAMLP, md.IDP.Protocols)
	assert.Equal(t, "signing", md.IDP.Key.Use)
	assert.NotNil(t, cert.PublicKey)
	require.NotEmpty(t, md.IDP.SSO)
	assert.Contains(t, md.IDP.SSO[0].Location, "/OS-FEDERATION/saml2/sso")
}

// Keystone as a SAML2 identity provider: a project-scoped token becomes a
// signed assertion for a service provider, plain and wrapped for ECP.
func TestSAML2Assertions(t *testing.T) {
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	access, err := admin.Session().AccessInfo(ctx)
	require.NoError(t, err)
	spID := e2eutil.Name(t, "sp")
	spURL := "https://sp.example/Shibboleth.sso/SAML2/ECP/" + spID
	authURL := "https://sp.example/v3/OS-FEDERATION/identity_providers/keystone/protocols/saml2/auth"
	// Enabled (Keystone issues assertions for enabled providers only); while
	// it exists every token lists it in service_providers.
	createSP(t, admin, spID, identityv3.ServiceProviderCreate{
		AuthURL: authURL, SpURL: spURL, Enabled: new(true), RelayStatePrefix: new("ss:test:"),
	})
	md, cert := idpMetadata(t)
	request := identityv3.SAMLAssertionRequest{Auth: identityv3.SAMLAssertionAuth{
		Identity: identityv3.SAMLAssertionIdentity{
			Methods: []string{"token"},
			Token:   identityv3.TokenMethod{ID: access.Token},
		},
		Scope: identityv3.SAMLAssertionScope{ServiceProvider: identityv3.ServiceProviderSelector{ID: spID}},
	}}
	anon := e2eutil.Anonymous(t)

	checkAssertion := func(t *testing.T, r samlResponse) {
		t.Helper()
		assert.Equal(t, spURL, r.Destination)
		assert.Equal(t, md.ID, r.Issuer)
		assert.Equal(t, statusSuccess, r.Status.Code.Value)
		a := r.Assertion
		assert.NotEmpty(t, a.ID)
		assert.Equal(t, md.ID, a.Issuer)
		assert.Equal(t, access.Username(), a.Subject.NameID)
		assert.Equal(t, spURL, a.Subject.Confirmation.Data.Recipient)
		assert.Equal(t, []string{access.Username()}, a.attr("openstack_user"))
		assert.Equal(t, []string{access.ProjectName()}, a.attr("openstack_project"))
		assert.ElementsMatch(t, access.RoleNames(), a.attr("openstack_roles"))
		assert.Equal(t, []string{"Default"}, a.attr("openstack_user_domain"))
		// The signature is there, names the assertion and carries the
		// metadata's certificate.
		assert.Equal(t, "#"+a.ID, a.Signature.SignedInfo.Reference.URI)
		assert.NotEmpty(t, strings.TrimSpace(a.Signature.SignatureValue))
		assert.True(t, parseCertificate(t, a.Signature.KeyInfo.Certificate).Equal(cert),
			"the assertion is signed with the key the metadata publishes")
	}
	// verify checks the xmlsec1 signature of the document's assertion.
	verify := func(t *testing.T, doc []byte) {
		t.Helper()
		d := etree.NewDocument()
		require.NoError(t, d.ReadFromBytes(doc))
		var assertion *etree.Element
		for _, e := range d.FindElements("//Assertion") {
			if e.NamespaceURI() == nsSAML {
				assertion = e
			}
		}
		require.NotNil(t, assertion)
		require.NoError(t, verifyEnvelopedSignature(assertion, cert))
		// Any change to the signed content breaks it.
		assertion.FindElement(".//NameID").SetText("someone-else")
		assert.Error(t, verifyEnvelopedSignature(assertion, cert))
	}

	// Since Epoxy, Keystone writes the service provider's URLs as the text of
	// Python bytes values.
	checkURLHeaders := func(t *testing.T, h http.Header) {
		t.Helper()
		quote := func(u string) string { return u }
		if e2eutil.ReleaseAtLeast(t, e2eutil.Epoxy) {
			quote = func(u string) string { return "b'" + u + "'" }
		}
		assert.Equal(t, quote(spURL), h.Get("X-sp-url"))
		assert.Equal(t, quote(authURL), h.Get("X-auth-url"))
	}

	t.Run("saml2", func(t *testing.T) {
		resp, err := anon.CreateSAML2AssertionWithResponse(ctx, request)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode(), "%s", resp.Body)
		assert.True(t, strings.HasPrefix(resp.HTTPResponse.Header.Get("Content-Type"), "text/xml"))
		checkURLHeaders(t, resp.HTTPResponse.Header)
		var r samlResponse
		require.NoError(t, xml.Unmarshal(resp.Body, &r), "%s", resp.Body)
		checkAssertion(t, r)
		verify(t, resp.Body)
	})

	t.Run("ecp", func(t *testing.T) {
		resp, err := anon.CreateECPAssertionWithResponse(ctx, request)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode(), "%s", resp.Body)
		checkURLHeaders(t, resp.HTTPResponse.Header)
		var env ecpEnvelope
		require.NoError(t, xml.Unmarshal(resp.Body, &env), "%s", resp.Body)
		assert.True(t, strings.HasPrefix(env.Header.RelayState, "ss:test:"), "RelayState %q has the provider's prefix", env.Header.RelayState)
		checkAssertion(t, env.Body.Response)
		verify(t, resp.Body)
		// The RelayState header element is an ECP one.
		d := etree.NewDocument()
		require.NoError(t, d.ReadFromBytes(resp.Body))
		rs := d.FindElement("//RelayState")
		require.NotNil(t, rs)
		assert.Equal(t, nsECP, rs.NamespaceURI())
		assert.Equal(t, nsSOAP, d.Root().NamespaceURI())
	})

	t.Run("errors", func(t *testing.T) {
		// An unknown service provider.
		bad := request
		bad.Auth.Scope.ServiceProvider.ID = spID + "-missing"
		resp, err := anon.CreateSAML2AssertionWithResponse(ctx, bad)
		require.NoError(t, err)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode())
		// A token that is not valid.
		bad = request
		bad.Auth.Identity.Token.ID = "not-a-token"
		resp, err = anon.CreateSAML2AssertionWithResponse(ctx, bad)
		require.NoError(t, err)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode(), "Keystone answers an unknown token with 404")
		// Through the session, the error is a typed one.
		_, err = admin.Raw().CreateECPAssertionWithResponse(ctx, bad)
		assert.True(t, errors.Is(err, apierror.ErrNotFound), "%v", err)
	})
}
