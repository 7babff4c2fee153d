package auth

import (
	"strings"
	"testing"
)

// FuzzDecodeState feeds arbitrary bytes to the state parser that reads
// exported state and cache files (which another process may have written,
// or a disk may have truncated): it must fail cleanly, never panic.
func FuzzDecodeState(f *testing.F) {
	f.Add([]byte(`{"version":1,"cache_id":"x","auth_url":"http://k/v3","token":"t","body":{"token":{"methods":["password"],"user":{"id":"u"},"expires_at":"2030-01-01T00:00:00Z","issued_at":"2029-01-01T00:00:00Z","catalog":[{"type":"identity","endpoints":[{"interface":"public","url":"http://k/v3"}]}]}}}`))
	f.Add([]byte(`{"version":1,"cache_id":"x","token":"t","body":{"token":{"expires_at":"2030-01-01T00:00:00.000000"}}}`))
	f.Add([]byte(`{"version":1,"cache_id":"x","token":"t","body":null}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := decodeState(data, "x")
		if err == nil {
			if a.Token == "" || a.ExpiresAt.IsZero() {
				t.Fatalf("accepted state without token or expiry: %q", data)
			}
			_ = a.Catalog.Len()
			_ = a.RoleNames()
			_ = a.UserDomainName()
		}
	})
}

// FuzzNewPlugin builds plugins from arbitrary options: every outcome is a
// plugin or a typed error, never a panic.
func FuzzNewPlugin(f *testing.F) {
	f.Add("v3password", "auth_url=http://k/v3;username=a;user_domain_id=default;password=p;project_name=x")
	f.Add("v3multifactor", "auth_url=u;auth_methods=v3password,,v3totp;user_id=u;password=p;passcode=1")
	f.Add("v3applicationcredential", "auth_url=u;application_credential_name=n;username=a;application_credential_secret=s")
	f.Add("password", "auth_url=u;tenant_name=t;project_name=p;user_id=u;password=p")
	f.Add("v3tokenlessauth", "auth_url=u;project_name=p")
	f.Fuzz(func(t *testing.T, name, kv string) {
		opts := map[string]string{}
		for _, pair := range strings.Split(kv, ";") {
			k, v, _ := strings.Cut(pair, "=")
			opts[k] = v
		}
		p, err := NewPlugin(name, opts)
		if (p == nil) == (err == nil) {
			t.Fatalf("NewPlugin(%q, %v) = %v, %v", name, opts, p, err)
		}
	})
}
