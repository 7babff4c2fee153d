package cloudconfig

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/keystone-go/keystone/pkg/auth"
)

// Plugin builds the auth plugin of AuthType from Auth. A missing option is
// an *Error that matches apierror.ErrMissingAuthOption and names the key
// in the cloud's file (auth.password), or the variable (OS_PASSWORD) for
// the environment's cloud.
func (c *Cloud) Plugin() (auth.Plugin, error) {
	specs, ok := pluginOptions(c.AuthType)
	if !ok {
		return nil, errorAt(c.sourceOr("auth_type"), c.Name, "unknown auth type %q", c.AuthType)
	}
	for _, s := range specs {
		if s.Required && c.Auth[s.Name] == "" {
			return nil, c.missingOption(s.Name)
		}
	}
	p, err := newPlugin(c.AuthType, c.Auth)
	if err == nil {
		return p, nil
	}
	if opt, ok := missingOptionOf(err); ok {
		e := c.missingOption(opt)
		e.Err = err
		return nil, e
	}
	if opts := badOptionsOf(err); len(opts) > 0 {
		e := errorAt(c.sourceOr("auth."+opts[0]), c.Name, "unusable with auth type %q", c.AuthType).with(err)
		keys := make([]string, len(opts))
		for i, o := range opts {
			keys[i] = c.sourceOr("auth." + o).display(c.Name)
		}
		e.Key = strings.Join(keys, ", ")
		return nil, e
	}
	e := errorAt(c.sourceOr("auth_type"), c.Name, "cannot build the %q auth plugin", c.AuthType)
	e.Err = err
	return nil, e
}

// sourceOr is where key came from, or where it would be set when it is
// not: the cloud's file, or its variable for the environment's cloud.
func (c *Cloud) sourceOr(key string) *node {
	if n := c.sources[key]; n != nil {
		return n
	}
	if c.FromEnv || c.ConfigFile == "" {
		return envNode(envName(key), "")
	}
	return &node{file: c.ConfigFile, prefix: "clouds." + c.Name, key: key}
}

// envName is the OS_* variable of a key ("auth.password" → OS_PASSWORD).
func envName(key string) string {
	if len(key) > 5 && key[:5] == "auth." {
		key = key[5:]
	}
	b := []byte("OS_" + key)
	for i := 3; i < len(b); i++ {
		if 'a' <= b[i] && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

// TLSOptions are the cloud's TLS settings for auth.WithTLS: CACert,
// Cert, Key, and Insecure when Verify is false. ok is false when the cloud
// asks for nothing but the defaults.
func (c *Cloud) TLSOptions() (o auth.TLSOptions, ok bool) {
	insecure := c.Verify != nil && !*c.Verify
	o = auth.TLSOptions{CertFile: c.Cert, KeyFile: c.Key, Insecure: insecure}
	if !insecure {
		// openstacksdk drops the CA bundle when verification is off.
		o.CAFile = c.CACert
	}
	return o, o.CAFile != "" || o.CertFile != "" || o.KeyFile != "" || o.Insecure
}

// checkTLS reads the certificate files now, so that a wrong path is an
// error naming the key that gave it rather than a failure of every request.
func (c *Cloud) checkTLS(o auth.TLSOptions) error {
	for _, f := range []struct{ key, path string }{{"cacert", o.CAFile}, {"cert", o.CertFile}, {"key", o.KeyFile}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			return errorAt(c.sourceOr(f.key), c.Name, "cannot read %s", f.path).with(err)
		}
	}
	if _, err := o.Config(); err != nil {
		key := "cert"
		switch {
		case o.CAFile != "" && strings.Contains(err.Error(), "CA"):
			key = "cacert"
		case o.CertFile == "":
			key = "key"
		}
		return errorAt(c.sourceOr(key), c.Name, "unusable TLS setting").with(err)
	}
	return nil
}

func (e *Error) with(err error) *Error {
	e.Err = err
	return e
}

// SessionOptions are the auth.Session options for the cloud's settings:
// TLS (auth.WithTLS), APITimeout (auth.WithTimeout), Interface and
// RegionName (auth.WithInterface, auth.WithRegion, for endpoint lookups
// that do not name their own). The certificate files are read to check
// them; an unreadable one is an *Error naming its key.
func (c *Cloud) SessionOptions() ([]auth.Option, error) {
	var opts []auth.Option
	if t, ok := c.TLSOptions(); ok {
		if err := c.checkTLS(t); err != nil {
			return nil, err
		}
		opts = append(opts, auth.WithTLS(t))
	}
	if c.APITimeout > 0 {
		opts = append(opts, auth.WithTimeout(c.APITimeout))
	}
	if c.Interface != "" {
		opts = append(opts, auth.WithInterface(c.Interface))
	}
	if c.RegionName != "" {
		opts = append(opts, auth.WithRegion(c.RegionName))
	}
	return opts, nil
}

// NewSession builds the auth plugin and a Session with the cloud's
// transport settings; opts come after the cloud's (see SessionOptions).
// It makes no request.
func (c *Cloud) NewSession(opts ...auth.Option) (*auth.Session, error) {
	p, err := c.Plugin()
	if err != nil {
		return nil, err
	}
	so, err := c.SessionOptions()
	if err != nil {
		return nil, err
	}
	return auth.New(p, append(so, opts...)...), nil
}

// String describes the cloud without its secrets.
func (c *Cloud) String() string {
	src := c.ConfigFile
	if c.FromEnv {
		src = Environment
	}
	return fmt.Sprintf("cloud %q (%s, auth type %s, region %q, interface %s, timeout %s)",
		c.Name, src, c.AuthType, c.RegionName, c.Interface, c.APITimeout.Round(time.Millisecond))
}
