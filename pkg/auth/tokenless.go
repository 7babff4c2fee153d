package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/keystone-go/keystone/pkg/catalog"
)

// TokenlessAuth authenticates each request with the caller's X.509 client
// certificate instead of a token (keystoneauth's v3tokenlessauth). Keystone
// maps the certificate to a user through the [tokenless_auth] protocol's
// mapping, and takes the scope from request headers: X-Project-Id, or
// X-Project-Name with X-Project-Domain-Id or X-Project-Domain-Name, or
// X-Domain-Id or X-Domain-Name.
//
// The plugin sends nothing itself: its access carries no token, the
// Session adds the scope headers to every request (DecorateRequest), and
// the certificate is presented by the Session's HTTP client — configure
// it with WithHTTPClient and a tls.Config holding the certificate. (When
// a TLS-terminating proxy sits in front of Keystone, it is the proxy that
// hands the certificate's details on.) Identity requests go to AuthURL,
// which must be the versioned URL (".../v3"); there is no catalog.
type TokenlessAuth struct {
	AuthURL string
	// Scope is a project (ProjectID, or ProjectName with its domain) or a
	// domain (DomainID or DomainName); nothing else applies.
	Scope Scope
}

// Authenticate checks the scope and returns access without a token.
func (p *TokenlessAuth) Authenticate(context.Context, Doer) (*AccessInfo, error) {
	if p.AuthURL == "" {
		return nil, missing("auth_url")
	}
	if _, err := p.headers(); err != nil {
		return nil, err
	}
	u := strings.TrimSuffix(p.AuthURL, "/")
	var eps []catalog.Endpoint
	for _, iface := range []string{"public", "internal", "admin"} {
		eps = append(eps, catalog.Endpoint{Interface: iface, URL: u})
	}
	return &AccessInfo{
		NoToken: true,
		AuthURL: u,
		Catalog: catalog.New([]catalog.Service{{Type: "identity", Endpoints: eps}}),
	}, nil
}

// DecorateRequest adds the scope headers (see RequestDecorator).
func (p *TokenlessAuth) DecorateRequest(req *http.Request, _ *AccessInfo) error {
	h, err := p.headers()
	if err != nil {
		return err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	return nil
}

// headers are the scope headers, in keystoneauth's order of preference.
func (p *TokenlessAuth) headers() (http.Header, error) {
	s := p.Scope
	if s.System || s.TrustID != "" || s.Unscoped {
		return nil, &ScopeError{Reason: "tokenless auth takes a project or a domain scope only"}
	}
	h := http.Header{}
	switch {
	case s.ProjectID != "":
		h.Set("X-Project-Id", s.ProjectID)
	case s.ProjectName != "":
		h.Set("X-Project-Name", s.ProjectName)
		switch {
		case s.ProjectDomainID != "":
			h.Set("X-Project-Domain-Id", s.ProjectDomainID)
		case s.ProjectDomainName != "":
			h.Set("X-Project-Domain-Name", s.ProjectDomainName)
		default:
			return nil, &ScopeError{Reason: "project " + s.ProjectName + " named without its domain (set ProjectDomainID or ProjectDomainName)"}
		}
	case s.DomainID != "":
		h.Set("X-Domain-Id", s.DomainID)
	case s.DomainName != "":
		h.Set("X-Domain-Name", s.DomainName)
	default:
		return nil, missing("project_id, project_name, domain_id or domain_name (tokenless auth needs a scope)")
	}
	return h, nil
}
