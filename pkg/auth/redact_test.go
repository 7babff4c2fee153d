package auth

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/internal/secrettest"
)

// Every plugin of the registry, built with a distinct value for each of
// its secret options, prints, logs and encodes without any of them.
func TestNoSecretInFormatting(t *testing.T) {
	for _, name := range PluginNames() {
		row, ok := minimalOptions[name]
		require.True(t, ok, "%s: give it minimal options in registry_test.go", name)
		var secretDests []string
		for _, spec := range Options(name) {
			if spec.Secret {
				secretDests = append(secretDests, spec.Dest)
			}
		}
		opts, secrets := secrettest.Markers(name, row.opts, secretDests, func(opts map[string]string) bool {
			_, err := NewPlugin(name, opts)
			return err == nil
		})
		p, err := NewPlugin(name, opts)
		require.NoError(t, err, name)
		if len(secrets) == 0 {
			assert.NotContains(t, secrettest.Printed(t, p), "S3CRET", name)
			continue
		}
		secrettest.AssertNoSecret(t, name, p, secrets...)
		secrettest.AssertNoSecret(t, name+" (value)", reflect.ValueOf(p).Elem().Interface(), secrets...)
		assert.Contains(t, fmt.Sprintf("%+v", p), "***", name)
	}
}

// What the registry cannot build: functions, receipts and the token
// itself (the federation plugins' token sources and local sessions are
// package federation's to check).
func TestNoSecretInFormattingByHand(t *testing.T) {
	for name, tc := range map[string]struct {
		v       any
		secrets []string
	}{
		"TOTP with a generator": {&TOTP{AuthURL: "https://k/v3", UserID: "u", Passcode: "123456", PasscodeFunc: TOTPGenerator("JBSWY3DPEHPK3PXP")},
			[]string{"123456"}},
		"MultiFactor with a receipt": {&MultiFactor{AuthURL: "https://k/v3", Receipt: "receipt-value",
			Methods:    []Method{&PasswordMethod{UserID: "u", Password: "mfa-pw"}, &TOTPMethod{UserID: "u", Passcode: "654321"}},
			Additional: []Method{&ApplicationCredentialMethod{ID: "ac", Secret: "ac-secret"}, &TokenMethod{Token: "tok-id"}, &OAuth1Method{ConsumerSecret: "cs-x", AccessSecret: "as-x"}}},
			[]string{"receipt-value", "mfa-pw", "654321", "ac-secret", "tok-id", "cs-x", "as-x"}},
		"AccessInfo": {&AccessInfo{Token: "gAAAAA-token-id", AuthURL: "https://k/v3", raw: []byte(`{"token":"x"}`)}, []string{"gAAAAA-token-id"}},
		"AccessInfo v2.0": {&AccessInfo{Token: "v2-token-id", V2: &identityv2.Access{Token: identityv2.AccessToken{ID: "v2-token-id"}}},
			[]string{"v2-token-id"}},
	} {
		secrettest.AssertNoSecret(t, name, tc.v, tc.secrets...)
	}
}

func TestFormattingKeepsWhatIsNotSecret(t *testing.T) {
	p := &Password{AuthURL: "https://k/v3", UserID: "u1", Password: "pw", Scope: Scope{ProjectID: "p1"}}
	assert.Equal(t, `{https://k/v3 u1    *** {p1      false  false} false}`, fmt.Sprintf("%v", p))
	assert.Contains(t, fmt.Sprintf("%+v", p), "UserID:u1")
	assert.Contains(t, fmt.Sprintf("%#v", p), `auth.Password{AuthURL:"https://k/v3", UserID:"u1"`)
	assert.Contains(t, fmt.Sprintf("%#v", p), `Password:"***"`)
	data, err := json.Marshal(p)
	require.NoError(t, err)
	var decoded map[string]any
	require.NoError(t, json.Unmarshal(data, &decoded))
	assert.Equal(t, "u1", decoded["UserID"])
	assert.Equal(t, "***", decoded["Password"])
	assert.Contains(t, fmt.Sprintf("%+v", &Password{}), "Password: ", "an unset secret shows as empty")
}
