package auth

import (
	"net/http"

	"github.com/keystone-go/keystone/pkg/catalog"
)

// RequestDecorator is implemented by plugins that authenticate each
// request by more than (or other than) X-Auth-Token: HTTP Basic
// credentials, tokenless scope headers, an OAuth 2.0 Bearer header. The
// Session calls DecorateRequest on every request it sends with the
// plugin's access, after the access is obtained and before the request
// goes out (again on the retry after a 401, with the fresh access).
// Requests a plugin itself sends to authenticate are not decorated.
type RequestDecorator interface {
	DecorateRequest(req *http.Request, a *AccessInfo) error
}

// The three functions below are the hooks session.go calls; they keep the
// plugin-specific rules here, out of the transport code.

// usableAccess reports whether what a plugin returned can be used: a
// token, or access that needs none (AccessInfo.NoToken).
func usableAccess(a *AccessInfo) bool {
	return a != nil && (a.Token != "" || a.NoToken)
}

// decorateRequest lets the plugin p add its per-request credentials to
// req, sent with access a.
func decorateRequest(p Plugin, req *http.Request, a *AccessInfo) error {
	if d, ok := p.(RequestDecorator); ok {
		return d.DecorateRequest(req, a)
	}
	return nil
}

// lookupEndpoint finds the endpoint for f: the access's endpoint override
// when it has one (plugins without a catalog), else the catalog.
func lookupEndpoint(a *AccessInfo, f catalog.Filter) (catalog.Endpoint, error) {
	if a.EndpointOverride != "" {
		iface := "public"
		if len(f.Interfaces) > 0 {
			iface = catalog.NormalizeInterface(f.Interfaces[0])
		}
		return catalog.Endpoint{URL: a.EndpointOverride, Interface: iface, Region: f.Region, RegionID: f.Region,
			ServiceType: f.ServiceType, ServiceName: f.ServiceName, ServiceID: f.ServiceID}, nil
	}
	return a.Catalog.Lookup(f)
}
