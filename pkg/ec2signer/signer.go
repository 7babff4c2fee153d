package ec2signer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Request is the request to sign, as the EC2-style client sends it.
type Request struct {
	// Method is the HTTP method ("GET", "POST", ...).
	Method string
	// Host is host[:port] as the request addresses it (the Host header).
	Host string
	// Path is the request path; empty means "/".
	Path string
	// Params are the query parameters (or, for a form POST, the form fields).
	Params map[string]string
	// Headers are the request headers. Version 4 signs all of them.
	Headers map[string]string
	// Body is the request body (version 4 hashes it). Ignored when BodyHash is set.
	Body []byte
	// BodyHash is the hex SHA-256 of the body, for callers that have it already.
	BodyHash string
}

// Signer signs requests with one EC2 access/secret key pair, as created by
// POST /v3/users/{user_id}/credentials/OS-EC2. A Signer is safe for concurrent use.
type Signer struct {
	// AccessKey is the credential's "access".
	AccessKey string
	// SecretKey is the credential's "secret".
	SecretKey string
	// Now gives the signing time; nil means time.Now. Keystone refuses
	// signatures older than its credential.auth_ttl option (15 minutes by default).
	Now func() time.Time
}

func (s *Signer) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Signer) check(r *Request) error {
	switch {
	case s.AccessKey == "" || s.SecretKey == "":
		return fmt.Errorf("%w: access and secret key are required", ErrMalformed)
	case r == nil:
		return fmt.Errorf("%w: nil request", ErrMalformed)
	case r.Method == "":
		return fmt.Errorf("%w: no method", ErrMalformed)
	case r.Host == "":
		return fmt.Errorf("%w: no host", ErrMalformed)
	}
	return nil
}

func requestPath(r *Request) string {
	if r.Path == "" {
		return "/"
	}
	return r.Path
}

// SignV2 signs r with AWS signature version 2 (HmacSHA256). It adds the
// parameters that version needs (AWSAccessKeyId, SignatureVersion=2,
// SignatureMethod=HmacSHA256, and Timestamp unless r has Timestamp or Expires),
// drops any Signature parameter, and returns the description to send to
// POST /v3/ec2tokens. r is not modified; the returned Params are the ones the
// real request must carry, plus Signature.
func (s *Signer) SignV2(r *Request) (*Credentials, error) {
	if err := s.check(r); err != nil {
		return nil, err
	}
	params := clone(r.Params)
	delete(params, "Signature")
	params["AWSAccessKeyId"] = s.AccessKey
	params["SignatureVersion"] = "2"
	params["SignatureMethod"] = "HmacSHA256"
	_, hasTimestamp := params["Timestamp"]
	_, hasExpires := params["Expires"]
	if !hasTimestamp && !hasExpires {
		params["Timestamp"] = s.now().Format("2006-01-02T15:04:05Z")
	}
	c := &Credentials{
		Access:  s.AccessKey,
		Host:    r.Host,
		Verb:    strings.ToUpper(r.Method),
		Path:    requestPath(r),
		Params:  params,
		Headers: clone(r.Headers),
	}
	c.Signature = signatureV2(s.SecretKey, c.Verb, c.Host, c.Path, c.Params)
	return c, nil
}

// SignV4 signs r with AWS signature version 4 in the Authorization header form,
// for the given region and service (the credential scope; Keystone's ec2tokens
// accepts any, "ec2" is customary). It adds the Host header (when r has none)
// and X-Amz-Date, signs every header r has, and returns the description for
// POST /v3/ec2tokens, whose Headers include the Authorization header the real
// request must carry.
func (s *Signer) SignV4(r *Request, region, service string) (*Credentials, error) {
	c, err := s.prepareV4(r, region, service)
	if err != nil {
		return nil, err
	}
	t := s.now()
	c.Headers["X-Amz-Date"] = t.Format("20060102T150405Z")
	signed, err := signedHeaders(c.Headers)
	if err != nil {
		return nil, err
	}
	credential := s.AccessKey + "/" + scope(t, region, service)
	// Keystone reads Credential and SignedHeaders from this header, so the
	// header is in place (without its signature) before the signature is computed.
	auth := algorithmV4 + " Credential=" + credential + ", SignedHeaders=" + signed
	c.Headers["Authorization"] = auth
	if c.Signature, err = signatureV4(s.SecretKey, c); err != nil {
		return nil, err
	}
	c.Headers["Authorization"] = auth + ", Signature=" + c.Signature
	return c, nil
}

// PresignV4 signs r with AWS signature version 4 in the query-parameter
// ("presigned URL") form: the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-SignedHeaders and, when expires > 0, X-Amz-Expires parameters carry
// the authorization. The real request adds X-Amz-Signature=<Signature> to its
// query; the description for Keystone must not contain it.
func (s *Signer) PresignV4(r *Request, region, service string, expires time.Duration) (*Credentials, error) {
	c, err := s.prepareV4(r, region, service)
	if err != nil {
		return nil, err
	}
	t := s.now()
	signed, err := signedHeaders(c.Headers)
	if err != nil {
		return nil, err
	}
	delete(c.Params, "X-Amz-Signature")
	c.Params["X-Amz-Algorithm"] = algorithmV4
	c.Params["X-Amz-Credential"] = s.AccessKey + "/" + scope(t, region, service)
	c.Params["X-Amz-Date"] = t.Format("20060102T150405Z")
	c.Params["X-Amz-SignedHeaders"] = signed
	if expires > 0 {
		c.Params["X-Amz-Expires"] = strconv.FormatInt(int64(expires/time.Second), 10)
	}
	if c.Signature, err = signatureV4(s.SecretKey, c); err != nil {
		return nil, err
	}
	return c, nil
}

// prepareV4 copies r into a description with a Host header and no
// Authorization or X-Amz-Date header of the caller's.
func (s *Signer) prepareV4(r *Request, region, service string) (*Credentials, error) {
	if err := s.check(r); err != nil {
		return nil, err
	}
	if region == "" || service == "" || strings.Contains(region+service, "/") {
		return nil, fmt.Errorf("%w: region and service are required and may not contain '/'", ErrMalformed)
	}
	headers := make(map[string]string, len(r.Headers)+3)
	hasHost := false
	for k, v := range r.Headers {
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "authorization", "x-amz-date":
			continue
		case "host":
			hasHost = true
		}
		headers[k] = v
	}
	if !hasHost {
		headers["Host"] = r.Host
	}
	bodyHash := r.BodyHash
	if bodyHash == "" {
		sum := sha256.Sum256(r.Body)
		bodyHash = hex.EncodeToString(sum[:])
	}
	return &Credentials{
		Access:   s.AccessKey,
		Host:     r.Host,
		Verb:     strings.ToUpper(r.Method),
		Path:     requestPath(r),
		Params:   clone(r.Params),
		Headers:  headers,
		BodyHash: bodyHash,
	}, nil
}

// signedHeaders lists the lower-cased names of headers (all but Authorization),
// sorted and joined with ';'. Two spellings of one header are an error: the
// signature could not say which value it covers.
func signedHeaders(headers map[string]string) (string, error) {
	names := make([]string, 0, len(headers))
	for k := range headers {
		n := strings.ToLower(strings.TrimSpace(k))
		if n == "authorization" {
			continue
		}
		if slices.Contains(names, n) {
			return "", fmt.Errorf("%w: header %q given twice", ErrMalformed, n)
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ";"), nil
}

func scope(t time.Time, region, service string) string {
	return t.Format("20060102") + "/" + region + "/" + service + "/aws4_request"
}

func clone(m map[string]string) map[string]string {
	c := make(map[string]string, len(m)+4)
	for k, v := range m {
		c[k] = v
	}
	return c
}
