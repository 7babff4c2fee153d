package federation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// ADFS 2.0 and later issue SAML assertions through WS-Trust 1.3: the
// client sends a RequestSecurityToken (RST) with the user's name and
// password in a WS-Security UsernameToken to the "usernamemixed" endpoint,
// gets the assertion in a RequestSecurityTokenResponse (RSTR), and posts
// that to the service provider's WS-Federation endpoint
// (Shibboleth.sso/ADFS) as a wsignin1.0 form. The service provider opens a
// session, and its cookie gets the token from Keystone's federated auth URL.

const (
	nsWSAddressing = "http://www.w3.org/2005/08/addressing"
	nsWSSUtility   = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	nsWSSSecext    = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	nsWSTrust13    = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
	nsWSTrust2005  = "http://schemas.xmlsoap.org/ws/2005/02/trust"
	nsWSPolicy     = "http://schemas.xmlsoap.org/ws/2004/09/policy"

	wssPasswordText = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"

	// adfsTokenLifetime is how long the requested security token is asked
	// to live: it is used at once, by this login only.
	adfsTokenLifetime = 120 * time.Second
)

// ADFSPassword logs in through Microsoft ADFS with the user's name and
// password (keystoneauth's v3adfspassword). Keystone's federated auth URL
// must be protected by a service provider that accepts WS-Federation
// sign-ins (Shibboleth's ADFS handler).
type ADFSPassword struct {
	FederatedLogin
	// IdentityProviderURL is ADFS's WS-Trust 1.3 username endpoint
	// (https://adfs.example/adfs/services/trust/13/usernamemixed).
	IdentityProviderURL string
	// ServiceProviderEndpoint is where the assertion is posted
	// (https://keystone.example/Shibboleth.sso/ADFS).
	ServiceProviderEndpoint string
	// ServiceProviderEntityID is the service provider's SAML entity id,
	// which the token is requested for (AppliesTo); empty means
	// ServiceProviderEndpoint.
	ServiceProviderEntityID string
	Username                string
	Password                string
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v ADFSPassword) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v ADFSPassword) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// Authenticate runs the WS-Trust exchange, signs in at the service
// provider, fetches the token and rescopes it if Scope asks for a target.
func (p *ADFSPassword) Authenticate(ctx context.Context, client auth.Doer) (*auth.AccessInfo, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	switch {
	case p.IdentityProviderURL == "":
		return nil, missing("identity_provider_url")
	case p.ServiceProviderEndpoint == "":
		return nil, missing("service_provider_endpoint")
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
	rst, err := p.securityTokenRequest(time.Now())
	if err != nil {
		return nil, err
	}
	req, err := fedRequest(ctx, http.MethodPost, p.IdentityProviderURL, rst)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/soap+xml; charset=utf-8")
	idp, err := fedSend(hc, req)
	if err != nil {
		return nil, err
	}
	if err := idp.err(); err != nil {
		// ADFS answers bad credentials with 500 and a SOAP fault.
		if reason := adfsFault(idp.body); reason != "" {
			return nil, fmt.Errorf("%w: ADFS refused the login: %s: %w", apierror.ErrAuthorization, reason, err)
		}
		return nil, fmt.Errorf("auth: ADFS: %w", err)
	}
	wresult, err := adfsAssertion(idp.body)
	if err != nil {
		return nil, &SAMLError{Step: "ADFS", Reason: err.Error()}
	}

	form := url.Values{"wa": {"wsignin1.0"}, "wresult": {wresult}}
	req, err = fedRequest(ctx, http.MethodPost, p.ServiceProviderEndpoint, []byte(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// The answer is usually a redirect to wherever the service provider
	// likes (not the protected URL); what matters is its session cookie.
	sp, err := fedSend(hc, req)
	if err != nil {
		return nil, err
	}
	if err := sp.err(); err != nil {
		return nil, fmt.Errorf("auth: ADFS sign-in at the service provider: %w", err)
	}
	authURL := FederatedAuthURL(base, p.IdentityProvider, p.Protocol)
	u, err := url.Parse(authURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", apierror.ErrInvalidConfig, authURL, err)
	}
	if len(hc.Jar.Cookies(u)) == 0 {
		return nil, &SAMLError{Step: "service provider", Reason: fmt.Sprintf(
			"the sign-in at %s set no session cookie for %s, so the protected URL cannot be entered", p.ServiceProviderEndpoint, u.Host)}
	}
	req, err = fedRequest(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	final, err := fedSend(hc, req)
	if err != nil {
		return nil, err
	}
	a, err := final.tokenAnswer(base)
	if err != nil {
		return nil, err
	}
	return finishFederated(ctx, client, base, a, p.Scope)
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (p *ADFSPassword) CacheKey() map[string]string {
	k := p.cacheKey("v3adfspassword")
	put(k, "adfs.identity_provider_url", p.IdentityProviderURL)
	put(k, "adfs.service_provider_endpoint", p.ServiceProviderEndpoint)
	put(k, "adfs.service_provider_entity_id", p.ServiceProviderEntityID)
	put(k, "adfs.username", p.Username)
	return k
}

// CacheSecret is the password (see SecretProver).
func (p *ADFSPassword) CacheSecret() ([]byte, bool) { return []byte(p.Password), true }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// securityTokenRequest is the WS-Trust 1.3 RST: issue a bearer SAML token
// for the service provider, to the user named in the UsernameToken.
func (p *ADFSPassword) securityTokenRequest(now time.Time) ([]byte, error) {
	doc := etree.NewDocument()
	env := doc.CreateElement("s:Envelope")
	env.CreateAttr("xmlns:s", nsSOAP12)
	env.CreateAttr("xmlns:a", nsWSAddressing)
	env.CreateAttr("xmlns:u", nsWSSUtility)

	header := env.CreateElement("s:Header")
	action := header.CreateElement("a:Action")
	action.CreateAttr("s:mustUnderstand", "1")
	action.SetText(nsWSTrust13 + "/RST/Issue")
	header.CreateElement("a:MessageID").SetText("urn:uuid:" + randomHex(16))
	header.CreateElement("a:ReplyTo").CreateElement("a:Address").SetText("http://www.w3.org/2005/08/addressing/anonymous")
	to := header.CreateElement("a:To")
	to.CreateAttr("s:mustUnderstand", "1")
	to.SetText(p.IdentityProviderURL)

	security := header.CreateElement("o:Security")
	security.CreateAttr("xmlns:o", nsWSSSecext)
	security.CreateAttr("s:mustUnderstand", "1")
	timestamp := security.CreateElement("u:Timestamp")
	timestamp.CreateAttr("u:Id", "_0")
	const stamp = "2006-01-02T15:04:05.000Z"
	timestamp.CreateElement("u:Created").SetText(now.UTC().Format(stamp))
	timestamp.CreateElement("u:Expires").SetText(now.UTC().Add(adfsTokenLifetime).Format(stamp))
	user := security.CreateElement("o:UsernameToken")
	user.CreateAttr("u:Id", "uuid-"+randomHex(16)+"-1")
	user.CreateElement("o:Username").SetText(p.Username)
	pw := user.CreateElement("o:Password")
	pw.CreateAttr("Type", wssPasswordText)
	pw.SetText(p.Password)

	body := env.CreateElement("s:Body")
	rst := body.CreateElement("trust:RequestSecurityToken")
	rst.CreateAttr("xmlns:trust", nsWSTrust13)
	applies := rst.CreateElement("wsp:AppliesTo")
	applies.CreateAttr("xmlns:wsp", nsWSPolicy)
	epr := applies.CreateElement("wsa:EndpointReference")
	epr.CreateAttr("xmlns:wsa", nsWSAddressing)
	audience := p.ServiceProviderEntityID
	if audience == "" {
		audience = p.ServiceProviderEndpoint
	}
	epr.CreateElement("wsa:Address").SetText(audience)
	rst.CreateElement("trust:KeyType").SetText(nsWSTrust13 + "/Bearer")
	rst.CreateElement("trust:RequestType").SetText(nsWSTrust13 + "/Issue")
	rst.CreateElement("trust:TokenType").SetText("urn:oasis:names:tc:SAML:1.0:assertion")
	return doc.WriteToBytes()
}

// adfsFault is the reason of a SOAP 1.2 fault (its subcode, as ADFS puts
// "a:FailedAuthentication" there; else its text), or "".
func adfsFault(body []byte) string {
	doc, err := parseSOAP(body, nsSOAP12)
	if err != nil {
		return ""
	}
	fault := soapChild(soapChild(doc.Root(), nsSOAP12, "Body"), nsSOAP12, "Fault")
	if fault == nil {
		return ""
	}
	code := soapChild(fault, nsSOAP12, "Code")
	if v := soapChild(soapChild(code, nsSOAP12, "Subcode"), nsSOAP12, "Value"); v != nil && strings.TrimSpace(v.Text()) != "" {
		return strings.TrimSpace(v.Text())
	}
	if t := soapChild(soapChild(fault, nsSOAP12, "Reason"), nsSOAP12, "Text"); t != nil {
		return strings.TrimSpace(t.Text())
	}
	if v := soapChild(code, nsSOAP12, "Value"); v != nil {
		return strings.TrimSpace(v.Text())
	}
	return "SOAP fault"
}

// adfsAssertion takes the RequestSecurityTokenResponse out of ADFS's
// answer, as the service provider wants it: a document of its own in the
// WS-Trust February 2005 namespace, which Shibboleth's ADFS handler reads
// (ADFS answers in the WS-Trust 1.3 one).
func adfsAssertion(body []byte) (string, error) {
	doc, err := parseSOAP(body, nsSOAP12)
	if err != nil {
		return "", fmt.Errorf("its answer: %w", err)
	}
	coll := soapChild(soapChild(doc.Root(), nsSOAP12, "Body"), nsWSTrust13, "RequestSecurityTokenResponseCollection")
	rstr := soapChild(coll, nsWSTrust13, "RequestSecurityTokenResponse")
	if rstr == nil {
		return "", fmt.Errorf("no trust:RequestSecurityTokenResponse in its answer")
	}
	if len(descendants(rstr, nsWSTrust13, "RequestedSecurityToken")) == 0 {
		return "", fmt.Errorf("the RequestSecurityTokenResponse holds no RequestedSecurityToken")
	}
	out := portableCopy(rstr)
	var rewrite func(*etree.Element)
	rewrite = func(e *etree.Element) {
		for i := range e.Attr {
			if a := &e.Attr[i]; (a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns")) && a.Value == nsWSTrust13 {
				a.Value = nsWSTrust2005
			}
		}
		for _, c := range e.ChildElements() {
			rewrite(c)
		}
	}
	rewrite(out)
	d := etree.NewDocument()
	d.SetRoot(out)
	d.WriteSettings.CanonicalEndTags = true
	s, err := d.WriteToString()
	if err != nil {
		return "", err
	}
	return s, nil
}

// Options: keystoneauth's ADFSPassword loader.

var v3ADFSPasswordOptions = slices.Concat(federationOptions, []auth.OptionSpec{
	required(opt("identity-provider-url", "An Identity Provider URL, where the SAML authentication request will be sent.")),
	required(opt("service-provider-endpoint", "Service Provider's Endpoint")),
	required(opt("service-provider-entity-id", "Service Provider's SAML Entity ID")),
	required(opt("username", "Username")),
	secret(required(opt("password", "Password"))),
})

func buildV3ADFSPassword(o *auth.PluginOptions) (auth.Plugin, error) {
	f, err := federatedLogin(o)
	if err != nil {
		return nil, err
	}
	return &ADFSPassword{FederatedLogin: f, IdentityProviderURL: o.Get("identity_provider_url"),
		ServiceProviderEndpoint: o.Get("service_provider_endpoint"), ServiceProviderEntityID: o.Get("service_provider_entity_id"),
		Username: o.Get("username"), Password: o.Get("password")}, nil
}
