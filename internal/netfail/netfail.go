package netfail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"syscall"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// Cause drops net/http's *url.Error, whose text repeats the method
// and the URL (with its query unmasked) that TransportError already has.
func Cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Kind maps a transport failure onto the error kinds.
func Kind(err error) *apierror.Kind {
	var (
		netErr   net.Error
		certErr  *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		recordEr tls.RecordHeaderError
		alert    tls.AlertError
	)
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &hostErr),
		errors.As(err, &invalid), errors.As(err, &recordEr), errors.As(err, &alert):
		return apierror.ErrSSL
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return apierror.ErrTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return apierror.ErrConnectionRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apierror.ErrUnknownConnection
	}
	return apierror.ErrUnknownConnection
}
