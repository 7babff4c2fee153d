package fedauth_test

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// shibSP stands in for Apache with mod_shib in front of the test Keystone,
// which this machine does not have: a reverse proxy to Keystone whose
// assertion consumer service (/Shibboleth.sso/SAML2/ECP, the K2K sp_url)
// takes the ECP envelope Keystone's own SAML2 identity provider issued,
// checks it as a service provider would, and opens a session; requests to
// the protected federated auth URL then reach Keystone with the
// assertion's attributes as X-Ks-Fed-* headers (what the test Keystone's
// [federation] assertion_prefix reads, where mod_shib would set the WSGI
// environment). Headers of that name from the client are dropped, as
// mod_shib clears spoofed attributes.
//
// The checks: a SOAP envelope with a successful samlp:Response addressed
// to this consumer service, an assertion issued by Keystone's entity id,
// signed with the certificate of Keystone's SAML metadata, for this
// recipient and not expired. The XML signature itself is verified in
// test/e2e/federation (saml_test.go); here the certificate must match.
type shibSP struct {
	*httptest.Server
	t          *testing.T
	keystone   *url.URL
	issuer     string
	cert       *x509.Certificate
	idp        string // the identity provider's id in Keystone (the protected URL)
	proxy      *httputil.ReverseProxy
	mu         sync.Mutex
	sessions   map[string]map[string][]string // session cookie → attributes
	consumed   int
	attributes map[string][]string // of the last assertion
}

const shibCookie = "_shibsession_fedauth"

func newShibSP(t *testing.T, idp string) *shibSP {
	t.Helper()
	ks, err := url.Parse(e2eutil.AuthURL())
	require.NoError(t, err)
	ks.Path = ""
	issuer, cert := keystoneIdP(t)
	sp := &shibSP{t: t, keystone: ks, issuer: issuer, cert: cert, idp: idp, sessions: map[string]map[string][]string{}}
	sp.proxy = httputil.NewSingleHostReverseProxy(ks)
	sp.Server = httptest.NewServer(sp)
	t.Cleanup(sp.Close)
	return sp
}

// keystoneIdP reads Keystone's SAML2 identity provider metadata: its
// entity id and signing certificate.
func keystoneIdP(t *testing.T) (string, *x509.Certificate) {
	t.Helper()
	resp, err := e2eutil.HTTPClient(t).Get(strings.TrimSuffix(e2eutil.AuthURL(), "/") + "/OS-FEDERATION/saml2/metadata")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	doc := etree.NewDocument()
	require.NoError(t, doc.ReadFromBytes(body))
	idp := find(doc.Root(), "urn:oasis:names:tc:SAML:2.0:metadata", "IDPSSODescriptor")
	require.NotNil(t, idp, "%s", body)
	cert, err := parseCert(text(find(idp, nsDSig, "X509Certificate")))
	require.NoError(t, err)
	entityID := doc.Root().SelectAttrValue("entityID", "")
	require.NotEmpty(t, entityID)
	return entityID, cert
}

func parseCert(b64 string) (*x509.Certificate, error) {
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// ConsumerURL is the K2K sp_url.
func (sp *shibSP) ConsumerURL() string { return sp.URL + "/Shibboleth.sso/SAML2/ECP" }

// AuthURL is the K2K auth_url: Keystone's federated auth URL, through the SP.
func (sp *shibSP) AuthURL() string {
	return sp.URL + "/v3/OS-FEDERATION/identity_providers/" + sp.idp + "/protocols/saml2/auth"
}

func (sp *shibSP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for name := range r.Header {
		if strings.HasPrefix(http.CanonicalHeaderKey(name), "X-Ks-Fed-") {
			r.Header.Del(name)
		}
	}
	switch {
	case r.URL.Path == "/Shibboleth.sso/SAML2/ECP" && r.Method == http.MethodPost:
		sp.consume(w, r)
		return
	case r.URL.Path == "/v3/OS-FEDERATION/identity_providers/"+sp.idp+"/protocols/saml2/auth":
		c, err := r.Cookie(shibCookie)
		var attrs map[string][]string
		if err == nil {
			sp.mu.Lock()
			attrs = sp.sessions[c.Value]
			sp.mu.Unlock()
		}
		if attrs == nil {
			http.Error(w, "no Shibboleth session", http.StatusUnauthorized)
			return
		}
		r.Header.Set("X-Ks-Fed-Idp", sp.issuer)
		for name, values := range attrs {
			r.Header.Set("X-Ks-Fed-"+strings.ReplaceAll(name, "_", "-"), strings.Join(values, ";"))
		}
	}
	sp.proxy.ServeHTTP(w, r)
}

func (sp *shibSP) consume(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	attrs, err := sp.check(r.Header.Get("Content-Type"), body)
	if err != nil {
		sp.t.Logf("shibSP: refused the assertion: %v", err)
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	sid := hex.EncodeToString(b[:])
	sp.mu.Lock()
	sp.sessions[sid] = attrs
	sp.consumed++
	sp.attributes = attrs
	sp.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: shibCookie, Value: sid, Path: "/", HttpOnly: true})
	// Back to the protected resource, as the relay state asks.
	http.Redirect(w, r, sp.AuthURL(), http.StatusFound)
}

const (
	nsSOAP  = "http://schemas.xmlsoap.org/soap/envelope/"
	nsSAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsSAML  = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig  = "http://www.w3.org/2000/09/xmldsig#"
)

func find(e *etree.Element, ns, tag string) *etree.Element {
	if e == nil {
		return nil
	}
	if e.Tag == tag && e.NamespaceURI() == ns {
		return e
	}
	for _, c := range e.ChildElements() {
		if f := find(c, ns, tag); f != nil {
			return f
		}
	}
	return nil
}

func text(e *etree.Element) string {
	if e == nil {
		return ""
	}
	return strings.TrimSpace(e.Text())
}

// check is the service provider's verdict on a relayed ECP envelope, and
// the assertion's attributes.
func (sp *shibSP) check(contentType string, body []byte) (map[string][]string, error) {
	if !strings.HasPrefix(contentType, "application/vnd.paos+xml") {
		return nil, fmt.Errorf("Content-Type %q is not PAOS", contentType)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(body); err != nil {
		return nil, fmt.Errorf("not XML: %w", err)
	}
	if root := doc.Root(); root == nil || root.Tag != "Envelope" || root.NamespaceURI() != nsSOAP {
		return nil, fmt.Errorf("not a SOAP envelope")
	}
	resp := find(doc.Root(), nsSAMLP, "Response")
	if resp == nil {
		return nil, fmt.Errorf("no samlp:Response")
	}
	if code := find(resp, nsSAMLP, "StatusCode"); code == nil || code.SelectAttrValue("Value", "") != "urn:oasis:names:tc:SAML:2.0:status:Success" {
		return nil, fmt.Errorf("the response is not a success")
	}
	if d := resp.SelectAttrValue("Destination", ""); d != sp.ConsumerURL() {
		return nil, fmt.Errorf("destination %q is not this consumer service", d)
	}
	a := find(resp, nsSAML, "Assertion")
	if a == nil {
		return nil, fmt.Errorf("no assertion")
	}
	if iss := text(find(a, nsSAML, "Issuer")); iss != sp.issuer {
		return nil, fmt.Errorf("issuer %q is not trusted", iss)
	}
	sig := find(a, nsDSig, "Signature")
	if sig == nil || text(find(sig, nsDSig, "SignatureValue")) == "" {
		return nil, fmt.Errorf("the assertion is not signed")
	}
	if ref := find(sig, nsDSig, "Reference"); ref == nil || ref.SelectAttrValue("URI", "") != "#"+a.SelectAttrValue("ID", "") {
		return nil, fmt.Errorf("the signature does not cover the assertion")
	}
	cert, err := parseCert(text(find(sig, nsDSig, "X509Certificate")))
	if err != nil || !cert.Equal(sp.cert) {
		return nil, fmt.Errorf("the assertion is not signed with the key of Keystone's metadata")
	}
	scd := find(a, nsSAML, "SubjectConfirmationData")
	if scd == nil || scd.SelectAttrValue("Recipient", "") != sp.ConsumerURL() {
		return nil, fmt.Errorf("the assertion is for another recipient")
	}
	if until, err := time.Parse(time.RFC3339, scd.SelectAttrValue("NotOnOrAfter", "")); err != nil || !time.Now().Before(until) {
		return nil, fmt.Errorf("the assertion has expired (NotOnOrAfter %q)", scd.SelectAttrValue("NotOnOrAfter", ""))
	}
	attrs := map[string][]string{}
	for _, at := range a.FindElements(".//Attribute") {
		if at.NamespaceURI() != nsSAML {
			continue
		}
		for _, v := range at.ChildElements() {
			if v.Tag == "AttributeValue" {
				attrs[at.SelectAttrValue("Name", "")] = append(attrs[at.SelectAttrValue("Name", "")], text(v))
			}
		}
	}
	if len(attrs["openstack_user"]) != 1 {
		return nil, fmt.Errorf("no openstack_user attribute")
	}
	return attrs, nil
}

func (sp *shibSP) lastAttributes() (int, map[string][]string) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.consumed, sp.attributes
}
