package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

// listProjects is the number of projects in the per-call benchmark's answer.
const listProjects = 100

// BenchmarkListProjects is the per-call overhead of an authenticated GET of
// 100 projects: the SDK (Session + generated client) against raw net/http
// decoding into the same structs. The other cases split the SDK's cost
// into its parts. Every case has its own transport (keep-alive) to the same
// in-process server, whose share of each figure is the same for all.
func BenchmarkListProjects(b *testing.B) {
	f := newFake(b, fakeOptions{projects: listProjects})
	url := f.authURL() + "/projects"
	ctx := context.Background()

	// raw: what a hand-written client does.
	b.Run("raw", func(b *testing.B) {
		c := &http.Client{Transport: newTransport(2)}
		b.ReportAllocs()
		cpu := startCPU()
		defer cpu.report(b)
		for b.Loop() {
			var list RawProjectList
			rawGET(b, ctx, c, url, &list)
			if len(list.Projects) != listProjects {
				b.Fatalf("got %d projects", len(list.Projects))
			}
		}
	})

	// sdk: identity.NewV3 over an auth.Session holding a fresh token, the
	// typed method.
	b.Run("sdk", func(b *testing.B) {
		client := sdkClient(b, f)
		b.ReportAllocs()
		cpu := startCPU()
		defer cpu.report(b)
		for b.Loop() {
			projects, err := client.ListProjects(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			if len(projects) != listProjects {
				b.Fatalf("got %d projects", len(projects))
			}
		}
	})

	// sdk-raw: the same client's raw generated method (Raw()), whole answer.
	b.Run("sdk-raw", func(b *testing.B) {
		client := sdkClient(b, f)
		b.ReportAllocs()
		cpu := startCPU()
		defer cpu.report(b)
		for b.Loop() {
			resp, err := client.Raw().ListProjectsWithResponse(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			if resp.JSON200 == nil || len(resp.JSON200.Projects) != listProjects {
				b.Fatalf("status %d", resp.StatusCode())
			}
		}
	})

	// session-only: the Session's Do with the raw decoding (no generated
	// client, no identity.Client endpoint doer).
	b.Run("session-only", func(b *testing.B) {
		sess := auth.New(f.password(), auth.WithAccessInfo(f.access(b, time.Now().Add(time.Hour))),
			auth.WithHTTPClient(&http.Client{Transport: newTransport(2)}))
		b.ReportAllocs()
		cpu := startCPU()
		defer cpu.report(b)
		for b.Loop() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				b.Fatal(err)
			}
			resp, err := sess.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var list RawProjectList
			decodeBody(b, resp, &list)
			if len(list.Projects) != listProjects {
				b.Fatalf("got %d projects", len(list.Projects))
			}
		}
	})

	// generated-only: the generated client over a bare http.Client that
	// adds the token (no Session).
	b.Run("generated-only", func(b *testing.B) {
		hc := &http.Client{Transport: newTransport(2)}
		gen, err := identityv3.NewClientWithResponses(f.authURL(), identityv3.WithHTTPClient(hc),
			identityv3.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
				req.Header.Set("X-Auth-Token", FakeToken)
				return nil
			}))
		if err != nil {
			b.Fatal(err)
		}
		benchList(b, gen)
	})

	// transport-floor: raw GET, body read and dropped: what no client can
	// go below on this machine (server included).
	b.Run("transport-floor", func(b *testing.B) {
		c := &http.Client{Transport: newTransport(2)}
		b.ReportAllocs()
		cpu := startCPU()
		defer cpu.report(b)
		for b.Loop() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("X-Auth-Token", FakeToken)
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	})
}

// sdkClient is identity.NewV3 over an auth.Session holding a fresh token,
// with a transport of its own.
func sdkClient(b *testing.B, f *fake) *identity.Client {
	sess := auth.New(f.password(), auth.WithAccessInfo(f.access(b, time.Now().Add(time.Hour))),
		auth.WithHTTPClient(&http.Client{Transport: newTransport(2)}))
	client, err := identity.NewV3(sess)
	if err != nil {
		b.Fatal(err)
	}
	return client
}

// rawGET is the hand-written client's GET: token header, status check, body
// read whole and decoded.
func rawGET(b *testing.B, ctx context.Context, c *http.Client, url string, into any) {
	if err := rawGETErr(ctx, c, url, into); err != nil {
		b.Fatal(err)
	}
}

func rawGETErr(ctx context.Context, c *http.Client, url string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", FakeToken)
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.Unmarshal(data, into)
}

func decodeBody(b *testing.B, resp *http.Response, into any) {
	data, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkListProjectsPaired makes one raw call and one SDK call (the typed
// method) per iteration, in alternating order, and times each: the two figures come
// from the same moments of the run, so load from other processes on the
// machine stretches both alike and their ratio holds.
func BenchmarkListProjectsPaired(b *testing.B) {
	f := newFake(b, fakeOptions{projects: listProjects})
	url := f.authURL() + "/projects"
	ctx := context.Background()
	raw := &http.Client{Transport: newTransport(2)}
	client := sdkClient(b, f)
	rawCall := func() {
		var list RawProjectList
		rawGET(b, ctx, raw, url, &list)
		if len(list.Projects) != listProjects {
			b.Fatalf("got %d projects", len(list.Projects))
		}
	}
	sdkCall := func() {
		projects, err := client.ListProjects(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(projects) != listProjects {
			b.Fatalf("got %d projects", len(projects))
		}
	}
	var rawT, sdkT time.Duration
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			t0 := time.Now()
			rawCall()
			t1 := time.Now()
			sdkCall()
			rawT, sdkT = rawT+t1.Sub(t0), sdkT+time.Since(t1)
		} else {
			t0 := time.Now()
			sdkCall()
			t1 := time.Now()
			rawCall()
			sdkT, rawT = sdkT+t1.Sub(t0), rawT+time.Since(t1)
		}
		i++
	}
	b.ReportMetric(float64(rawT.Nanoseconds())/float64(b.N), "raw-ns/call")
	b.ReportMetric(float64(sdkT.Nanoseconds())/float64(b.N), "sdk-ns/call")
	b.ReportMetric(float64(sdkT)/float64(rawT), "sdk/raw")
}
