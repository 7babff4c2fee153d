package keystonetest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// SignEC2 computes an AWS signature version 2 (HmacSHA256) the way
// keystoneclient's Ec2Signer does, which is what POST /v2.0/ec2tokens
// checks. params are the request's query parameters without Signature;
// SignEC2 sets SignatureVersion and SignatureMethod in it, as the signer
// does, so send the same map as the credentials' params.
func SignEC2(secret, verb, host, path string, params map[string]string) string {
	params["SignatureVersion"] = "2"
	params["SignatureMethod"] = "HmacSHA256"
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(verb + "\n" + host + "\n" + path + "\n" + canonicalQuery(params)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// canonicalQuery is the sorted, percent-encoded query string of signature
// version 2: only unreserved characters (A-Z a-z 0-9 - _ . ~) stay as they
// are, as Python's urllib.parse.quote(safe='-_~') leaves them.
func canonicalQuery(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, awsEscape(k)+"="+awsEscape(params[k]))
	}
	return strings.Join(pairs, "&")
}

func awsEscape(s string) string {
	// url.QueryEscape escapes everything but unreserved characters and
	// turns spaces into '+'; signature version 2 wants %20 and a literal ~.
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	return strings.ReplaceAll(e, "%7E", "~")
}

// checkEC2Signature verifies a version 2 signature, retrying without the
// port in host as Keystone does for clients that sign without it. Other
// signature versions are not supported by the fake.
func checkEC2Signature(secret, signature, verb, host, path string, params map[string]string) bool {
	if params["SignatureVersion"] != "2" {
		return false
	}
	try := func(host string) bool {
		p := make(map[string]string, len(params))
		for k, v := range params {
			if k != "Signature" {
				p[k] = v
			}
		}
		want := SignEC2(secret, verb, host, path, p)
		return subtle.ConstantTimeCompare([]byte(want), []byte(signature)) == 1
	}
	if try(host) {
		return true
	}
	if h, _, ok := strings.Cut(host, ":"); ok {
		return try(h)
	}
	return false
}
