// Package ec2signer signs requests with EC2 credentials the way Keystone's
// /v3/ec2tokens and /v3/s3tokens check them, so that a service speaking the
// EC2 or S3 protocol (or a test) can turn a signed request into a Keystone
// token.
//
// An EC2 credential is an access/secret key pair that Keystone keeps for a user
// and project (POST /v3/users/{user_id}/credentials/OS-EC2). A client signs its
// request with the secret; the service that receives it sends Keystone a
// description of the request with the signature, and Keystone, which knows the
// secret, recomputes the signature and answers with a token for the
// credential's project.
//
// # ec2tokens
//
// Keystone rebuilds the string to sign from the description, so the signature
// must follow Keystone's canonical form exactly (python-keystoneclient's
// Ec2Signer). [Signer.SignV2] produces AWS signature version 2 (HmacSHA256),
// [Signer.SignV4] version 4 with an Authorization header and
// [Signer.PresignV4] version 4 with X-Amz-* query parameters. Each returns the
// [Credentials] to send as the "credentials" member of the request body:
//
//	signer := &ec2signer.Signer{AccessKey: cred.Access, SecretKey: cred.Secret}
//	creds, err := signer.SignV4(&ec2signer.Request{
//		Method: "GET",
//		Host:   "ec2.example.com:8773",
//		Path:   "/",
//		Params: map[string]string{"Action": "DescribeRegions", "Version": "2016-11-15"},
//	}, "RegionOne", "ec2")
//	// POST /v3/ec2tokens {"credentials": creds} with an admin or service
//	// X-Auth-Token answers 200, the token in X-Subject-Token.
//
// Keystone's version 4 form differs slightly from AWS's: it takes the path as
// given (no second URI-encoding), only trims header values, and leaves the
// query out of a POST. [Signature] and [Verify] compute and check a signature
// the way Keystone does, for a service that wants to check a description
// itself or for tests. [Verify] also checks the request's time, as AWS and
// Keystone do: a version 2 Timestamp or version 4 X-Amz-Date more than 15
// minutes from now, or a passed Expires or X-Amz-Expires, is [ErrStale],
// so that a captured request cannot be replayed later. A [Verifier] sets
// another window or clock. [VerifyS3] checks the signature only: the time
// is inside the string the S3 front end signed, which it must judge.
//
// # s3tokens
//
// For S3 Keystone does not rebuild anything: the caller (an S3 front end such
// as Swift's s3api) sends the string it signed, base64url-encoded, as "token".
// [Signer.SignS3V2] signs S3's version 2 string (HMAC-SHA1) and
// [Signer.SignS3V4] a standard AWS version 4 string for the service "s3";
// both return the [S3Credentials] for POST /v3/s3tokens and the headers the
// real request carries. [S3Signature] and [VerifyS3] are Keystone's check.
//
// Keystone refuses version 2 timestamps and version 4 dates older than its
// credential.auth_ttl option (15 minutes by default); set [Signer.Now] only for
// reproducible signatures in tests. Depending on the Keystone (Debian's Zed
// with its security backports, for one) both token calls need an X-Auth-Token
// with the admin or service role.
package ec2signer
