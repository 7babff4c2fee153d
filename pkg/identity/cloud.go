package identity

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/cloudconfig"
)

// CloudOption configures FromCloud and FromConfig.
type CloudOption func(*cloudOptions)

type cloudOptions struct {
	config  []cloudconfig.Option
	session []auth.Option
	client  []Option
	prompt  func(ctx context.Context, option, prompt string) (string, error)
}

// WithConfigOptions passes options to cloudconfig.Load: other files, an
// injected environment, a region.
func WithConfigOptions(opts ...cloudconfig.Option) CloudOption {
	return func(o *cloudOptions) { o.config = append(o.config, opts...) }
}

// WithSessionOptions adds Session options after the cloud's own (a user
// agent, a logger, auth.WithFileCache, ...).
func WithSessionOptions(opts ...auth.Option) CloudOption {
	return func(o *cloudOptions) { o.session = append(o.session, opts...) }
}

// WithClientOptions adds client options after those the cloud sets.
func WithClientOptions(opts ...Option) CloudOption {
	return func(o *cloudOptions) { o.client = append(o.client, opts...) }
}

// WithPrompt asks fn, with FromCloud's context, for a password or TOTP
// passcode the configuration leaves out (see cloudconfig.WithPrompt).
func WithPrompt(fn func(ctx context.Context, option, prompt string) (string, error)) CloudOption {
	return func(o *cloudOptions) { o.prompt = fn }
}

// FromCloud returns a Session and an Identity v3 client for a cloud of
// clouds.yaml or of the OS_* environment: name "" is the cloud OS_CLOUD
// names, else the environment's (see cloudconfig.Load for the files, the
// variables and how they combine).
//
// The Session gets the cloud's TLS settings, timeout, interface and region;
// the client the identity service's interface, region, service name and
// endpoint override (identity_interface, identity_endpoint_override, ...).
// No request is made: ctx is only handed to the WithPrompt function.
// Errors name the file, the cloud and the key (*cloudconfig.Error). A
// cloud whose auth_type is a federated one (v3oidcpassword, ...) needs
// package github.com/keystone-go/keystone/pkg/auth/federation imported.
func FromCloud(ctx context.Context, name string, opts ...CloudOption) (*auth.Session, *Client, error) {
	o := cloudOpts(opts)
	cfg := o.config
	if o.prompt != nil {
		cfg = append(cfg, cloudconfig.WithPrompt(func(option, prompt string) (string, error) {
			return o.prompt(ctx, option, prompt)
		}))
	}
	c, err := cloudconfig.Load(name, cfg...)
	if err != nil {
		return nil, nil, err
	}
	return FromConfig(c, opts...)
}

// FromConfig is FromCloud for a cloud already loaded.
func FromConfig(c *cloudconfig.Cloud, opts ...CloudOption) (*auth.Session, *Client, error) {
	o := cloudOpts(opts)
	svc := c.Service("identity")
	if v := svc.APIVersion; v != "" && major(v) != 3 {
		return nil, nil, configError(c, "identity_api_version", "version %s: keystone-go's clients speak Identity v3 (set 3, or leave it out)", v)
	}
	sess, err := c.NewSession(o.session...)
	if err != nil {
		return nil, nil, err
	}
	var copts []Option
	if svc.Interface != "" {
		copts = append(copts, WithInterface(svc.Interface))
	}
	if svc.RegionName != "" {
		copts = append(copts, WithRegion(svc.RegionName))
	}
	if svc.ServiceName != "" {
		copts = append(copts, WithServiceName(svc.ServiceName))
	}
	if svc.EndpointOverride != "" {
		copts = append(copts, WithEndpoint(svc.EndpointOverride))
	}
	client, err := NewV3(sess, append(copts, o.client...)...)
	if err != nil {
		return nil, nil, err
	}
	return sess, client, nil
}

func cloudOpts(opts []CloudOption) *cloudOptions {
	o := &cloudOptions{}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// major is the major number of "3", "3.14", "v3", "2.0".
func major(v string) int {
	v = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(v)), "v")
	n, err := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if err != nil {
		return -1
	}
	return n
}

// configError is a *cloudconfig.Error about key of cloud c.
func configError(c *cloudconfig.Cloud, key, reason string, args ...any) error {
	e := &cloudconfig.Error{File: c.ConfigFile, Cloud: c.Name, Key: key, Kind: apierror.ErrInvalidConfig,
		Reason: fmt.Sprintf(reason, args...)}
	if file, name, ok := c.Source(key); ok {
		e.File, e.Key = file, name
	}
	return e
}
