package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeService answers like a protected service: 401 without a valid token,
// 200 with the caller's id for a token it knows, and 503 for the tokens in
// unavailable. It counts what it saw.
type fakeService struct {
	mu          sync.Mutex
	seen        map[string]int
	valid       map[string]bool
	unavailable map[string]bool
}

func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := r.Header.Get("X-Auth-Token")
	f.mu.Lock()
	f.seen[t]++
	f.mu.Unlock()
	switch {
	case f.unavailable[t]:
		w.WriteHeader(http.StatusServiceUnavailable)
	case f.valid[t]:
		fmt.Fprint(w, `{"user_id":"u-1"}`)
	default:
		w.WriteHeader(http.StatusUnauthorized)
	}
}

func newFake(tokens, unavailable []string) (*fakeService, *httptest.Server) {
	f := &fakeService{seen: map[string]int{}, valid: map[string]bool{}, unavailable: map[string]bool{}}
	for _, t := range tokens {
		f.valid[t] = true
	}
	for _, t := range unavailable {
		f.unavailable[t] = true
	}
	return f, httptest.NewServer(f)
}

func tokenList(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("tok-%03d", i)
	}
	return out
}

func TestNewModeSendsEveryTokenOnceAndCountsFailures(t *testing.T) {
	tokens := tokenList(100)
	f, srv := newFake(tokens, []string{"tok-007", "tok-042"})
	defer srv.Close()
	c := config{url: srv.URL, mode: "new", concurrency: 4, expectBody: "u-1", timeout: 5 * time.Second}
	r, err := run(context.Background(), c, tokens)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 100 || r.OK != 98 || r.Non200["503"] != 2 || r.Errors != 0 || r.BadBody != 0 {
		t.Errorf("requests %d, ok %d, non-200 %v, errors %d, bad body %d; want 100, 98, 503×2, 0, 0",
			r.Requests, r.OK, r.Non200, r.Errors, r.BadBody)
	}
	if r.Latency.N != 98 {
		t.Errorf("%d latencies, want one per 200 (98)", r.Latency.N)
	}
	for _, tok := range tokens {
		if f.seen[tok] != 1 {
			t.Errorf("%s sent %d times, want once", tok, f.seen[tok])
		}
	}
	// One malformed token, and one request without a token per connection.
	if f.seen["not-a-token"] != 1 || f.seen[""] != 4 {
		t.Errorf("malformed token sent %d times (want 1), no token %d times (want 4)", f.seen["not-a-token"], f.seen[""])
	}
}

func TestWarmModeWarmsEveryTokenOnEveryConnection(t *testing.T) {
	tokens := tokenList(20)
	f, srv := newFake(tokens, nil)
	defer srv.Close()
	c := config{url: srv.URL, mode: "warm", concurrency: 3, warmTokens: 5, duration: 50 * time.Millisecond,
		expectBody: "u-1", timeout: 5 * time.Second}
	r, err := run(context.Background(), c, tokens)
	if err != nil {
		t.Fatal(err)
	}
	if r.Tokens != 5 || r.OK == 0 || r.OK != r.Requests {
		t.Errorf("tokens %d, ok %d of %d; want 5 tokens and every request 200", r.Tokens, r.OK, r.Requests)
	}
	for i, tok := range tokens {
		switch {
		case i < 5 && f.seen[tok] < 3:
			t.Errorf("%s sent %d times, want at least once per connection (3) for the warm-up", tok, f.seen[tok])
		case i >= 5 && f.seen[tok] != 0:
			t.Errorf("%s is outside the warm set but was sent %d times", tok, f.seen[tok])
		}
	}
}

func TestRunRefusesAServiceThatLetsEverythingThrough(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"user_id":"u-1"}`)
	}))
	defer srv.Close()
	c := config{url: srv.URL, mode: "new", concurrency: 1, timeout: 5 * time.Second}
	if _, err := run(context.Background(), c, tokenList(3)); err == nil {
		t.Error("a service that accepts a malformed token was measured")
	}
}

func TestBodyWithoutTheCallerIsNotCounted(t *testing.T) {
	tokens := tokenList(10)
	_, srv := newFake(tokens, nil)
	defer srv.Close()
	c := config{url: srv.URL, mode: "new", concurrency: 2, expectBody: "someone-else", timeout: 5 * time.Second}
	r, err := run(context.Background(), c, tokens)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK != 0 || r.BadBody != 10 || r.RPS != 0 {
		t.Errorf("ok %d, bad body %d, rps %v; want 0, 10, 0", r.OK, r.BadBody, r.RPS)
	}
}

func TestNewModeNeedsATokenPerRequest(t *testing.T) {
	_, srv := newFake(tokenList(5), nil)
	defer srv.Close()
	c := config{url: srv.URL, mode: "new", concurrency: 1, requests: 10, timeout: 5 * time.Second}
	if _, err := run(context.Background(), c, tokenList(5)); err == nil {
		t.Error("10 requests with 5 tokens: want an error, not reused tokens")
	}
}
