package ec2signer_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/keystone-go/keystone/pkg/ec2signer"
)

// Sign an EC2 request with signature version 4 and build the body of
// POST /v3/ec2tokens.
func Example() {
	signer := &ec2signer.Signer{
		AccessKey: "966afbde20b84200ae4e62e09acf46b2",
		SecretKey: "89cdf9e94e2643cab35b8b8ac5a51f83",
		// A fixed clock only to make this example's output stable.
		Now: func() time.Time { return time.Date(2026, 11, 28, 21, 30, 15, 0, time.UTC) },
	}
	creds, err := signer.SignV4(&ec2signer.Request{
		Method: "GET",
		Host:   "127.0.0.1:8773",
		Path:   "/",
		Params: map[string]string{"Action": "DescribeRegions", "Version": "2016-11-15"},
	}, "RegionOne", "ec2")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := json.Marshal(map[string]any{"credentials": creds})
	fmt.Println(creds.Headers["Authorization"])
	fmt.Println(string(body))
	// The service receiving the request can check it the way Keystone does:
	// the signature, and that the request is no older than 15 minutes (by
	// the same fixed clock here; ec2signer.Verify uses time.Now).
	verifier := &ec2signer.Verifier{Now: signer.Now}
	fmt.Println(verifier.Verify("89cdf9e94e2643cab35b8b8ac5a51f83", creds))
	// Output:
	// AWS4-HMAC-SHA256 Credential=966afbde20b84200ae4e62e09acf46b2/20261128/RegionOne/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=574b9468cfea4c6c90e48479800ecb0bfd5b8767de76bd48669164c0cd3762c5
	// {"credentials":{"access":"966afbde20b84200ae4e62e09acf46b2","signature":"574b9468cfea4c6c90e48479800ecb0bfd5b8767de76bd48669164c0cd3762c5","host":"127.0.0.1:8773","verb":"GET","path":"/","params":{"Action":"DescribeRegions","Version":"2016-11-15"},"headers":{"Authorization":"AWS4-HMAC-SHA256 Credential=966afbde20b84200ae4e62e09acf46b2/20261128/RegionOne/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=574b9468cfea4c6c90e48479800ecb0bfd5b8767de76bd48669164c0cd3762c5","Host":"127.0.0.1:8773","X-Amz-Date":"20261128T213015Z"},"body_hash":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}
	// <nil>
}

// Sign an S3 request with signature version 4 and build the credentials for
// POST /v3/s3tokens.
func ExampleSigner_SignS3V4() {
	signer := &ec2signer.Signer{
		AccessKey: "AKIAIOSFODNN7EXAMPLE",
		SecretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		Now:       func() time.Time { return time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC) },
	}
	creds, headers, err := signer.SignS3V4(&ec2signer.Request{
		Method:  "GET",
		Host:    "examplebucket.s3.amazonaws.com",
		Path:    "/test.txt",
		Headers: map[string]string{"Range": "bytes=0-9"},
	}, "us-east-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(creds.Signature)
	fmt.Println(headers.Get("X-Amz-Date"))
	// Output:
	// f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41
	// 20130524T000000Z
}

// Refuse a replayed request: the signature still matches, but its time is
// outside the window.
func ExampleVerifier() {
	signed := time.Date(2026, 11, 28, 21, 30, 15, 0, time.UTC)
	signer := &ec2signer.Signer{AccessKey: "ak", SecretKey: "sk", Now: func() time.Time { return signed }}
	creds, err := signer.SignV2(&ec2signer.Request{Method: "GET", Host: "ec2.example.test", Path: "/",
		Params: map[string]string{"Action": "DescribeRegions"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	at := func(later time.Duration) *ec2signer.Verifier {
		return &ec2signer.Verifier{Now: func() time.Time { return signed.Add(later) }}
	}
	fmt.Println(at(time.Minute).Verify("sk", creds))
	fmt.Println(errors.Is(at(time.Hour).Verify("sk", creds), ec2signer.ErrStale))
	// Output:
	// <nil>
	// true
}
