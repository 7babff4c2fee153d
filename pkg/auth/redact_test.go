package auth

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/keystone-go/keystone/gen/identityv2"
)

// printed is v as every formatting path shows it: fmt's verbs, slog's
// text and JSON handlers, and encoding/json.
func printed(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		fmt.Fprintf(&b, verb+"\n", v)
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", slog.Any("v", v))
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", slog.Any("v", v), "inline", v)
	b.Write(logs.Bytes())
	data, err := json.Marshal(v)
	require.NoError(t, err, "%T encodes", v)
	b.Write(data)
	return b.String()
}

// rawStrings gathers every string reachable from v, exported or not, to
// show that a value does hold the secrets a test looks for.
func rawStrings(v reflect.Value, seen map[uintptr]bool) string {
	switch v.Kind() {
	case reflect.String:
		return v.String() + "\n"
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		if v.Kind() == reflect.Pointer {
			if seen[v.Pointer()] {
				return ""
			}
			seen[v.Pointer()] = true
		}
		return rawStrings(v.Elem(), seen)
	case reflect.Struct:
		var b strings.Builder
		for i := range v.NumField() {
			b.WriteString(rawStrings(v.Field(i), seen))
		}
		return b.String()
	case reflect.Slice, reflect.Array:
		var b strings.Builder
		for i := range v.Len() {
			b.WriteString(rawStrings(v.Index(i), seen))
		}
		return b.String()
	case reflect.Map:
		var b strings.Builder
		for it := v.MapRange(); it.Next(); {
			b.WriteString(rawStrings(it.Key(), seen) + rawStrings(it.Value(), seen))
		}
		return b.String()
	}
	return ""
}

func assertNoSecret(t *testing.T, name string, v any, secrets ...string) {
	t.Helper()
	held := rawStrings(reflect.ValueOf(v), map[uintptr]bool{})
	out := printed(t, v)
	for _, s := range secrets {
		require.Contains(t, held, s, "%s: the value holds the secret, so the check means something", name)
		assert.NotContains(t, out, s, "%s shows a secret", name)
		assert.NotContains(t, strings.ToLower(out), hex.EncodeToString([]byte(s)), "%s shows a secret in hex", name)
	}
}

// Every plugin of the registry, built with a distinct value for each of
// its secret options, prints, logs and encodes without any of them.
func TestNoSecretInFormatting(t *testing.T) {
	for _, name := range PluginNames() {
		row, ok := minimalOptions[name]
		require.True(t, ok, "%s: give it minimal options in registry_test.go", name)
		opts := map[string]string{}
		for k, v := range row.opts {
			opts[k] = v
		}
		var secrets []string
		for _, spec := range Options(name) {
			if !spec.Secret {
				continue
			}
			marker := "S3CRET-" + strings.ReplaceAll(spec.Dest, "_", "-") + "-" + name
			value := marker
			if spec.Dest == "federated_headers" {
				value = "X-Ks-Fed-User: " + marker
			}
			try := map[string]string{spec.Dest: value}
			for k, v := range opts {
				if _, set := try[k]; !set {
					try[k] = v
				}
			}
			if _, err := NewPlugin(name, try); err != nil {
				continue // an option this combination cannot take (k2k takes one credential)
			}
			opts, secrets = try, append(secrets, marker)
		}
		p, err := NewPlugin(name, opts)
		require.NoError(t, err, name)
		if len(secrets) == 0 {
			assert.NotContains(t, printed(t, p), "S3CRET", name)
			continue
		}
		assertNoSecret(t, name, p, secrets...)
		assertNoSecret(t, name+" (value)", reflect.ValueOf(p).Elem().Interface(), secrets...)
		assert.Contains(t, fmt.Sprintf("%+v", p), "***", name)
	}
}

// What the registry cannot build: functions, token sources, receipts, a
// local session with a token, and the token itself.
func TestNoSecretInFormattingByHand(t *testing.T) {
	local := New(&Password{AuthURL: "https://k/v3", UserID: "u", Password: "local-pw"},
		WithAccessInfo(&AccessInfo{Token: "local-token-id"}))
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
		"OIDCAccessToken with a token source": {&OIDCAccessToken{FederatedLogin: FederatedLogin{AuthURL: "https://k/v3"},
			TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "source-access-token"})},
			[]string{"source-access-token"}},
		"OIDCPassword": {&OIDCPassword{OIDCClient: OIDCClient{ClientID: "c", ClientSecret: "oidc-client-secret"}, Username: "u", Password: "oidc-pw"},
			[]string{"oidc-client-secret", "oidc-pw"}},
		"K2K with a local session": {&Keystone2Keystone{LocalSession: local, ServiceProvider: "sp"}, []string{"local-pw", "local-token-id"}},
		"K2K with a local plugin": {&Keystone2Keystone{Local: &ApplicationCredential{ID: "ac", Secret: "k2k-secret"}, ServiceProvider: "sp"},
			[]string{"k2k-secret"}},
		"AccessInfo": {&AccessInfo{Token: "gAAAAA-token-id", AuthURL: "https://k/v3", raw: []byte(`{"token":"x"}`)}, []string{"gAAAAA-token-id"}},
		"AccessInfo v2.0": {&AccessInfo{Token: "v2-token-id", V2: &identityv2.Access{Token: identityv2.AccessToken{Id: "v2-token-id"}}},
			[]string{"v2-token-id"}},
	} {
		assertNoSecret(t, name, tc.v, tc.secrets...)
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
