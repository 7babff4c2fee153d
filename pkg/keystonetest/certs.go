package keystonetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"time"
)

// certificates are the PEM certificates the server answers on
// /v2.0/certificates/ca and /v2.0/certificates/signing: a self-signed CA
// and a signing certificate it issued, made when the server starts.
type certificates struct {
	caPEM, signingPEM string
}

func newCertificates(now time.Time) (certificates, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return certificates{}, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "keystonetest CA", Organization: []string{"keystone-go"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return certificates{}, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return certificates{}, err
	}
	signKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return certificates{}, err
	}
	signTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "keystonetest token signing", Organization: []string{"keystone-go"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	signDER, err := x509.CreateCertificate(rand.Reader, signTmpl, ca, &signKey.PublicKey, caKey)
	if err != nil {
		return certificates{}, err
	}
	return certificates{
		caPEM:      string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})),
		signingPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: signDER})),
	}, nil
}
