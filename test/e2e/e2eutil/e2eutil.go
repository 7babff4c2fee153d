package e2eutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/specvalidate"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// AuthURL is the v3 URL of the Keystone under test.
func AuthURL() string { return env("OS_AUTH_URL", "http://127.0.0.1:5000/v3") }

// AdminPassword is the bootstrap admin's password.
func AdminPassword() string { return env("OS_PASSWORD", "secret") }

// AdminPlugin authenticates as the bootstrap admin, scoped to the admin project.
func AdminPlugin() *auth.Password {
	return &auth.Password{
		AuthURL:      AuthURL(),
		Username:     env("OS_USERNAME", "admin"),
		UserDomainID: env("OS_USER_DOMAIN_ID", "default"),
		Password:     AdminPassword(),
		Scope:        auth.Scope{ProjectName: env("OS_PROJECT_NAME", "admin"), ProjectDomainID: env("OS_PROJECT_DOMAIN_ID", "default")},
	}
}

// keepAlive drops idle connections before uWSGI does (its socket timeout
// is 4 s), so that a request never goes out on a connection the server is
// closing at that moment: Go cannot retry a POST or PATCH that met EOF.
var keepAlive = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.IdleConnTimeout = 2 * time.Second
	return t
}()

// Transport is the validating transport of one test: every answer is
// checked against the spec, and a mismatch fails t. Requests are not
// checked: tests send requests the spec refuses on purpose, to see
// Keystone refuse them.
func Transport(t testing.TB) http.RoundTripper {
	v, err := specvalidate.Default()
	if err != nil {
		t.Fatalf("loading the spec: %v", err)
	}
	var mu sync.Mutex
	done := false
	t.Cleanup(func() { mu.Lock(); done = true; mu.Unlock() })
	return &specvalidate.Transport{
		Next:         recorder{next: keepAlive, wire: wireOf(t)},
		Validator:    v,
		SkipRequests: true,
		Report: func(_ context.Context, err error) {
			mu.Lock()
			defer mu.Unlock()
			if !done {
				t.Errorf("spec mismatch: %v", err)
			}
		},
	}
}

// HTTPClient is an http.Client with the validating transport.
func HTTPClient(t testing.TB) *http.Client {
	return &http.Client{Transport: Transport(t), Timeout: 60 * time.Second}
}

// Session returns a session for plugin that validates every answer and
// logs at debug level into the test's log, which must show none of the
// secrets the test's requests and answers carried (see wire). The log
// holds the session's error strings and the URL and error of every
// exchange (ResponseInfo) as well, so those are held to the same rule. A
// test that sets its own WithResponseHook replaces the one that records
// exchanges.
func Session(t testing.TB, plugin auth.Plugin, opts ...auth.Option) *auth.Session {
	w := wireOf(t)
	opts = append([]auth.Option{auth.WithHTTPClient(HTTPClient(t)), auth.WithLogger(w.logger),
		auth.WithResponseHook(w.exchange)}, opts...)
	return auth.New(plugin, opts...)
}

// Client returns the v3 client of a session.
func Client(t testing.TB, sess *auth.Session, opts ...identity.Option) *identity.Client {
	c, err := identity.NewV3(sess, opts...)
	if err != nil {
		t.Fatalf("identity.NewV3: %v", err)
	}
	return c
}

// Admin returns a validating client authenticated as the admin, scoped to
// the admin project.
func Admin(t testing.TB) *identity.Client {
	return Client(t, Session(t, AdminPlugin()))
}

// Name returns a resource name unique to this run and test.
func Name(t testing.TB, prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	test := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	if len(test) > 24 {
		test = test[:24]
	}
	return fmt.Sprintf("%s-%s-%s", prefix, test, hex.EncodeToString(b[:]))
}

// Ctx is a context that ends with the test (or after ten minutes).
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Cleanup runs fn when the test ends, with its own context, and reports an
// error from it (a not-found is fine: the test may have deleted it already).
func Cleanup(t testing.TB, fn func(ctx context.Context) error) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := fn(ctx); err != nil && !isNotFound(err) {
			t.Errorf("cleanup: %v", err)
		}
	})
}
