package auth

import (
	"crypto/tls"
	"net/http"

	"github.com/keystone-go/keystone/internal/transport"
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
func (o TLSOptions) Config() (*tls.Config, error) { return transport.TLS(o).Config() }

// transport clones base (an *http.Transport, or the default one) with the
// TLS configuration of o.
func (o TLSOptions) transport(base http.RoundTripper) (http.RoundTripper, error) {
	return transport.TLS(o).Transport(base)
}
