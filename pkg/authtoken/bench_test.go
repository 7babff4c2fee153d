package authtoken_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keystone-go/keystone/pkg/authtoken"
)

// The cost of the middleware on a request whose token is cached (the
// common case), against the same handler without it: compare the two
// ns/op of one run.
func BenchmarkMiddleware(b *testing.B) {
	k := newFakeKeystone(b)
	k.set("tok", fakeToken{body: tokenBody("alice", "demo", []string{"member", "reader"}, time.Now().Add(time.Hour), "")})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	v := newValidator(b, k, authtoken.DefaultConfig())
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{{"bare", handler}, {"cached-token", v.Middleware(handler)}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest("GET", "/v2.1/servers", nil)
					req.Header.Set("X-Auth-Token", "tok")
					w := httptest.NewRecorder()
					tc.h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Errorf("status %d", w.Code)
						return
					}
				}
			})
		})
	}
	if n := k.validations.Load(); n != 1 {
		b.Fatalf("%d validations, want 1", n)
	}
}
