package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/beevik/etree"

	"github.com/keystone-go/keystone/internal/origin"
	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// SAML 2.0 ECP (Enhanced Client or Proxy) profile: the client is the
// browser. The service provider (Keystone behind Shibboleth) answers a
// request that offers PAOS with a SOAP envelope holding an AuthnRequest;
// the client posts its body to the identity provider's ECP endpoint with
// the user's credentials (HTTP Basic), gets a SOAP envelope holding the
// signed SAML Response, and posts that to the service provider's assertion
// consumer service, with the relay state the service provider gave. The
// service provider checks the assertion (signature, audience, time: its
// job, not the client's) and opens a session, whose cookie gets the token.

const (
	nsSOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
	nsSOAP12 = "http://www.w3.org/2003/05/soap-envelope"
	nsPAOS   = "urn:liberty:paos:2003-08"
	nsECP    = "urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"

	// paosMediaType is the Content-Type of PAOS messages, and what a
	// client puts in Accept to offer PAOS.
	paosMediaType = "application/vnd.paos+xml"
	// paosHeader is the PAOS header that offers the ECP service.
	paosHeader = `ver="` + nsPAOS + `";"` + nsECP + `"`
)

// SAML2Password logs in through a SAML2 identity provider with the ECP
// profile and HTTP Basic credentials (keystoneauth's v3samlpassword). The
// protocol is typically "saml2", and Keystone's federated auth URL must be
// protected by a SAML service provider that speaks ECP (Shibboleth's
// mod_shib, or mod_auth_mellon).
type SAML2Password struct {
	FederatedLogin
	// IdentityProviderURL is the identity provider's ECP endpoint
	// (Shibboleth IdP: https://idp.example/idp/profile/SAML2/SOAP/ECP).
	IdentityProviderURL string
	Username            string
	Password            string
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v SAML2Password) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v SAML2Password) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// SAMLError is a SAML exchange that went wrong: an answer that is not the
// expected message, or the service provider and identity provider naming
// different assertion consumer services. It matches
// apierror.ErrAuthorization.
type SAMLError struct {
	// Step is the exchange ("service provider", "identity provider", ...).
	Step   string
	Reason string
}

func (e *SAMLError) Error() string { return "auth: SAML2 " + e.Step + ": " + e.Reason }

// Is matches apierror.ErrAuthorization.
func (e *SAMLError) Is(target error) bool { return apierror.ErrAuthorization.Is(target) }

// Authenticate runs the ECP exchange and rescopes the token if Scope asks
// for a target.
func (p *SAML2Password) Authenticate(ctx context.Context, client auth.Doer) (*auth.AccessInfo, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	switch {
	case p.IdentityProviderURL == "":
		return nil, missing("identity_provider_url")
	case p.Username == "":
		return nil, missing("username")
	case p.Password == "":
		return nil, missing("password")
	}
	base, err := p.base(ctx, client)
	if err != nil {
		return nil, err
	}
	hc, err := rawClient(client)
	if err != nil {
		return nil, err
	}
	a, err := (&ecpLogin{hc: hc, base: base, authURL: FederatedAuthURL(base, p.IdentityProvider, p.Protocol),
		idpURL: p.IdentityProviderURL, username: p.Username, password: p.Password}).run(ctx)
	if err != nil {
		return nil, err
	}
	return finishFederated(ctx, client, base, a, p.Scope)
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (p *SAML2Password) CacheKey() map[string]string {
	k := p.cacheKey("v3samlpassword")
	put(k, "saml2.identity_provider_url", p.IdentityProviderURL)
	put(k, "saml2.username", p.Username)
	return k
}

// CacheSecret is the password (see SecretProver).
func (p *SAML2Password) CacheSecret() ([]byte, bool) { return []byte(p.Password), true }

// ecpLogin is one ECP exchange.
type ecpLogin struct {
	hc                 *http.Client
	base, authURL      string
	idpURL             string
	username, password string
}

// spRequest asks the protected URL, offering PAOS.
func (l *ecpLogin) spRequest(ctx context.Context, url string) (*http.Request, error) {
	req, err := fedRequest(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, "+paosMediaType)
	req.Header.Set("PAOS", paosHeader)
	return req, nil
}

func (l *ecpLogin) run(ctx context.Context) (*auth.AccessInfo, error) {
	req, err := l.spRequest(ctx, l.authURL)
	if err != nil {
		return nil, err
	}
	sp, err := fedSend(l.hc, req)
	if err != nil {
		return nil, err
	}
	if sp.resp.StatusCode != http.StatusOK || sp.mediaType() != paosMediaType {
		// No ECP: the answer is the token (a session already open), or
		// the reason there is none.
		return sp.tokenAnswer(l.base)
	}
	authn, err := parseSOAP(sp.body, nsSOAP11)
	if err != nil {
		return nil, &SAMLError{Step: "service provider", Reason: "its PAOS answer: " + err.Error()}
	}
	spConsumer, relayState, err := spECPHeaders(authn)
	if err != nil {
		return nil, &SAMLError{Step: "service provider", Reason: err.Error()}
	}
	if relayState != nil {
		// Copied while its namespaces can still be looked up.
		relayState = portableCopy(relayState)
	}
	// The identity provider gets the envelope without the service
	// provider's header.
	env := authn.Root()
	env.RemoveChild(soapChild(env, nsSOAP11, "Header"))
	body, err := authn.WriteToBytes()
	if err != nil {
		return nil, err
	}

	req, err = fedRequest(ctx, http.MethodPost, l.idpURL, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	req.SetBasicAuth(l.username, l.password)
	idp, err := fedSend(l.hc, req)
	if err != nil {
		return nil, err
	}
	if err := idp.err(); err != nil {
		return nil, fmt.Errorf("auth: SAML2 identity provider: %w", err)
	}
	response, err := parseSOAP(idp.body, nsSOAP11)
	if err != nil {
		return nil, &SAMLError{Step: "identity provider", Reason: "its answer: " + err.Error()}
	}
	idpConsumer, ecpResponse, err := idpECPHeader(response)
	if err != nil {
		return nil, &SAMLError{Step: "identity provider", Reason: err.Error()}
	}
	if idpConsumer != spConsumer {
		// Tell the service provider, as the ECP profile asks; its answer
		// does not matter.
		if req, err := fedRequest(ctx, http.MethodPost, spConsumer, []byte(ecpConsumerFault)); err == nil {
			req.Header.Set("Content-Type", paosMediaType)
			_, _ = fedSend(l.hc, req)
		}
		return nil, &SAMLError{Step: "identity provider", Reason: fmt.Sprintf(
			"the assertion consumer service %q of the identity provider %s is not the service provider's responseConsumerURL %q",
			idpConsumer, l.idpURL, spConsumer)}
	}
	// The assertion is a bearer credential: it goes nowhere in clear that
	// was named over https.
	if err := learnedFrom("the assertion consumer service", l.authURL, idpConsumer); err != nil {
		return nil, err
	}
	// The service provider gets the identity provider's envelope with
	// its own relay state in place of the identity provider's header.
	header := ecpResponse.Parent()
	if relayState != nil {
		header.InsertChildAt(ecpResponse.Index(), relayState)
	}
	header.RemoveChild(ecpResponse)
	body, err = response.WriteToBytes()
	if err != nil {
		return nil, err
	}

	req, err = fedRequest(ctx, http.MethodPost, idpConsumer, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", paosMediaType)
	final, err := fedSend(l.hc, req)
	if err != nil {
		return nil, err
	}
	// The service provider opened a session and sends the client back to
	// the protected URL (the relay state's target), which now answers
	// with the token.
	if loc := final.resp.Header.Get("Location"); loc != "" &&
		(final.resp.StatusCode == http.StatusFound || final.resp.StatusCode == http.StatusSeeOther) {
		target, err := final.resp.Request.URL.Parse(loc)
		if err != nil {
			return nil, &SAMLError{Step: "assertion consumer service", Reason: "redirect to an invalid Location"}
		}
		// The session cookie goes with this request.
		if err := origin.Endpoint("the service provider's redirect", final.resp.Request.URL, target); err != nil {
			return nil, err
		}
		if req, err = l.spRequest(ctx, target.String()); err != nil {
			return nil, err
		}
		if final, err = fedSend(l.hc, req); err != nil {
			return nil, err
		}
	}
	return final.tokenAnswer(l.base)
}

// learnedFrom checks a URL that an answer from "from" named before a
// credential is sent there (internal/origin: never from https to http).
func learnedFrom(what, from, learned string) error {
	f, err := url.Parse(from)
	if err != nil {
		return fmt.Errorf("%w: %w", apierror.ErrInvalidConfig, err)
	}
	l, err := f.Parse(learned)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", apierror.ErrInvalidResponse, what, err)
	}
	return origin.Endpoint(what, f, l)
}

// ecpConsumerFault is the SOAP fault the client sends the service provider
// when the two parties disagree on the assertion consumer service.
const ecpConsumerFault = `<S:Envelope xmlns:S="` + nsSOAP11 + `"><S:Body><S:Fault>` +
	`<faultcode>S:Server</faultcode><faultstring>responseConsumerURL from SP and assertionConsumerServiceURL from IdP do not match</faultstring>` +
	`</S:Fault></S:Body></S:Envelope>`

// parseSOAP reads a SOAP envelope of the given version.
func parseSOAP(data []byte, ns string) (*etree.Document, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("not XML: %w", err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "Envelope" || root.NamespaceURI() != ns {
		return nil, errors.New("not a SOAP envelope")
	}
	return doc, nil
}

// soapChild is the child element of e with the given namespace and name.
func soapChild(e *etree.Element, ns, tag string) *etree.Element {
	if e == nil {
		return nil
	}
	for _, c := range e.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			return c
		}
	}
	return nil
}

// descendants are the elements under e (e included) with the namespace
// and name.
func descendants(e *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	var walk func(*etree.Element)
	walk = func(x *etree.Element) {
		if x.Tag == tag && x.NamespaceURI() == ns {
			out = append(out, x)
		}
		for _, c := range x.ChildElements() {
			walk(c)
		}
	}
	if e != nil {
		walk(e)
	}
	return out
}

// spECPHeaders reads the service provider's PAOS request: where it wants
// the assertion (paos:Request responseConsumerURL) and its relay state
// (ecp:RelayState, optional in the profile).
func spECPHeaders(doc *etree.Document) (consumer string, relayState *etree.Element, err error) {
	header := soapChild(doc.Root(), nsSOAP11, "Header")
	paos := soapChild(header, nsPAOS, "Request")
	if paos == nil {
		return "", nil, errors.New("no paos:Request in the SOAP header")
	}
	consumer = paos.SelectAttrValue("responseConsumerURL", "")
	if consumer == "" {
		return "", nil, errors.New("the paos:Request has no responseConsumerURL")
	}
	switch rs := descendants(doc.Root(), nsECP, "RelayState"); len(rs) {
	case 0:
	case 1:
		relayState = rs[0]
	default:
		return "", nil, fmt.Errorf("%d ecp:RelayState elements", len(rs))
	}
	if soapChild(soapChild(doc.Root(), nsSOAP11, "Body"), "urn:oasis:names:tc:SAML:2.0:protocol", "AuthnRequest") == nil {
		return "", nil, errors.New("no samlp:AuthnRequest in the SOAP body")
	}
	return consumer, relayState, nil
}

// idpECPHeader reads the identity provider's answer: the ecp:Response
// header and where it says the assertion goes.
func idpECPHeader(doc *etree.Document) (consumer string, ecpResponse *etree.Element, err error) {
	ecpResponse = soapChild(soapChild(doc.Root(), nsSOAP11, "Header"), nsECP, "Response")
	if ecpResponse == nil {
		return "", nil, errors.New("no ecp:Response in the SOAP header")
	}
	consumer = ecpResponse.SelectAttrValue("AssertionConsumerServiceURL", "")
	if consumer == "" {
		return "", nil, errors.New("the ecp:Response has no AssertionConsumerServiceURL")
	}
	if soapChild(soapChild(doc.Root(), nsSOAP11, "Body"), "urn:oasis:names:tc:SAML:2.0:protocol", "Response") == nil {
		return "", nil, errors.New("no samlp:Response in the SOAP body")
	}
	return consumer, ecpResponse, nil
}

// portableCopy copies e so that it keeps its meaning in another document:
// the copy declares every namespace prefix that it and its descendants use
// and that was declared further up in e's document.
func portableCopy(e *etree.Element) *etree.Element {
	type decl struct{ prefix, uri string }
	var decls []decl
	seen := map[string]bool{}
	note := func(prefix, uri string) {
		if prefix == "xmlns" || prefix == "xml" || seen[prefix] || (prefix == "" && uri == "") {
			return
		}
		seen[prefix] = true
		decls = append(decls, decl{prefix, uri})
	}
	var walk func(*etree.Element)
	walk = func(x *etree.Element) {
		note(x.Space, x.NamespaceURI())
		for i := range x.Attr {
			if a := &x.Attr[i]; a.Space != "" {
				note(a.Space, a.NamespaceURI())
			}
		}
		for _, c := range x.ChildElements() {
			walk(c)
		}
	}
	walk(e)
	c := e.Copy()
	for _, d := range decls {
		key := "xmlns"
		if d.prefix != "" {
			key += ":" + d.prefix
		}
		if c.SelectAttr(key) == nil {
			c.CreateAttr(key, d.uri)
		}
	}
	return c
}

// Options: keystoneauth's Saml2Password loader.

var v3SAMLPasswordOptions = slices.Concat(federationOptions, []auth.OptionSpec{
	required(opt("identity-provider-url", "An Identity Provider URL, where the SAML2 authentication request will be sent.")),
	required(opt("username", "Username")),
	secret(required(opt("password", "Password"))),
})

func buildV3SAMLPassword(o *auth.PluginOptions) (auth.Plugin, error) {
	f, err := federatedLogin(o)
	if err != nil {
		return nil, err
	}
	return &SAML2Password{FederatedLogin: f, IdentityProviderURL: o.Get("identity_provider_url"),
		Username: o.Get("username"), Password: o.Get("password")}, nil
}
