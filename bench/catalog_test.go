package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
)

const catalogBase = "http://keystone.example.com:5000"

// bigCatalog is Catalog1000 built with catalog.New.
func bigCatalog() *catalog.Catalog {
	entries := CatalogEntries(Catalog1000, catalogBase)
	services := make([]catalog.Service, len(entries))
	for i, s := range entries {
		eps := make([]catalog.Endpoint, len(s.Endpoints))
		for j, e := range s.Endpoints {
			eps[j] = catalog.Endpoint{ID: *e.ID, Interface: *e.Interface, Region: *e.Region, RegionID: *e.RegionID, URL: e.URL}
		}
		services[i] = catalog.Service{ID: *s.ID, Type: *s.Type, Name: *s.Name, Endpoints: eps}
	}
	return catalog.New(services)
}

// lookups are the catalog lookups measured: the first entry, an alias, a
// region, and the last entry of the catalog.
var lookups = []struct {
	name string
	f    catalog.Filter
	want string
}{
	{"identity-public", catalog.Filter{ServiceType: "identity"}, catalogBase + "/v3"},
	{"volume-alias-internal", catalog.Filter{ServiceType: "volume", Interfaces: []string{"internal"}},
		catalogBase + "/block-storage/RegionOne/v1"},
	{"compute-region2", catalog.Filter{ServiceType: "compute", Region: "Region2"}, catalogBase + "/compute/Region2/v1"},
	{"last-admin", catalog.Filter{ServiceType: ServiceType(Catalog1000.Services - 1), Interfaces: []string{"admin"}},
		catalogBase + "/" + ServiceType(Catalog1000.Services-1) + "/RegionOne/v1"},
}

// BenchmarkCatalogLookup is Catalog.Lookup on a catalog of 1,000 endpoints
// (250 services × 4), parsed once.
func BenchmarkCatalogLookup(b *testing.B) {
	c := bigCatalog()
	for _, l := range lookups {
		b.Run(l.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := startCPU()
			defer cpu.report(b)
			for b.Loop() {
				ep, err := c.Lookup(l.f)
				if err != nil {
					b.Fatal(err)
				}
				if ep.URL != l.want {
					b.Fatalf("got %s, want %s", ep.URL, l.want)
				}
			}
		})
	}
}

// BenchmarkTokenDecode is the decoding of a v3 token whose catalog has
// 1,000 endpoints: through the generated TokenEnvelope and into a
// catalog.Catalog as the Password plugin does, the catalog array alone
// through catalog.ParseV3, the same token into hand-written structs (the
// floor), and a whole password authentication through a Session against
// the in-process server (HTTP included), next to its raw equivalent.
func BenchmarkTokenDecode(b *testing.B) {
	token := TokenJSON(Catalog1000, catalogBase, time.Now().Add(time.Hour))
	catalogJSON, err := json.Marshal(CatalogEntries(Catalog1000, catalogBase))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("generated-TokenEnvelope+catalog", func(b *testing.B) {
		b.SetBytes(int64(len(token)))
		b.ReportAllocs()
		cpu := startCPU()
		defer cpu.report(b)
		for b.Loop() {
			var env identityv3.TokenEnvelope
			if err := json.Unmarshal(token, &env); err != nil {
				b.Fatal(err)
			}
			if catalogOf(&env.Token).Len() != Catalog1000.Services {
				b.Fatal("short catalog")
			}
		}
	})
	b.Run("catalog.ParseV3", func(b *testing.B) {
		b.SetBytes(int64(len(catalogJSON)))
		b.ReportAllocs()
		cpu := startCPU()
		defer cpu.report(b)
		for b.Loop() {
			c, err := catalog.ParseV3(catalogJSON)
			if err != nil {
				b.Fatal(err)
			}
			if c.Len() != Catalog1000.Services {
				b.Fatal("short catalog")
			}
		}
	})
	b.Run("raw-structs", func(b *testing.B) {
		b.SetBytes(int64(len(token)))
		b.ReportAllocs()
		cpu := startCPU()
		defer cpu.report(b)
		for b.Loop() {
			var env RawTokenEnvelope
			if err := json.Unmarshal(token, &env); err != nil {
				b.Fatal(err)
			}
			if len(env.Token.Catalog) != Catalog1000.Services {
				b.Fatal("short catalog")
			}
		}
	})

	f := newFake(b, fakeOptions{catalog: Catalog1000})
	ctx := context.Background()
	b.Run("password-auth-sdk", func(b *testing.B) {
		sess := auth.New(f.password(), auth.WithHTTPClient(&http.Client{Transport: newTransport(2)}))
		b.ReportAllocs()
		cpu := startCPU()
		defer cpu.report(b)
		for b.Loop() {
			sess.Invalidate()
			a, err := sess.AccessInfo(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if a.Catalog.Len() != Catalog1000.Services {
				b.Fatal("short catalog")
			}
		}
	})
	b.Run("password-auth-raw", func(b *testing.B) {
		c := &http.Client{Transport: newTransport(2)}
		b.ReportAllocs()
		cpu := startCPU()
		defer cpu.report(b)
		for b.Loop() {
			env := rawPasswordAuth(b, ctx, c, f.authURL())
			if len(env.Token.Catalog) != Catalog1000.Services {
				b.Fatal("short catalog")
			}
		}
	})
}

// BenchmarkPasswordAuth is one password authentication against the
// in-process server with the token Keystone's bootstrap gives (a catalog of
// one service, three endpoints): the SDK's Session + Password plugin, and
// the raw POST + decode. It is the in-process twin of the process-level
// "auth" mode.
func BenchmarkPasswordAuth(b *testing.B) {
	f := newFake(b, fakeOptions{})
	ctx := context.Background()
	b.Run("raw", func(b *testing.B) {
		c := &http.Client{Transport: newTransport(2)}
		b.ReportAllocs()
		cpu := startCPU()
		defer cpu.report(b)
		for b.Loop() {
			rawPasswordAuth(b, ctx, c, f.authURL())
		}
	})
	b.Run("sdk", func(b *testing.B) {
		sess := auth.New(f.password(), auth.WithHTTPClient(&http.Client{Transport: newTransport(2)}))
		b.ReportAllocs()
		cpu := startCPU()
		defer cpu.report(b)
		for b.Loop() {
			sess.Invalidate()
			if _, err := sess.AccessInfo(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// rawPasswordAuth is one password authentication the raw way: POST, read,
// decode into plain structs.
func rawPasswordAuth(b *testing.B, ctx context.Context, c *http.Client, authURL string) RawTokenEnvelope {
	body, err := RawAuthBody("admin", "secret", "admin", "default")
	if err != nil {
		b.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, authURL+"/auth/tokens", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated || resp.Header.Get("X-Subject-Token") == "" {
		b.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	var env RawTokenEnvelope
	if err := json.Unmarshal(data, &env); err != nil {
		b.Fatal(err)
	}
	return env
}
