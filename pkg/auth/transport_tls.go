package auth

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// TLSOptions configure how a Session checks servers and presents itself, as
// keystoneauth's cacert, cert, key and insecure do.
type TLSOptions struct {
	// CAFile is a PEM bundle of the authorities to trust instead of the
	// system's (keystoneauth's cacert / OS_CACERT). CAPEM is the same,
	// given as bytes; both may be set.
	CAFile string
	CAPEM  []byte
	// CertFile and KeyFile are a client certificate and its key, in PEM
	// (OS_CERT / OS_KEY), for Keystone behind mutual TLS or the OAuth 2.0
	// mTLS and tokenless flows. KeyFile may be empty when CertFile holds both.
	CertFile string
	KeyFile  string
	// Insecure skips the verification of the server's certificate. Anyone
	// on the path can then read tokens and passwords: the Session logs a
	// warning when it is set. For tests only.
	Insecure bool
	// ServerName overrides the name the server's certificate must carry.
	ServerName string
	// MinVersion is the lowest TLS version accepted (default TLS 1.2).
	MinVersion uint16
}

// WithTLS builds the Session's transport with o: a clone of the HTTP
// client's *http.Transport (http.DefaultTransport when it has none) whose TLS
// settings are o. A file that cannot be read makes every request fail with an
// error matching apierror.ErrCertificateConfig and apierror.ErrInvalidConfig
// (see also Session.Err).
func WithTLS(o TLSOptions) Option { return func(s *Session) { s.tls = &o } }

// Config builds the tls.Config o describes.
func (o TLSOptions) Config() (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: o.ServerName, InsecureSkipVerify: o.Insecure} //nolint:gosec // Insecure is the caller's explicit, logged choice
	if o.MinVersion != 0 {
		c.MinVersion = o.MinVersion
	}
	if o.CAFile != "" || len(o.CAPEM) > 0 {
		pool := x509.NewCertPool()
		if o.CAFile != "" {
			pem, err := os.ReadFile(o.CAFile)
			if err != nil {
				return nil, certError("reading the CA file: %w", err)
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, certError("the CA file %s holds no PEM certificate", o.CAFile)
			}
		}
		if len(o.CAPEM) > 0 && !pool.AppendCertsFromPEM(o.CAPEM) {
			return nil, certError("CAPEM holds no PEM certificate")
		}
		c.RootCAs = pool
	}
	if o.CertFile != "" {
		key := o.KeyFile
		if key == "" {
			key = o.CertFile
		}
		cert, err := tls.LoadX509KeyPair(o.CertFile, key)
		if err != nil {
			return nil, certError("loading the client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	} else if o.KeyFile != "" {
		return nil, certError("a client key without its certificate (CertFile)")
	}
	return c, nil
}

// configError is a mistake in the Session's certificate options.
type configError struct{ err error }

func (e *configError) Error() string { return "auth: TLS options: " + e.err.Error() }
func (e *configError) Unwrap() error { return e.err }
func (e *configError) Is(target error) bool {
	return apierror.ErrCertificateConfig.Is(target) || apierror.ErrInvalidConfig.Is(target)
}

func certError(format string, args ...any) error {
	return &configError{err: fmt.Errorf(format, args...)}
}

// transport clones base (an *http.Transport, or the default one) with the
// TLS configuration of o.
func (o TLSOptions) transport(base http.RoundTripper) (http.RoundTripper, error) {
	if base == nil {
		base = http.DefaultTransport
	}
	t, ok := base.(*http.Transport)
	if !ok {
		return nil, &configError{err: fmt.Errorf("WithTLS needs the HTTP client's Transport to be an *http.Transport, not %T (set its TLSClientConfig yourself)", base)}
	}
	c, err := o.Config()
	if err != nil {
		return nil, err
	}
	t = t.Clone()
	t.TLSClientConfig = c
	return t, nil
}
