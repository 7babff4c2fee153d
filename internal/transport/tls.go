package transport

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// TLS is the implementation of pkg/auth's TLSOptions, which converts to it
// (the fields, and their order, are the same; the documentation is there).
type TLS struct {
	CAFile     string
	CAPEM      []byte
	CertFile   string
	KeyFile    string
	Insecure   bool
	ServerName string
	MinVersion uint16
}

// Config builds the tls.Config o describes.
func (o TLS) Config() (*tls.Config, error) {
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

// configError is a mistake in a client's certificate options. Its text
// keeps the words of pkg/auth, whose options it reports on.
type configError struct{ err error }

func (e *configError) Error() string { return "auth: TLS options: " + e.err.Error() }
func (e *configError) Unwrap() error { return e.err }
func (e *configError) Is(target error) bool {
	return apierror.ErrCertificateConfig.Is(target) || apierror.ErrInvalidConfig.Is(target)
}

func certError(format string, args ...any) error {
	return &configError{err: fmt.Errorf(format, args...)}
}

// Transport clones base (an *http.Transport, or the default one) with the
// TLS configuration of o.
func (o TLS) Transport(base http.RoundTripper) (http.RoundTripper, error) {
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
