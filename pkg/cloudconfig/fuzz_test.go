package cloudconfig_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/keystone-go/keystone/pkg/cloudconfig"
)

// FuzzLoad feeds arbitrary clouds.yaml, secure.yaml and clouds.json
// contents to Load: it must return a cloud or an *Error, never panic.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"clouds.yaml", "secure.yaml", "clouds-public.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata/realworld", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, []byte(nil), false)
	}
	f.Add([]byte("clouds:\n  a:\n    auth: {auth_url: 'http://ks/{region_name}/v3', user_id: u, password: p}\n    regions: [{name: r, values: {auth: {password: q}}}]\n"),
		[]byte("clouds:\n  a:\n    auth:\n      password: {x: [1, 2]}\n"), false)
	f.Add([]byte(`{"clouds": {"a": {"auth": {"auth_url": "x", "user_id": "u", "password": "p"}, "verify": "/ca.pem"}}}`), []byte(nil), true)
	f.Add([]byte("a: &a [*a]\nclouds: {x: *a}\n"), []byte("<<: {}\n"), false)
	f.Fuzz(func(t *testing.T, clouds, secure []byte, asJSON bool) {
		dir := t.TempDir()
		name := "clouds.yaml"
		if asJSON {
			name = "clouds.json"
		}
		if err := os.WriteFile(filepath.Join(dir, name), clouds, 0o600); err != nil {
			t.Fatal(err)
		}
		if secure != nil {
			if err := os.WriteFile(filepath.Join(dir, "secure.yaml"), secure, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		opts := []cloudconfig.Option{cloudconfig.WithSearchDirs(dir), cloudconfig.WithEnv(map[string]string{})}
		names, err := cloudconfig.CloudNames(opts...)
		if err != nil {
			var e *cloudconfig.Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *Error: %T %v", err, err)
			}
			return
		}
		for _, n := range append(names, "") {
			c, err := cloudconfig.Load(n, opts...)
			if err != nil {
				var e *cloudconfig.Error
				if !errors.As(err, &e) {
					t.Fatalf("not an *Error: %T %v", err, err)
				}
				continue
			}
			_, _ = c.SessionOptions()
			_ = c.String()
		}
	})
}
