package keystonetest

import (
	"testing"
	"time"
)

// fake is what NewV2 and NewV3 start.
type fake interface {
	Close()
	Violations() []error
}

// start applies opts over the defaults, builds a server with them and,
// with a non-nil tb, closes it when the test ends and fails the test for
// every spec violation it recorded. A server that cannot be built fails
// tb, or panics without one, as httptest.NewServer does.
func start[S fake](tb testing.TB, opts []Option, build func(options) (S, error)) S {
	if tb != nil {
		tb.Helper()
	}
	o := options{tokenTTL: DefaultTokenTTL, now: time.Now, region: DefaultRegion}
	for _, opt := range opts {
		opt(&o)
	}
	if o.adminPassword == "" {
		o.adminPassword = "admin-" + newID()[:12]
	}
	s, err := build(o)
	if err != nil {
		if tb != nil {
			tb.Fatalf("keystonetest: %v", err)
		}
		panic("keystonetest: " + err.Error())
	}
	if tb != nil {
		tb.Cleanup(func() {
			s.Close()
			for _, v := range s.Violations() {
				tb.Errorf("keystonetest: %v", v)
			}
		})
	}
	return s
}
