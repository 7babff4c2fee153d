package keystonetest

import (
	"context"

	v2 "github.com/keystone-go/keystone/gen/identityv2server"
	"github.com/keystone-go/keystone/pkg/timestamp"
)

func (h *handlers) GetVersion(context.Context, v2.GetVersionRequestObject) (v2.GetVersionResponseObject, error) {
	updated, err := timestamp.Parse("2016-08-04T00:00:00Z")
	if err != nil {
		return nil, err
	}
	return v2.GetVersion200JSONResponse{Version: v2.Version{
		ID:      "v2.0",
		Status:  "deprecated",
		Updated: &updated,
		Links: []v2.Link{
			{Rel: new("self"), Href: h.URL() + "/"},
			{Rel: new("describedby"), Type: new("text/html"), Href: "https://docs.openstack.org/"},
		},
		MediaTypes: &[]v2.MediaType{
			{Base: new("application/json"), Type: new("application/vnd.openstack.identity-v2.0+json")},
		},
	}}, nil
}

func (h *handlers) GetCACertificate(context.Context, v2.GetCACertificateRequestObject) (v2.GetCACertificateResponseObject, error) {
	return v2.GetCACertificate200TextResponse(h.certs.caPEM), nil
}

func (h *handlers) GetSigningCertificate(context.Context, v2.GetSigningCertificateRequestObject) (v2.GetSigningCertificateResponseObject, error) {
	return v2.GetSigningCertificate200TextResponse(h.certs.signingPEM), nil
}

// extensions are the v2.0 extensions the fake serves.
var extensions = []v2.Extension{
	{
		Alias:       "OS-KSADM",
		Name:        "OpenStack Keystone Admin",
		Namespace:   new("https://docs.openstack.org/identity/api/ext/OS-KSADM/v1.0"),
		Updated:     new("2013-07-11T17:14:00-00:00"),
		Description: new("OpenStack extensions to Keystone v2.0 API enabling Administrative Operations."),
	},
	{
		Alias:       "OS-KSCRUD",
		Name:        "OpenStack Keystone User CRUD",
		Namespace:   new("https://docs.openstack.org/identity/api/ext/OS-KSCRUD/v1.0"),
		Updated:     new("2013-07-07T12:00:0-00:00"),
		Description: new("OpenStack extensions to Keystone v2.0 API enabling User Operations."),
	},
	{
		Alias:       "OS-EC2",
		Name:        "OpenStack EC2 API",
		Namespace:   new("https://docs.openstack.org/identity/api/ext/OS-EC2/v1.0"),
		Updated:     new("2013-07-07T12:00:0-00:00"),
		Description: new("OpenStack EC2 Credentials backend."),
	},
	{
		Alias:       "OS-KSEC2",
		Name:        "OpenStack EC2 user credentials",
		Namespace:   new("https://docs.openstack.org/identity/api/ext/OS-KSEC2/v1.0"),
		Description: new("The api-ref's OS-KSADM credential calls (/users/{user_id}/OS-KSADM/credentials)."),
	},
}

func extensionOut(e v2.Extension) v2.Extension {
	e.Links = &[]v2.Link{{Rel: new("describedby"), Type: new("text/html"),
		Href: "https://docs.openstack.org/api-ref/identity/v2-ext/"}}
	return e
}

func (h *handlers) ListExtensions(context.Context, v2.ListExtensionsRequestObject) (v2.ListExtensionsResponseObject, error) {
	out := make([]v2.Extension, 0, len(extensions))
	for _, e := range extensions {
		out = append(out, extensionOut(e))
	}
	return v2.ListExtensions200JSONResponse{Extensions: v2.ExtensionList_Extensions{Values: out}}, nil
}

func (h *handlers) GetExtension(_ context.Context, req v2.GetExtensionRequestObject) (v2.GetExtensionResponseObject, error) {
	for _, e := range extensions {
		if e.Alias == req.ExtensionAlias {
			return v2.GetExtension200JSONResponse{Extension: extensionOut(e)}, nil
		}
	}
	return nil, couldNotFind("extension", req.ExtensionAlias)
}
