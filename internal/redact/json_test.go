package redact

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONBody(t *testing.T) {
	cases := []struct {
		name, in      string
		gone, present []string
	}{
		{"password auth",
			`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","domain":{"id":"default"},"password":"hunter2-pw"}}}}}`,
			[]string{"hunter2-pw"}, []string{`"name":"alice"`, `"password":"***"`}},
		{"token auth",
			`{"auth":{"identity":{"methods":["token"],"token":{"id":"gAAAAAtokenvalue"}}}}`,
			[]string{"gAAAAAtokenvalue"}, []string{`"id":"` + Hash("gAAAAAtokenvalue") + `"`}},
		{"totp",
			`{"auth":{"identity":{"methods":["totp"],"totp":{"user":{"id":"u","passcode":"123456"}}}}}`,
			[]string{"123456"}, []string{`"passcode":"***"`}},
		{"application credential",
			`{"application_credential":{"id":"ac","secret":"s3cr3t-value","name":"n"}}`,
			[]string{"s3cr3t-value"}, []string{`"secret":"***"`, `"name":"n"`}},
		{"credential blob",
			`{"credential":{"type":"totp","blob":"GEZDGNBVGY3TQOJQ","user_id":"u"}}`,
			[]string{"GEZDGNBVGY3TQOJQ"}, []string{`"blob":"***"`}},
		{"ec2 credential",
			`{"credential":{"access":"AK","secret":"ec2-secret"},"signature":"sig-value"}`,
			[]string{"ec2-secret", "sig-value"}, []string{`"access":"AK"`}},
		{"change password",
			`{"user":{"password":"new-pw-1","original_password":"old-pw-1"}}`,
			[]string{"new-pw-1", "old-pw-1"}, nil},
		{"oauth",
			`{"consumer":{"id":"c","secret":"consumer-secret"},"access_token":"at-1","client_secret":"cs-1","oauth_verifier":"ver-1"}`,
			[]string{"consumer-secret", "at-1", "cs-1", "ver-1"}, []string{`"id":"c"`}},
		{"v3 token catalog",
			`{"token":{"methods":["password"],"catalog":[{"type":"identity","endpoints":[{"url":"http://secret-host"}]}],"user":{"id":"u"}}}`,
			[]string{"secret-host"}, []string{`"catalog":"<removed>"`, `"user":{"id":"u"}`}},
		{"v2 token",
			`{"access":{"token":{"id":"v2-token-id","expires":"x"},"serviceCatalog":[{"type":"compute"}],"user":{"id":"u"}}}`,
			[]string{"v2-token-id", "compute"}, []string{`"serviceCatalog":"<removed>"`}},
		{"token as a string, in a list",
			`[{"token":"plain-token-str"},{"password":null}]`,
			[]string{"plain-token-str"}, []string{`"password":null`}},
		{"error code kept",
			`{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}`,
			nil, []string{`"code":401`}},
		{"numbers kept exactly",
			`{"limit":12345678901234567890,"ratio":0.1}`,
			nil, []string{`12345678901234567890`, `0.1`}},
	}
	for _, c := range cases {
		out, ok := JSONBody([]byte(c.in))
		require.True(t, ok, c.name)
		for _, g := range c.gone {
			assert.NotContains(t, string(out), g, c.name)
		}
		for _, p := range c.present {
			assert.Contains(t, string(out), p, c.name)
		}
		assert.True(t, json.Valid(out), c.name)
	}
	for _, bad := range []string{`{"password":"x"`, `{} {}`, ``, `nope`} {
		_, ok := JSONBody([]byte(bad))
		assert.False(t, ok, bad)
	}
}
