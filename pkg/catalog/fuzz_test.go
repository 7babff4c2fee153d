package catalog

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// checkCatalog runs lookups of every kind on a parsed catalog: none may
// panic, and a hit must really match what was asked.
func checkCatalog(t *testing.T, c *Catalog) {
	for _, s := range c.Services() {
		for _, e := range s.Endpoints {
			for _, f := range []Filter{
				{ServiceType: s.Type},
				{ServiceType: CanonicalServiceType(s.Type), Interfaces: []string{"internal", "adminURL", "public"}},
				{ServiceName: s.Name, Region: e.Region},
				{ServiceID: s.ID, EndpointID: e.ID, Interfaces: []string{e.Interface}},
			} {
				got, err := c.Lookup(f)
				if err != nil {
					if !errors.Is(err, apierror.ErrEndpointNotFound) {
						t.Fatalf("lookup %+v: untyped error %v", f, err)
					}
					_ = err.Error()
					continue
				}
				if got.URL == "" || (f.ServiceType != "" && !ServiceTypeMatches(f.ServiceType, got.ServiceType)) {
					t.Fatalf("lookup %+v gave %+v", f, got)
				}
				if all := c.Endpoints(f); len(all) == 0 || all[0] != got {
					t.Fatalf("Endpoints(%+v)[0] is not Lookup's answer %+v", f, got)
				}
			}
		}
	}
}

func FuzzParseV3(f *testing.F) {
	f.Add([]byte(v3Catalog))
	f.Add([]byte(`[{"type":"volumev3","endpoints":[{"interface":"publicURL","url":"u","region":null}]}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseV3(data)
		if err != nil {
			if !errors.Is(err, apierror.ErrInvalidResponse) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		checkCatalog(t, c)
	})
}

func FuzzParseV2(f *testing.F) {
	f.Add([]byte(v2Catalog))
	f.Add([]byte(`[{"type":"identity","endpoints":[{"publicURL":"","adminURL":"a"}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseV2(data)
		if err != nil {
			if !errors.Is(err, apierror.ErrInvalidResponse) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		checkCatalog(t, c)
	})
}

func FuzzParseVersions(f *testing.F) {
	f.Add([]byte(keystoneRoot), "3")
	f.Add([]byte(`{"version":{"id":"v2.0","status":"deprecated","links":[{"rel":"self","href":"/v2.0/"}]}}`), "2.latest")
	f.Add([]byte(`{"versions":[{"id":"v2.1","status":"CURRENT","version":"2.95","min_version":"2.1","links":[{"rel":"self","href":"http://[::1]:8774/v2.1/"}]}]}`), "latest")
	f.Add([]byte(`{"id":"v1","links":[{"rel":"self","href":"v1/"}]}`), "")
	f.Fuzz(func(t *testing.T, data []byte, min string) {
		vs, err := ParseVersions(data)
		if err != nil {
			if !errors.Is(err, apierror.ErrDiscoveryFailure) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(vs) == 0 {
			t.Fatal("no error and no versions")
		}
		v, err := ChooseRange(vs, VersionRange{Min: min})
		if err != nil {
			if !errors.Is(err, apierror.ErrVersionNotAvailable) && !errors.Is(err, apierror.ErrInvalidConfig) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if v.Number().Major < 0 {
			t.Fatalf("chose %q, which is not a version", v.ID)
		}
		// The whole path through Resolve, against a server that answers
		// this document everywhere.
		d := NewDiscovery(0)
		doc := docServer(data)
		if r, err := d.Resolve(context.Background(), doc, "https://cloud.example/identity", VersionRange{Min: min}); err == nil && r.SelfURL == "" {
			t.Fatal("resolved to an empty URL")
		}
	})
}

type docServer []byte

func (d docServer) Do(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: nopCloser{strings.NewReader(string(d))}, Request: req}, nil
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }
