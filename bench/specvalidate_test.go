package bench

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/keystone-go/keystone/gen/identityv3"
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
	v, err := specvalidate.Default()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("off", func(b *testing.B) { benchSDKList(b, f, newTransport(2)) })
	b.Run("on", func(b *testing.B) {
		benchSDKList(b, f, &specvalidate.Transport{Next: newTransport(2), Validator: v})
	})
}

// benchSDKList measures identity.NewV3 over an auth.Session holding a
// fresh token, listing the fake's projects through transport.
func benchSDKList(b *testing.B, f *fake, transport http.RoundTripper) {
	sess := auth.New(f.password(), auth.WithAccessInfo(f.access(b, time.Now().Add(time.Hour))),
		auth.WithHTTPClient(&http.Client{Transport: transport}))
	client, err := identity.NewV3(sess)
	if err != nil {
		b.Fatal(err)
	}
	benchList(b, client.Raw())
}

// projectLister is the generated client, bare or within identity.Client.
type projectLister interface {
	ListProjectsWithResponse(ctx context.Context, params *identityv3.ListProjectsParams,
		reqEditors ...identityv3.RequestEditorFn) (*identityv3.ListProjectsResponse, error)
}

// benchList measures listing the fake's projects with c.
func benchList(b *testing.B, c projectLister) {
	ctx := context.Background()
	b.ReportAllocs()
	cpu := startCPU()
	defer cpu.report(b)
	for b.Loop() {
		resp, err := c.ListProjectsWithResponse(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if resp.JSON200 == nil || len(resp.JSON200.Projects) != listProjects {
			b.Fatalf("status %d", resp.StatusCode())
		}
	}
}
