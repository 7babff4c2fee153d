package bench

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/specvalidate"
)

// BenchmarkSpecValidation is the cost of checking every exchange against
// the spec: the SDK's GET of 100 projects (as in BenchmarkListProjects)
// with no validation, and with a specvalidate.Transport that checks the
// request and the answer and fails the call on a mismatch (so every
// iteration also asserts that the fake's answer is valid).
func BenchmarkSpecValidation(b *testing.B) {
	f := newFake(b, fakeOptions{projects: listProjects})
	v, err := specvalidate.New()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		name string
		wrap func(http.RoundTripper) http.RoundTripper
	}{
		{"off", func(t http.RoundTripper) http.RoundTripper { return t }},
		{"on", func(t http.RoundTripper) http.RoundTripper { return &specvalidate.Transport{Next: t, Validator: v} }},
	} {
		b.Run(c.name, func(b *testing.B) {
			sess := auth.New(f.password(), auth.WithAccessInfo(f.access(b, time.Now().Add(time.Hour))),
				auth.WithHTTPClient(&http.Client{Transport: c.wrap(newTransport(2))}))
			client, err := identity.NewV3(sess)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu := startCPU()
			defer cpu.report(b)
			for b.Loop() {
				resp, err := client.ListProjectsWithResponse(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if resp.JSON200 == nil || len(resp.JSON200.Projects) != listProjects {
					b.Fatalf("status %d", resp.StatusCode())
				}
			}
		})
	}
}
