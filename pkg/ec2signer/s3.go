package ec2signer

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// S3Credentials is what Keystone's POST /v3/s3tokens reads from the
// "credentials" member of its body: the access key, the signature, and the
// string that was signed, base64url-encoded, as "token". Unlike ec2tokens,
// Keystone does not rebuild the string to sign: it trusts the caller (an S3
// front end such as Swift's s3api) to have built it from the real request.
type S3Credentials struct {
	Access    string `json:"access"`
	Signature string `json:"signature"`
	Token     string `json:"token"`
	// StringToSign is Token decoded; it is not sent.
	StringToSign string `json:"-"`
}

func s3Credentials(access, stringToSign, signature string) *S3Credentials {
	return &S3Credentials{
		Access:       access,
		Signature:    signature,
		Token:        base64.URLEncoding.EncodeToString([]byte(stringToSign)),
		StringToSign: stringToSign,
	}
}

// S3Signature computes the signature Keystone's s3tokens expects for a string
// to sign: for one that starts with "AWS4", version 4 (hex HMAC-SHA256 with the
// key derived from the scope on its third line, whose service must be s3, iam
// or sts); for any other, S3's version 2 (base64 HMAC-SHA1).
func S3Signature(secret, stringToSign string) (string, error) {
	if !strings.HasPrefix(stringToSign, "AWS4") {
		mac := hmac.New(sha1.New, []byte(secret))
		mac.Write([]byte(stringToSign))
		return base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
	}
	lines := strings.Split(stringToSign, "\n")
	if len(lines) != 4 || lines[0] != algorithmV4 {
		return "", fmt.Errorf("%w: a version 4 string to sign has 4 lines and starts with %s", ErrMalformed, algorithmV4)
	}
	scope := strings.Split(lines[2], "/")
	if len(scope) != 4 || scope[3] != "aws4_request" {
		return "", fmt.Errorf("%w: scope %q is not date/region/service/aws4_request", ErrMalformed, lines[2])
	}
	if !slices.Contains([]string{"s3", "iam", "sts"}, scope[2]) {
		return "", fmt.Errorf("%w: Keystone accepts only the services s3, iam and sts, not %q", ErrMalformed, scope[2])
	}
	return hex.EncodeToString(hmacSHA256(signingKey(secret, scope[0], scope[1], scope[2]), stringToSign)), nil
}

// s3SubResources are the query parameters that belong to S3's version 2
// canonical resource.
var s3SubResources = []string{
	"acl", "cors", "delete", "lifecycle", "location", "logging", "notification",
	"partNumber", "policy", "requestPayment", "response-cache-control",
	"response-content-disposition", "response-content-encoding",
	"response-content-language", "response-content-type", "response-expires",
	"restore", "tagging", "torrent", "uploadId", "uploads", "versionId",
	"versioning", "versions", "website",
}

// SignS3V2 signs r the way S3's version 2 ("AWS access:signature") scheme
// does: HMAC-SHA1 over the method, Content-MD5, Content-Type, Date (empty when
// an x-amz-date header is present), the x-amz-* headers and the canonical
// resource. r.Path is that resource: "/bucket/key" (path-style, also for
// virtual-hosted requests). S3 sub-resources among r.Params (acl, uploadId,
// versionId, ...) are appended. A Date header is added when r has neither Date
// nor x-amz-date; the result carries the headers to send.
func (s *Signer) SignS3V2(r *Request) (*S3Credentials, http.Header, error) {
	if err := s.check(r); err != nil {
		return nil, nil, err
	}
	headers := http.Header{}
	for k, v := range r.Headers {
		headers.Set(k, v)
	}
	if headers.Get("Date") == "" && headers.Get("X-Amz-Date") == "" {
		headers.Set("Date", s.now().Format(http.TimeFormat))
	}
	date := headers.Get("Date")
	if headers.Get("X-Amz-Date") != "" {
		date = ""
	}
	var amz []string
	for k := range headers {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-") {
			amz = append(amz, lk+":"+strings.TrimSpace(strings.Join(headers.Values(k), ","))+"\n")
		}
	}
	slices.Sort(amz)
	var sub []string
	for _, name := range s3SubResources {
		if v, ok := r.Params[name]; ok {
			if v == "" {
				sub = append(sub, name)
			} else {
				sub = append(sub, name+"="+v)
			}
		}
	}
	resource := requestPath(r)
	if len(sub) > 0 {
		resource += "?" + strings.Join(sub, "&")
	}
	sts := strings.ToUpper(r.Method) + "\n" + headers.Get("Content-MD5") + "\n" +
		headers.Get("Content-Type") + "\n" + date + "\n" + strings.Join(amz, "") + resource
	sig, err := S3Signature(s.SecretKey, sts)
	if err != nil {
		return nil, nil, err
	}
	headers.Set("Authorization", "AWS "+s.AccessKey+":"+sig)
	return s3Credentials(s.AccessKey, sts, sig), headers, nil
}

// SignS3V4 signs r with AWS signature version 4 in AWS's own canonical form
// (URI-encoded path, RFC 3986 query, trimmed header values with runs of spaces
// folded) for the service "s3" in region. It adds Host (when r has none),
// X-Amz-Date and X-Amz-Content-Sha256 (r.BodyHash, or the SHA-256 of r.Body),
// signs every header, and returns the credentials for s3tokens together with
// the headers to send, Authorization included.
func (s *Signer) SignS3V4(r *Request, region string) (*S3Credentials, http.Header, error) {
	if err := s.check(r); err != nil {
		return nil, nil, err
	}
	if region == "" || strings.Contains(region, "/") {
		return nil, nil, fmt.Errorf("%w: region is required and may not contain '/'", ErrMalformed)
	}
	t := s.now()
	headers := http.Header{}
	for k, v := range r.Headers {
		headers.Set(k, v)
	}
	headers.Del("Authorization")
	if headers.Get("Host") == "" {
		headers.Set("Host", r.Host)
	}
	payload := r.BodyHash
	if payload == "" {
		sum := sha256.Sum256(r.Body)
		payload = hex.EncodeToString(sum[:])
	}
	headers.Set("X-Amz-Date", t.Format("20060102T150405Z"))
	headers.Set("X-Amz-Content-Sha256", payload)

	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, strings.ToLower(k))
	}
	slices.Sort(names)
	var canonHeaders strings.Builder
	for _, n := range names {
		v := strings.Join(strings.Fields(strings.Join(headers.Values(n), ",")), " ")
		canonHeaders.WriteString(n + ":" + v + "\n")
	}
	signed := strings.Join(names, ";")

	// Sorted by encoded name (not by "name=value", where '=' would sort
	// "a-b" before "a").
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return strings.Compare(escape(a, false), escape(b, false)) })
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, escape(k, false)+"="+escape(r.Params[k], false))
	}

	canonical := strings.Join([]string{strings.ToUpper(r.Method), escape(requestPath(r), true),
		strings.Join(pairs, "&"), canonHeaders.String(), signed, payload}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	sc := scope(t, region, "s3")
	sts := strings.Join([]string{algorithmV4, t.Format("20060102T150405Z"), sc, hex.EncodeToString(sum[:])}, "\n")
	sig, err := S3Signature(s.SecretKey, sts)
	if err != nil {
		return nil, nil, err
	}
	headers.Set("Authorization", algorithmV4+" Credential="+s.AccessKey+"/"+sc+
		", SignedHeaders="+signed+", Signature="+sig)
	return s3Credentials(s.AccessKey, sts, sig), headers, nil
}

// VerifyS3 checks c the way Keystone's s3tokens does: it decodes the token and
// compares c.Signature with S3Signature(secret, decoded), in constant time.
func VerifyS3(secret string, c *S3Credentials) error {
	if c == nil || c.Signature == "" {
		return fmt.Errorf("%w: no signature", ErrMalformed)
	}
	sts, err := base64.URLEncoding.DecodeString(c.Token)
	if err != nil {
		return fmt.Errorf("%w: token is not base64url: %w", ErrMalformed, err)
	}
	want, err := S3Signature(secret, string(sts))
	if err != nil {
		return err
	}
	if !equal(want, c.Signature) {
		return ErrSignatureMismatch
	}
	return nil
}
