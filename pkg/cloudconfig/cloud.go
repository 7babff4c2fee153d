package cloudconfig

import (
	"strings"
	"time"

	"github.com/keystone-go/keystone/pkg/catalog"
)

// EnvCloudName is the name of the cloud the OS_* variables make, unless
// OS_CLOUD_NAME names it otherwise.
const EnvCloudName = "envvars"

// Cloud is one cloud's configuration, resolved: files merged, the profile
// and the region applied, the environment laid over it and the auth options
// sorted out for the auth plugin, as openstacksdk and the openstack CLI
// resolve them.
type Cloud struct {
	// Name is the cloud's name in clouds.yaml, or EnvCloudName (or
	// OS_CLOUD_NAME) for the cloud made of OS_* variables.
	Name string
	// FromEnv reports that the cloud is made of OS_* variables alone.
	FromEnv bool
	// The files the cloud was read from; empty when not used.
	ConfigFile string // clouds.yaml (or OS_CLIENT_CONFIG_FILE)
	SecureFile string // secure.yaml (or OS_CLIENT_SECURE_FILE), when it has this cloud
	VendorFile string // clouds-public.yaml, when the cloud names a profile found there

	// Profile is the vendor profile the cloud is based on ("profile", or
	// the deprecated "cloud" key).
	Profile string

	// AuthType is the keystoneauth name of the auth plugin: password,
	// v3password, token, v3token, v3applicationcredential, v3totp, ...
	// (default password).
	AuthType string
	// Auth holds the auth plugin's options under keystoneauth's names
	// (auth_url, username, user_domain_name, password, project_name, ...):
	// exactly the options of AuthType that are set.
	Auth map[string]string

	// RegionName is the region chosen: the one asked for (OS_REGION_NAME or
	// WithRegion), else the first of Regions.
	RegionName string
	// Regions are the regions the cloud lists (regions, or region_name).
	Regions []string
	// Interface is the endpoint interface to use: public, internal or admin
	// (v2's publicURL, internalURL and adminURL are mapped to those).
	Interface string

	// Verify is false when server certificates must not be checked
	// (verify: false, or insecure: true), true when the configuration says
	// to check them, nil when it does not say (check them).
	Verify *bool
	// CACert is a PEM file of the certificate authorities to trust
	// (cacert, OS_CACERT, or a path given as verify). ~ is expanded.
	CACert string
	// Cert and Key are the client certificate and its key (PEM files).
	Cert string
	Key  string
	// APITimeout bounds each request (api_timeout, OS_API_TIMEOUT); zero
	// means no bound.
	APITimeout time.Duration
	// IdentityAPIVersion is identity_api_version ("3", "2.0", ...), empty
	// when not set.
	IdentityAPIVersion string

	// Config holds every other setting of the cloud, with openstacksdk's
	// key names ("compute_api_version", "networks", "identity_interface",
	// ...): strings, booleans, json.Number, []any and map[string]any. Auth
	// options are never in it.
	Config map[string]any

	// Warnings are problems that do not stop the cloud from being used: a
	// deprecated key, a profile that was not found, a CA file given
	// together with verify: false.
	Warnings []string

	// sources says where each setting came from ("auth.password",
	// "region_name", ...).
	sources map[string]*node
	// lost is a profile the cloud names that was not found.
	lost string
	// stray are auth options of other plugins that were set (by OS_*
	// variables, say) and that AuthType does not take.
	stray []string
}

// Source says where a setting of the cloud came from: the file (or
// Environment) and the key in it (or the variable). key is the name used
// in Cloud ("auth.password", "region_name", "interface", "cacert", ...).
func (c *Cloud) Source(key string) (file, name string, ok bool) {
	n := c.sources[key]
	if n == nil {
		return "", "", false
	}
	return n.where(), n.display(c.Name), true
}

// ServiceConfig is the part of a cloud's configuration about one service.
type ServiceConfig struct {
	// Interface is <service>_interface, else the cloud's Interface.
	Interface string
	// RegionName is <service>_region_name, else the cloud's RegionName.
	RegionName string
	// EndpointOverride is <service>_endpoint_override (or the older
	// <service>_endpoint): use this URL instead of the catalog's.
	EndpointOverride string
	// APIVersion is <service>_api_version.
	APIVersion string
	// ServiceName is <service>_service_name, to pick one of several
	// services of the type in the catalog.
	ServiceName string
}

// Service returns the settings for a service type ("identity", "compute",
// ...): openstacksdk's per-service keys, falling back to the cloud's own.
func (c *Cloud) Service(serviceType string) ServiceConfig {
	p := strings.ReplaceAll(serviceType, "-", "_") + "_"
	get := func(key string) string {
		s, _ := c.Config[p+key].(string)
		return s
	}
	s := ServiceConfig{
		Interface:        normalizeInterface(get("interface")),
		RegionName:       get("region_name"),
		EndpointOverride: get("endpoint_override"),
		APIVersion:       get("api_version"),
		ServiceName:      get("service_name"),
	}
	if s.Interface == "" {
		s.Interface = c.Interface
	}
	if s.RegionName == "" {
		s.RegionName = c.RegionName
	}
	if s.EndpointOverride == "" {
		s.EndpointOverride = get("endpoint")
	}
	if serviceType == "identity" && s.APIVersion == "" {
		s.APIVersion = c.IdentityAPIVersion
	}
	return s
}

// normalizeInterface maps v2's names and keystoneauth's spellings onto
// public, internal and admin.
func normalizeInterface(s string) string {
	if s == "" {
		return ""
	}
	return catalog.NormalizeInterface(s)
}
