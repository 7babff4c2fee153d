package redact

import (
	"bytes"
	"encoding/json"
	"io"
	"iter"
	"maps"
	"strings"
)

// The headers that carry credentials are declared here, once, and that one
// declaration decides both what the debug log masks and what a redirect to
// another origin strips (pkg/auth): a header cannot be masked and still
// travel, or stripped and still be logged. The fixed ones are those of
// Keystone and of every plugin (tokens, receipts, HTTP Basic and Bearer,
// OAuth 1.0a signatures, cookies); pkg/auth adds those a request's context
// declares.

// Removed stands in for a token's catalog in a logged body: it is no secret,
// but too long to be worth logging.
const Removed = "<removed>"

// secretHeaders are the headers whose values are credentials, and how each
// appears in the log. JSON members named like them are masked the same way
// (an EC2 signature's copy of the Authorization header, say).
var secretHeaders = map[string]func(string) string{
	"X-Auth-Token":           Hash,
	"X-Subject-Token":        Hash,
	"X-Service-Token":        Hash,
	"Openstack-Auth-Receipt": Hash,
	// Keystone 30 asks for a fresh TOTP passcode in this header before a
	// user with MFA rules changes a password or a credential.
	"Openstack-Mfa-Passcode": func(string) string { return Masked },
	// The session token of temporary AWS credentials, sent beside a
	// signature (s3tokens, ec2tokens).
	"X-Amz-Security-Token": Hash,
	"Authorization":        authorization,
	"Proxy-Authorization":  authorization,
	"Cookie":               func(string) string { return Masked },
	"Set-Cookie":           func(string) string { return Masked },
}

// secretJSONMembers are the lower-case names of secretHeaders, for JSON.
var secretJSONMembers = func() map[string]func(string) string {
	m := make(map[string]func(string) string, len(secretHeaders))
	for name, red := range secretHeaders {
		m[strings.ToLower(name)] = red
	}
	return m
}()

// SecretHeader is how a header that carries a credential appears in the
// log, and whether the header (in canonical form) is one.
func SecretHeader(canonicalName string) (func(string) string, bool) {
	red, ok := secretHeaders[canonicalName]
	return red, ok
}

// SecretHeaderNames are the canonical names of the headers that carry
// credentials.
func SecretHeaderNames() iter.Seq[string] { return maps.Keys(secretHeaders) }

// IsSecretJSONMember reports whether a lower-case JSON member name is that
// of a credential header (an EC2 signature's copy of Authorization, say).
func IsSecretJSONMember(lowerName string) bool { return secretJSONMembers[lowerName] != nil }

// authorization keeps the scheme: a Bearer token is hashed like a
// Keystone token, anything else (Basic, OAuth 1 signatures) Masked whole.
func authorization(v string) string {
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok {
		return Masked
	}
	if strings.EqualFold(scheme, "Bearer") {
		return scheme + " " + Hash(strings.TrimSpace(cred))
	}
	return scheme + " " + Masked
}

// SecretKey reports whether a JSON or form field holds a secret to mask.
func SecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, part := range []string{"password", "secret", "passcode", "passphrase", "private_key", "privatekey"} {
		if strings.Contains(k, part) {
			return true
		}
	}
	if strings.HasSuffix(k, "signature") {
		return true // signature, oauth_signature, X-Amz-Signature
	}
	switch k {
	case "blob", "access_token", "id_token", "refresh_token", "oauth_verifier",
		"assertion", "client_assertion", "device_code":
		return true
	}
	return false
}

// JSONBody returns a JSON document with every secret Masked, every token id
// hashed and a token's catalog removed, as the debug log shows bodies. It reports false for input that is not one JSON value.
func JSONBody(data []byte) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	v = redactValue("", v)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, false
	}
	return bytes.TrimRight(out.Bytes(), "\n"), true
}

func redactValue(parent string, v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			lk := strings.ToLower(k)
			switch {
			case child == nil:
			case lk == "password" && isObject(child):
				// The password method of a token request: its user has
				// the password (and names worth seeing).
				t[k] = redactValue(lk, child)
			case SecretKey(lk):
				t[k] = Masked
			case secretJSONMembers[lk] != nil && lk != "x-subject-token" && lk != "x-auth-token":
				// A copy of a credential header, such as the headers an
				// EC2 or S3 signature covers.
				if v, ok := child.(string); ok {
					t[k] = secretJSONMembers[lk](v)
				} else {
					t[k] = Masked
				}
			case lk == "token" || lk == "x-subject-token" || lk == "x-auth-token":
				switch c := child.(type) {
				case string:
					t[k] = Hash(c)
				case map[string]any:
					if id, ok := c["id"].(string); ok {
						c["id"] = Hash(id)
					}
					if _, ok := c["catalog"]; ok {
						c["catalog"] = Removed
					}
					t[k] = redactValue(lk, c)
				default:
					t[k] = redactValue(lk, c)
				}
			case lk == "servicecatalog" && parent == "access":
				t[k] = Removed
			default:
				t[k] = redactValue(lk, child)
			}
		}
		return t
	case []any:
		for i, c := range t {
			t[i] = redactValue(parent, c)
		}
		return t
	}
	return v
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}
