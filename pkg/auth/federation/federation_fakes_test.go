package federation_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
)

// In-process doubles of the parties of a federated login, close enough to
// the real ones that the plugins run their whole flows against them:
//
//   - fedOIDC, an OpenID Connect provider: discovery document, token
//     endpoint (password, client_credentials, authorization_code and
//     device_code grants, client authentication by HTTP Basic or form,
//     PKCE), device authorization endpoint, and token introspection for
//     the Keystone double;
//   - fedECPIdP, a SAML2 identity provider's ECP endpoint (Shibboleth IdP's
//     /idp/profile/SAML2/SOAP/ECP): HTTP Basic, a SOAP answer with a
//     signed-looking SAML Response for the requester's consumer service;
//   - fedADFS, ADFS's WS-Trust 1.3 usernamemixed endpoint: a SOAP 1.2
//     RequestSecurityTokenResponse, or a fault for bad credentials;
//   - fedKeystone, a Keystone with a SAML service provider in front (what
//     mod_shib and mod_auth_openidc do): the federated auth URL accepts a
//     Bearer token (protocol openid), a Shibboleth session cookie or an ECP
//     round (saml2), or X-Ks-Fed-* headers (mapped); the ECP and ADFS
//     consumer services open sessions; /v3/auth/tokens issues password
//     tokens and rescopes; and /v3/auth/OS-FEDERATION/saml2/ecp makes it a
//     K2K identity provider.
//
// Signatures are decoration: checking them is the service provider's job,
// and the plugins never look at them.

const (
	fedNSSOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
	fedNSSOAP12 = "http://www.w3.org/2003/05/soap-envelope"
	fedNSPAOS   = "urn:liberty:paos:2003-08"
	fedNSECP    = "urn:oasis:names:tc:SAML:2.0:profiles:SSO:ecp"
	fedNSSAMLP  = "urn:oasis:names:tc:SAML:2.0:protocol"
	fedNSSAML   = "urn:oasis:names:tc:SAML:2.0:assertion"
	fedNSSAML1  = "urn:oasis:names:tc:SAML:1.0:assertion"
	fedNSTrust  = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
	fedNSTrust5 = "http://schemas.xmlsoap.org/ws/2005/02/trust"
	fedNSWSSE   = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	fedNSWSA    = "http://www.w3.org/2005/08/addressing"

	fedPAOS = "application/vnd.paos+xml"
)

func fedRandom() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// fedFind is the first element under e (e included) with the namespace and name.
func fedFind(e *etree.Element, ns, tag string) *etree.Element {
	if e == nil {
		return nil
	}
	if e.Tag == tag && e.NamespaceURI() == ns {
		return e
	}
	for _, c := range e.ChildElements() {
		if f := fedFind(c, ns, tag); f != nil {
			return f
		}
	}
	return nil
}

func fedParse(data []byte) (*etree.Document, error) {
	d := etree.NewDocument()
	if err := d.ReadFromBytes(data); err != nil {
		return nil, err
	}
	if d.Root() == nil {
		return nil, fmt.Errorf("empty document")
	}
	return d, nil
}

func fedJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fedRequestLog records what a double was sent.
type fedRequestLog struct {
	mu   sync.Mutex
	reqs []fedSeen
}

type fedSeen struct {
	At           time.Time
	Method, Path string
	Header       http.Header
	Form         url.Values
	Body         []byte
}

func (l *fedRequestLog) record(r *http.Request) []byte {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	l.mu.Lock()
	l.reqs = append(l.reqs, fedSeen{At: time.Now(), Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Form: form, Body: body})
	l.mu.Unlock()
	return body
}

func (l *fedRequestLog) seen(path string) []fedSeen {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []fedSeen
	for _, r := range l.reqs {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// ---------------------------------------------------------------- OIDC

type fedOIDC struct {
	*httptest.Server
	log fedRequestLog

	// The confidential client; "cli-public" is a public one (device flow).
	ClientID, ClientSecret string
	// Users and their passwords for the password grant.
	Users map[string]string
	// OTPKey and OTP, when set, are a form parameter the password grant
	// needs too.
	OTPKey, OTP string
	// GrantTypes are the discovery document's grant_types_supported.
	GrantTypes []string
	// Device flow: the user who approves, how many polls answer
	// authorization_pending, whether the first answers slow_down, or
	// whether the user denies.
	DeviceUser     string
	DevicePending  int
	DeviceSlowDown bool
	DeviceDeny     bool
	// Interval is the device flow's polling interval in seconds.
	Interval int

	mu      sync.Mutex
	n       int
	codes   map[string]fedCode
	devices map[string]*fedDevice
	tokens  map[string]string // access or id token → subject
}

type fedCode struct {
	user, redirectURI, challenge, method string
}

type fedDevice struct {
	challenge, method string
	polls             int
	lastPoll          time.Time
}

func newFedOIDC() *fedOIDC {
	p := &fedOIDC{ClientID: "keystone-cli", ClientSecret: "cli-secret", Users: map[string]string{"alice": "wonderland"},
		GrantTypes: []string{"password", "client_credentials", "authorization_code", "urn:ietf:params:oauth:grant-type:device_code"},
		DeviceUser: "alice", Interval: 1,
		codes: map[string]fedCode{}, devices: map[string]*fedDevice{}, tokens: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		p.log.record(r)
		fedJSON(w, http.StatusOK, map[string]any{
			"issuer":                           p.URL,
			"authorization_endpoint":           p.URL + "/authorize",
			"token_endpoint":                   p.URL + "/token",
			"device_authorization_endpoint":    p.URL + "/device",
			"userinfo_endpoint":                p.URL + "/userinfo",
			"jwks_uri":                         p.URL + "/jwks",
			"grant_types_supported":            p.GrantTypes,
			"response_types_supported":         []string{"code"},
			"code_challenge_methods_supported": []string{"S256", "plain"},
		})
	})
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("POST /device", p.device)
	p.Server = httptest.NewServer(mux)
	return p
}

func oauthError(w http.ResponseWriter, status int, code, description string) {
	fedJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// client authenticates the client: HTTP Basic, or client_id (and
// client_secret) in the form. A public client names itself only.
func (p *fedOIDC) client(r *http.Request, form url.Values) (string, bool) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	switch {
	case id == p.ClientID && secret == p.ClientSecret:
		return id, true
	case id == "cli-public" && secret == "":
		return id, true
	}
	return "", false
}

func (p *fedOIDC) issue(w http.ResponseWriter, subject string) {
	p.mu.Lock()
	p.n++
	at, idt := fmt.Sprintf("at-%d-%s", p.n, fedRandom()), fmt.Sprintf("eyJhbGciOiJSUzI1NiJ9.%s.sig%d", base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"`+subject+`"}`)), p.n)
	p.tokens[at], p.tokens[idt] = subject, subject
	p.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	fedJSON(w, http.StatusOK, map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": 300,
		"id_token": idt, "scope": "openid profile"})
}

// Subject introspects a token the provider issued.
func (p *fedOIDC) Subject(token string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.tokens[token]
	return s, ok
}

func pkceOK(challenge, method, verifier string) bool {
	if challenge == "" {
		return verifier == ""
	}
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		return base64.RawURLEncoding.EncodeToString(sum[:]) == challenge
	}
	return verifier == challenge
}

func (p *fedOIDC) token(w http.ResponseWriter, r *http.Request) {
	body := p.log.record(r)
	form, _ := url.ParseQuery(string(body))
	client, ok := p.client(r, form)
	if !ok {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	switch form.Get("grant_type") {
	case "password":
		if pw, ok := p.Users[form.Get("username")]; !ok || pw != form.Get("password") {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid user credentials")
			return
		}
		if p.OTPKey != "" && form.Get(p.OTPKey) != p.OTP {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid OTP")
			return
		}
		p.issue(w, form.Get("username"))
	case "client_credentials":
		if client == "cli-public" {
			oauthError(w, http.StatusUnauthorized, "unauthorized_client", "public clients have no credentials")
			return
		}
		p.issue(w, "service-account-"+client)
	case "authorization_code":
		p.mu.Lock()
		c, ok := p.codes[form.Get("code")]
		delete(p.codes, form.Get("code")) // single use
		p.mu.Unlock()
		switch {
		case !ok:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Code not valid")
		case c.redirectURI != form.Get("redirect_uri"):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Incorrect redirect_uri")
		case !pkceOK(c.challenge, c.method, form.Get("code_verifier")):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		default:
			p.issue(w, c.user)
		}
	case "urn:ietf:params:oauth:grant-type:device_code":
		p.mu.Lock()
		d, ok := p.devices[form.Get("device_code")]
		if ok {
			d.polls++
			d.lastPoll = time.Now()
		}
		p.mu.Unlock()
		switch {
		case !ok:
			oauthError(w, http.StatusBadRequest, "expired_token", "unknown device code")
		case !pkceOK(d.challenge, d.method, form.Get("code_verifier")):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		case p.DeviceSlowDown && d.polls == 1:
			oauthError(w, http.StatusBadRequest, "slow_down", "polling too fast")
		case d.polls <= p.DevicePending:
			oauthError(w, http.StatusBadRequest, "authorization_pending", "the user has not acted yet")
		case p.DeviceDeny:
			oauthError(w, http.StatusBadRequest, "access_denied", "the user said no")
		default:
			p.issue(w, p.DeviceUser)
		}
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", form.Get("grant_type"))
	}
}

func (p *fedOIDC) device(w http.ResponseWriter, r *http.Request) {
	body := p.log.record(r)
	form, _ := url.ParseQuery(string(body))
	if _, ok := p.client(r, form); !ok {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	code := "dc-" + fedRandom()
	p.mu.Lock()
	p.devices[code] = &fedDevice{challenge: form.Get("code_challenge"), method: form.Get("code_challenge_method")}
	p.mu.Unlock()
	fedJSON(w, http.StatusOK, map[string]any{"device_code": code, "user_code": "WDJB-MJHT",
		"verification_uri": p.URL + "/device/verify", "verification_uri_complete": p.URL + "/device/verify?user_code=WDJB-MJHT",
		"expires_in": 60, "interval": p.Interval})
}

// Code is what the provider's authorization endpoint would redirect the
// user's browser back with.
func (p *fedOIDC) Code(user, redirectURI, challenge, method string) string {
	code := "code-" + fedRandom()
	p.mu.Lock()
	p.codes[code] = fedCode{user: user, redirectURI: redirectURI, challenge: challenge, method: method}
	p.mu.Unlock()
	return code
}

// ---------------------------------------------------------------- ECP IdP

type fedECPIdP struct {
	*httptest.Server
	log      fedRequestLog
	EntityID string
	Users    map[string]string
	// ConsumerOverride, when set, is the consumer service the IdP names
	// instead of the requester's (the mismatch a client must refuse).
	ConsumerOverride string
}

func newFedECPIdP() *fedECPIdP {
	p := &fedECPIdP{Users: map[string]string{"alice": "wonderland"}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /idp/profile/SAML2/SOAP/ECP", p.ecp)
	p.Server = httptest.NewServer(mux)
	p.EntityID = p.URL + "/idp/shibboleth"
	return p
}

func (p *fedECPIdP) URLECP() string { return p.URL + "/idp/profile/SAML2/SOAP/ECP" }

func (p *fedECPIdP) ecp(w http.ResponseWriter, r *http.Request) {
	body := p.log.record(r)
	user, pw, ok := r.BasicAuth()
	if want, known := p.Users[user]; !ok || !known || want != pw {
		w.Header().Set("WWW-Authenticate", `Basic realm="ECP"`)
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	doc, err := fedParse(body)
	if err != nil || doc.Root().Tag != "Envelope" || doc.Root().NamespaceURI() != fedNSSOAP11 {
		http.Error(w, "not a SOAP envelope", http.StatusBadRequest)
		return
	}
	if fedFind(doc.Root(), fedNSSOAP11, "Header") != nil {
		http.Error(w, "the SP's SOAP header must not reach the IdP", http.StatusBadRequest)
		return
	}
	authn := fedFind(doc.Root(), fedNSSAMLP, "AuthnRequest")
	if authn == nil {
		http.Error(w, "no AuthnRequest", http.StatusBadRequest)
		return
	}
	acs := authn.SelectAttrValue("AssertionConsumerServiceURL", "")
	sp := ""
	if iss := fedFind(authn, fedNSSAML, "Issuer"); iss != nil {
		sp = iss.Text()
	}
	if p.ConsumerOverride != "" {
		acs = p.ConsumerOverride
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	// Different prefixes from the SP's on purpose: the client must move
	// the relay state between documents without losing its namespaces.
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<soap11:Envelope xmlns:soap11="%s">
  <soap11:Header>
    <ecp:Response xmlns:ecp="%s" soap11:actor="http://schemas.xmlsoap.org/soap/actor/next" soap11:mustUnderstand="1" AssertionConsumerServiceURL="%s"/>
  </soap11:Header>
  <soap11:Body>%s</soap11:Body>
</soap11:Envelope>`, fedNSSOAP11, fedNSECP, html.EscapeString(acs),
		samlResponse(p.EntityID, acs, sp, authn.SelectAttrValue("ID", ""), user, map[string]string{"uid": user, "eduPersonAffiliation": "member"}))
}

// samlResponse is a SAML 2.0 Response with a signed-looking assertion.
func samlResponse(issuer, destination, audience, inResponseTo, user string, attrs map[string]string) string {
	now := time.Now().UTC()
	id := "_" + fedRandom()
	var at strings.Builder
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		fmt.Fprintf(&at, `<saml:Attribute Name="%s"><saml:AttributeValue>%s</saml:AttributeValue></saml:Attribute>`,
			html.EscapeString(k), html.EscapeString(attrs[k]))
	}
	inResp := ""
	if inResponseTo != "" {
		inResp = ` InResponseTo="` + html.EscapeString(inResponseTo) + `"`
	}
	return fmt.Sprintf(`<saml2p:Response xmlns:saml2p="%[1]s" ID="_%[2]s" Version="2.0" IssueInstant="%[3]s" Destination="%[4]s"%[5]s>`+
		`<saml:Issuer xmlns:saml="%[6]s">%[7]s</saml:Issuer>`+
		`<saml2p:Status><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></saml2p:Status>`+
		`<saml:Assertion xmlns:saml="%[6]s" ID="%[8]s" Version="2.0" IssueInstant="%[3]s">`+
		`<saml:Issuer>%[7]s</saml:Issuer>`+
		`<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>`+
		`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>`+
		`<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>`+
		`<ds:Reference URI="#%[8]s"><ds:DigestValue>%[9]s</ds:DigestValue></ds:Reference></ds:SignedInfo>`+
		`<ds:SignatureValue>%[10]s</ds:SignatureValue></ds:Signature>`+
		`<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">%[11]s</saml:NameID>`+
		`<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData Recipient="%[4]s" NotOnOrAfter="%[12]s"/></saml:SubjectConfirmation></saml:Subject>`+
		`<saml:Conditions NotBefore="%[3]s" NotOnOrAfter="%[12]s"><saml:AudienceRestriction><saml:Audience>%[13]s</saml:Audience></saml:AudienceRestriction></saml:Conditions>`+
		`<saml:AttributeStatement>%[14]s</saml:AttributeStatement></saml:Assertion></saml2p:Response>`,
		fedNSSAMLP, fedRandom(), now.Format(time.RFC3339), html.EscapeString(destination), inResp, fedNSSAML,
		html.EscapeString(issuer), id, base64.StdEncoding.EncodeToString([]byte(fedRandom())),
		base64.StdEncoding.EncodeToString([]byte(fedRandom()+fedRandom())), html.EscapeString(user),
		now.Add(5*time.Minute).Format(time.RFC3339), html.EscapeString(audience), at.String())
}

// ---------------------------------------------------------------- ADFS

type fedADFS struct {
	*httptest.Server
	log      fedRequestLog
	EntityID string
	Users    map[string]string
	// Audience is the service provider entity id tokens are issued for.
	Audience string
}

func newFedADFS(audience string) *fedADFS {
	a := &fedADFS{Users: map[string]string{`EXAMPLE\alice`: "wonderland"}, Audience: audience}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /adfs/services/trust/13/usernamemixed", a.rst)
	a.Server = httptest.NewServer(mux)
	a.EntityID = a.URL + "/adfs/services/trust"
	return a
}

func (a *fedADFS) URLTrust() string { return a.URL + "/adfs/services/trust/13/usernamemixed" }

func (a *fedADFS) fault(w http.ResponseWriter, subcode, reason string) {
	w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `<s:Envelope xmlns:s="%s" xmlns:a="%s"><s:Header><a:Action s:mustUnderstand="1">http://www.w3.org/2005/08/addressing/soap/fault</a:Action></s:Header>`+
		`<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value xmlns:a="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">%s</s:Value></s:Subcode></s:Code>`+
		`<s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`,
		fedNSSOAP12, fedNSWSA, subcode, html.EscapeString(reason))
}

func (a *fedADFS) rst(w http.ResponseWriter, r *http.Request) {
	body := a.log.record(r)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/soap+xml") {
		http.Error(w, "unsupported media type", http.StatusUnsupportedMediaType)
		return
	}
	doc, err := fedParse(body)
	if err != nil || doc.Root().Tag != "Envelope" || doc.Root().NamespaceURI() != fedNSSOAP12 {
		a.fault(w, "a:InvalidRequest", "not a SOAP 1.2 envelope")
		return
	}
	name, pw := fedFind(doc.Root(), fedNSWSSE, "Username"), fedFind(doc.Root(), fedNSWSSE, "Password")
	if name == nil || pw == nil || a.Users[name.Text()] == "" || a.Users[name.Text()] != pw.Text() {
		a.fault(w, "a:FailedAuthentication", "MSIS3127: The specified request failed.")
		return
	}
	rst := fedFind(doc.Root(), fedNSTrust, "RequestSecurityToken")
	addr := fedFind(rst, fedNSWSA, "Address")
	if rst == nil || addr == nil || addr.Text() != a.Audience {
		a.fault(w, "a:InvalidRequest", "MSIS7007: The requested relying party trust is unspecified or unsupported.")
		return
	}
	now := time.Now().UTC()
	w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
	fmt.Fprintf(w, `<s:Envelope xmlns:s="%[1]s" xmlns:a="%[2]s"><s:Header><a:Action s:mustUnderstand="1">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal</a:Action></s:Header>`+
		`<s:Body><trust:RequestSecurityTokenResponseCollection xmlns:trust="%[3]s"><trust:RequestSecurityTokenResponse>`+
		`<trust:Lifetime><wsu:Created xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">%[4]s</wsu:Created></trust:Lifetime>`+
		`<wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><wsa:EndpointReference xmlns:wsa="%[2]s"><wsa:Address>%[5]s</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>`+
		`<trust:RequestedSecurityToken><saml:Assertion xmlns:saml="%[6]s" MajorVersion="1" MinorVersion="1" AssertionID="_%[7]s" Issuer="%[8]s" IssueInstant="%[4]s">`+
		`<saml:AttributeStatement><saml:Subject><saml:NameIdentifier>%[9]s</saml:NameIdentifier></saml:Subject>`+
		`<saml:Attribute AttributeName="upn" AttributeNamespace="http://schemas.xmlsoap.org/ws/2005/05/identity/claims"><saml:AttributeValue>%[9]s</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>`+
		`<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>%[10]s</ds:SignatureValue></ds:Signature>`+
		`</saml:Assertion></trust:RequestedSecurityToken>`+
		`<trust:TokenType>urn:oasis:names:tc:SAML:1.0:assertion</trust:TokenType><trust:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</trust:KeyType>`+
		`</trust:RequestSecurityTokenResponse></trust:RequestSecurityTokenResponseCollection></s:Body></s:Envelope>`,
		fedNSSOAP12, fedNSWSA, fedNSTrust, now.Format(time.RFC3339), html.EscapeString(a.Audience), fedNSSAML1, fedRandom(),
		html.EscapeString(a.EntityID), html.EscapeString(name.Text()), base64.StdEncoding.EncodeToString([]byte(fedRandom())))
}

// ---------------------------------------------------------------- Keystone

// fedKeystone is a Keystone whose federated auth URL sits behind a SAML
// service provider and an OpenID Connect relying party, as Apache with
// mod_shib and mod_auth_openidc would put it.
type fedKeystone struct {
	*httptest.Server
	log fedRequestLog

	// IDP is the identity provider id Keystone knows.
	IDP string
	// OIDC introspects Bearer tokens for the "openid" protocol.
	OIDC *fedOIDC
	// Trusted are the SAML issuers (entity ids) the service provider
	// accepts assertions from.
	Trusted map[string]bool
	// HeaderRemoteID is the X-Ks-Fed-Idp value of the "mapped" protocol.
	HeaderRemoteID string
	// EntityID is the service provider's SAML entity id.
	EntityID string
	// DirectToken makes the ECP consumer service answer with the token
	// instead of a redirect (some service providers do).
	DirectToken bool
	// ServiceProviders are the K2K service providers of this Keystone as
	// an identity provider: id → {sp_url, auth_url}.
	ServiceProviders map[string][2]string

	mu         sync.Mutex
	n          int
	tokens     map[string]fedToken
	sessions   map[string]string // Shibboleth session cookie → user
	relayState map[string]string // relay state → protected URL
}

type fedToken struct {
	user, idp, protocol string
	methods             []string
	project             string
}

func newFedKeystone() *fedKeystone {
	k := &fedKeystone{IDP: "myidp", Trusted: map[string]bool{}, HeaderRemoteID: "https://idp.test/myidp",
		ServiceProviders: map[string][2]string{}, tokens: map[string]fedToken{}, sessions: map[string]string{}, relayState: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v3/{$}", func(w http.ResponseWriter, r *http.Request) {
		fedJSON(w, http.StatusOK, map[string]any{"version": map[string]any{"id": "v3.14", "status": "stable",
			"links": []map[string]string{{"rel": "self", "href": k.URL + "/v3/"}}}})
	})
	for _, m := range []string{"GET", "POST"} {
		mux.HandleFunc(m+" /v3/OS-FEDERATION/identity_providers/{idp}/protocols/{protocol}/auth", k.federatedAuth)
	}
	mux.HandleFunc("POST /Shibboleth.sso/SAML2/ECP", k.ecpConsumer)
	mux.HandleFunc("POST /Shibboleth.sso/ADFS", k.adfsConsumer)
	mux.HandleFunc("POST /v3/auth/tokens", k.issueToken)
	mux.HandleFunc("POST /v3/auth/OS-FEDERATION/saml2/ecp", k.ecpAssertion)
	k.Server = httptest.NewServer(mux)
	k.EntityID = k.URL + "/shibboleth"
	return k
}

func (k *fedKeystone) AuthURL() string { return k.URL + "/v3" }

// IdPEntityID is this Keystone's own entity id as a K2K identity provider.
func (k *fedKeystone) IdPEntityID() string { return k.URL + "/v3/OS-FEDERATION/saml2/idp" }

func (k *fedKeystone) ECPConsumer() string { return k.URL + "/Shibboleth.sso/SAML2/ECP" }

func fedKeystoneError(w http.ResponseWriter, status int, title, msg string) {
	fedJSON(w, status, map[string]any{"error": map[string]any{"code": status, "title": title, "message": msg}})
}

func (k *fedKeystone) writeToken(w http.ResponseWriter, t fedToken) {
	k.mu.Lock()
	k.n++
	id := fmt.Sprintf("ks-%d-%s", k.n, fedRandom())
	k.tokens[id] = t
	sps := make([]map[string]string, 0, len(k.ServiceProviders))
	for _, sp := range slices.Sorted(maps.Keys(k.ServiceProviders)) {
		sps = append(sps, map[string]string{"id": sp, "sp_url": k.ServiceProviders[sp][0], "auth_url": k.ServiceProviders[sp][1]})
	}
	k.mu.Unlock()
	now := time.Now().UTC()
	user := map[string]any{"id": "u-" + t.user, "name": t.user, "domain": map[string]string{"id": "d-fed", "name": "federated"}}
	if t.idp != "" {
		user["OS-FEDERATION"] = map[string]any{"identity_provider": map[string]string{"id": t.idp},
			"protocol": map[string]string{"id": t.protocol}, "groups": []map[string]string{{"id": "g-fed"}}}
	} else {
		user["domain"] = map[string]string{"id": "default", "name": "Default"}
	}
	tok := map[string]any{"methods": t.methods, "user": user, "audit_ids": []string{"a" + id},
		"expires_at": now.Add(time.Hour).Format("2006-01-02T15:04:05.000000Z"), "issued_at": now.Format("2006-01-02T15:04:05.000000Z")}
	if t.project != "" {
		tok["project"] = map[string]any{"id": t.project, "name": strings.TrimPrefix(t.project, "p-"), "domain": map[string]string{"id": "default", "name": "Default"}}
		tok["roles"] = []map[string]string{{"id": "r-member", "name": "member"}}
		tok["catalog"] = []map[string]any{{"id": "s1", "type": "identity", "name": "keystone", "endpoints": []map[string]string{
			{"id": "e1", "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": k.URL + "/v3"}}}}
		if len(sps) > 0 {
			tok["service_providers"] = sps
		}
	}
	w.Header().Set("X-Subject-Token", id)
	fedJSON(w, http.StatusCreated, map[string]any{"token": tok})
}

func (k *fedKeystone) token(id string) (fedToken, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	t, ok := k.tokens[id]
	return t, ok
}

func (k *fedKeystone) federatedAuth(w http.ResponseWriter, r *http.Request) {
	k.log.record(r)
	idp, protocol := r.PathValue("idp"), r.PathValue("protocol")
	if idp != k.IDP {
		fedKeystoneError(w, http.StatusNotFound, "Not Found", "Could not find Identity Provider: "+idp)
		return
	}
	login := func(user string) {
		k.writeToken(w, fedToken{user: user, idp: idp, protocol: protocol, methods: []string{protocol}})
	}
	switch protocol {
	case "openid": // mod_auth_openidc in front validates the Bearer token
		at, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if user, known := k.OIDC.Subject(at); ok && known {
			login(user)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "invalid token", http.StatusUnauthorized)
	case "saml2": // mod_shib in front
		if c, err := r.Cookie("_shibsession_keystone"); err == nil {
			k.mu.Lock()
			user, ok := k.sessions[c.Value]
			k.mu.Unlock()
			if ok {
				login(user)
				return
			}
		}
		if strings.Contains(r.Header.Get("Accept"), fedPAOS) && strings.Contains(r.Header.Get("PAOS"), fedNSECP) {
			k.paosRequest(w, r)
			return
		}
		// A browser would be sent to the IdP; Keystone alone says 401.
		fedKeystoneError(w, http.StatusUnauthorized, "Unauthorized", "Could not find the assertion")
	case "mapped": // a trusted proxy sets the headers
		if r.Header.Get("X-Ks-Fed-Idp") != k.HeaderRemoteID {
			fedKeystoneError(w, http.StatusForbidden, "Forbidden", "the remote id does not belong to the identity provider")
			return
		}
		if u := r.Header.Get("X-Ks-Fed-User"); u != "" {
			login(u)
			return
		}
		fedKeystoneError(w, http.StatusUnauthorized, "Unauthorized", "Could not map any roles from the assertion")
	default:
		fedKeystoneError(w, http.StatusNotFound, "Not Found", "Could not find federated protocol "+protocol)
	}
}

// paosRequest is mod_shib's ECP answer: a PAOS request with an
// AuthnRequest and the relay state that brings the client back here.
func (k *fedKeystone) paosRequest(w http.ResponseWriter, r *http.Request) {
	rs := "ss:mem:" + fedRandom()
	k.mu.Lock()
	k.relayState[rs] = k.URL + r.URL.RequestURI()
	k.mu.Unlock()
	w.Header().Set("Content-Type", fedPAOS)
	fmt.Fprintf(w, `<S:Envelope xmlns:S="%[1]s"><S:Header>`+
		`<paos:Request xmlns:paos="%[2]s" S:actor="http://schemas.xmlsoap.org/soap/actor/next" S:mustUnderstand="1" responseConsumerURL="%[3]s" service="%[4]s"/>`+
		`<ecp:Request xmlns:ecp="%[4]s" IsPassive="0" S:actor="http://schemas.xmlsoap.org/soap/actor/next" S:mustUnderstand="1"><saml:Issuer xmlns:saml="%[5]s">%[6]s</saml:Issuer></ecp:Request>`+
		`<ecp:RelayState xmlns:ecp="%[4]s" S:actor="http://schemas.xmlsoap.org/soap/actor/next" S:mustUnderstand="1">%[7]s</ecp:RelayState>`+
		`</S:Header><S:Body><samlp:AuthnRequest xmlns:samlp="%[8]s" AssertionConsumerServiceURL="%[3]s" ID="_%[9]s" IssueInstant="%[10]s" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:PAOS" Version="2.0">`+
		`<saml:Issuer xmlns:saml="%[5]s">%[6]s</saml:Issuer><samlp:NameIDPolicy AllowCreate="1"/></samlp:AuthnRequest></S:Body></S:Envelope>`,
		fedNSSOAP11, fedNSPAOS, k.ECPConsumer(), fedNSECP, fedNSSAML, k.EntityID, rs, fedNSSAMLP, fedRandom(), time.Now().UTC().Format(time.RFC3339))
}

func (k *fedKeystone) openSession(w http.ResponseWriter, user string) {
	sid := fedRandom()
	k.mu.Lock()
	k.sessions[sid] = user
	k.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "_shibsession_keystone", Value: sid, Path: "/", HttpOnly: true})
}

// ecpConsumer is mod_shib's assertion consumer service for ECP (and the
// K2K sp_url): it checks the envelope the client relays and opens a
// session.
func (k *fedKeystone) ecpConsumer(w http.ResponseWriter, r *http.Request) {
	body := k.log.record(r)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), fedPAOS) {
		http.Error(w, "expected a PAOS response", http.StatusBadRequest)
		return
	}
	doc, err := fedParse(body)
	if err != nil {
		http.Error(w, "not XML", http.StatusBadRequest)
		return
	}
	if fedFind(doc.Root(), fedNSSOAP11, "Fault") != nil {
		http.Error(w, "the client gave up", http.StatusBadRequest)
		return
	}
	if fedFind(doc.Root(), fedNSECP, "Response") != nil {
		http.Error(w, "the IdP's ecp:Response header must be replaced by the relay state", http.StatusBadRequest)
		return
	}
	resp := fedFind(doc.Root(), fedNSSAMLP, "Response")
	assertion := fedFind(resp, fedNSSAML, "Assertion")
	if resp == nil || assertion == nil || fedFind(assertion, "http://www.w3.org/2000/09/xmldsig#", "Signature") == nil {
		http.Error(w, "no signed assertion", http.StatusBadRequest)
		return
	}
	issuer := fedFind(assertion, fedNSSAML, "Issuer").Text()
	if !k.Trusted[issuer] {
		http.Error(w, "untrusted issuer "+issuer, http.StatusForbidden)
		return
	}
	if d := resp.SelectAttrValue("Destination", ""); d != k.ECPConsumer() {
		http.Error(w, "wrong destination "+d, http.StatusForbidden)
		return
	}
	// The relay state: the one this SP handed out (solicited), or none
	// known (unsolicited, as a K2K identity provider sends).
	target := k.URL + "/v3/OS-FEDERATION/identity_providers/" + k.IDP + "/protocols/saml2/auth"
	if rs := fedFind(doc.Root(), fedNSECP, "RelayState"); rs != nil {
		k.mu.Lock()
		t, ok := k.relayState[rs.Text()]
		delete(k.relayState, rs.Text())
		k.mu.Unlock()
		switch {
		case ok:
			target = t
		case resp.SelectAttrValue("InResponseTo", "") != "":
			http.Error(w, "unknown relay state for a solicited response", http.StatusBadRequest)
			return
		}
	} else if resp.SelectAttrValue("InResponseTo", "") != "" {
		http.Error(w, "a solicited response without relay state", http.StatusBadRequest)
		return
	}
	user := fedFind(assertion, fedNSSAML, "NameID").Text()
	if k.DirectToken {
		k.writeToken(w, fedToken{user: user, idp: k.IDP, protocol: "saml2", methods: []string{"saml2"}})
		return
	}
	k.openSession(w, user)
	http.Redirect(w, r, target, http.StatusFound)
}

// adfsConsumer is mod_shib's WS-Federation handler.
func (k *fedKeystone) adfsConsumer(w http.ResponseWriter, r *http.Request) {
	body := k.log.record(r)
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("wa") != "wsignin1.0" {
		http.Error(w, "not a wsignin1.0", http.StatusBadRequest)
		return
	}
	doc, err := fedParse([]byte(form.Get("wresult")))
	if err != nil {
		http.Error(w, "wresult is not XML", http.StatusBadRequest)
		return
	}
	if root := doc.Root(); root.Tag != "RequestSecurityTokenResponse" || root.NamespaceURI() != fedNSTrust5 {
		http.Error(w, "wresult is not a WS-Trust 2005/02 RequestSecurityTokenResponse", http.StatusBadRequest)
		return
	}
	assertion := fedFind(doc.Root(), fedNSSAML1, "Assertion")
	if assertion == nil || !k.Trusted[assertion.SelectAttrValue("Issuer", "")] {
		http.Error(w, "no assertion of a trusted issuer", http.StatusForbidden)
		return
	}
	k.openSession(w, fedFind(assertion, fedNSSAML1, "NameIdentifier").Text())
	http.Redirect(w, r, "/", http.StatusFound)
}

// issueToken is POST /v3/auth/tokens: password (alice/wonderland) or
// token, scoped to project p-demo ("demo") or unscoped.
func (k *fedKeystone) issueToken(w http.ResponseWriter, r *http.Request) {
	body := k.log.record(r)
	var req struct {
		Auth struct {
			Identity struct {
				Methods  []string `json:"methods"`
				Password struct {
					User struct {
						Name     string `json:"name"`
						Password string `json:"password"`
					} `json:"user"`
				} `json:"password"`
				Token struct {
					ID string `json:"id"`
				} `json:"token"`
			} `json:"identity"`
			Scope json.RawMessage `json:"scope"` // an object, or "unscoped"
		} `json:"auth"`
	}
	var scope struct {
		Project struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"project"`
	}
	err := json.Unmarshal(body, &req)
	if err == nil && len(req.Auth.Scope) > 0 && req.Auth.Scope[0] == '{' {
		err = json.Unmarshal(req.Auth.Scope, &scope)
	}
	if err != nil {
		fedKeystoneError(w, http.StatusBadRequest, "Bad Request", err.Error())
		return
	}
	var t fedToken
	id := req.Auth.Identity
	switch {
	case slices.Equal(id.Methods, []string{"password"}) && id.Password.User.Name == "alice" && id.Password.User.Password == "wonderland":
		t = fedToken{user: "alice", methods: []string{"password"}}
	case slices.Equal(id.Methods, []string{"token"}):
		old, ok := k.token(id.Token.ID)
		if !ok {
			fedKeystoneError(w, http.StatusNotFound, "Not Found", "Could not find token")
			return
		}
		t = old
		// Keystone lists the token method first.
		t.methods = slices.Clone(old.methods)
		if !slices.Contains(t.methods, "token") {
			t.methods = append([]string{"token"}, t.methods...)
		}
	default:
		fedKeystoneError(w, http.StatusUnauthorized, "Unauthorized", "The request you have made requires authentication.")
		return
	}
	switch p := scope.Project; {
	case p.ID == "p-demo" || p.Name == "demo":
		t.project = "p-demo"
	case p.ID != "" || p.Name != "":
		fedKeystoneError(w, http.StatusUnauthorized, "Unauthorized", "no role on project "+p.ID+p.Name)
		return
	}
	k.writeToken(w, t)
}

// ecpAssertion is Keystone as a K2K identity provider: an ECP envelope
// with an assertion about a project-scoped token's user, for a service
// provider.
func (k *fedKeystone) ecpAssertion(w http.ResponseWriter, r *http.Request) {
	body := k.log.record(r)
	var req struct {
		Auth struct {
			Identity struct {
				Token struct {
					ID string `json:"id"`
				} `json:"token"`
			} `json:"identity"`
			Scope struct {
				ServiceProvider struct {
					ID string `json:"id"`
				} `json:"service_provider"`
			} `json:"scope"`
		} `json:"auth"`
	}
	_ = json.Unmarshal(body, &req)
	t, ok := k.token(req.Auth.Identity.Token.ID)
	if !ok {
		fedKeystoneError(w, http.StatusNotFound, "Not Found", "Could not find token")
		return
	}
	if t.project == "" {
		fedKeystoneError(w, http.StatusForbidden, "Forbidden", "Use a project scoped token when attempting to create a SAML assertion")
		return
	}
	k.mu.Lock()
	sp, ok := k.ServiceProviders[req.Auth.Scope.ServiceProvider.ID]
	k.mu.Unlock()
	if !ok {
		fedKeystoneError(w, http.StatusNotFound, "Not Found", "Could not find Service Provider")
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-sp-url", sp[0])
	w.Header().Set("X-auth-url", sp[1])
	fmt.Fprintf(w, `<?xml version='1.0' encoding='UTF-8'?>
<ns0:Envelope xmlns:ns0="%s" xmlns:ns1="%s"><ns0:Header><ns1:RelayState ns0:actor="http://schemas.xmlsoap.org/soap/actor/next" ns0:mustUnderstand="1">ss:mem:%s</ns1:RelayState></ns0:Header><ns0:Body>%s</ns0:Body></ns0:Envelope>`,
		fedNSSOAP11, fedNSECP, fedRandom(), samlResponse(k.IdPEntityID(), sp[0], sp[0], "", t.user,
			map[string]string{"openstack_user": t.user, "openstack_project": strings.TrimPrefix(t.project, "p-"), "openstack_roles": "member"}))
}
