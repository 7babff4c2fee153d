package identity_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

// item is one resource of the fake: what the name and domain filters of
// Keystone's lists look at.
type item struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	DomainID string `json:"domain_id,omitempty"`
}

// findKeystone serves GET by id and the name/domain_id-filtered lists of the
// collections given (path → members), as Keystone does, and counts the
// requests.
func findKeystone(collections map[string][]item) (*httptest.Server, *atomic.Int32) {
	var requests atomic.Int32
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Subject-Token", "tok")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u1","name":"demo"},"expires_at":%q,"issued_at":%q,
			"catalog":[{"type":"identity","name":"keystone","endpoints":[{"interface":"public","url":"%s/v3"}]}]}}`,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339), srv.URL)
	})
	for path, items := range collections {
		one, many := singular(path), path[strings.LastIndex(path, "/")+1:]
		mux.HandleFunc("GET /v3"+path, func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			q := r.URL.Query()
			out := []item{}
			for _, it := range items {
				if (!q.Has("name") || it.Name == q.Get("name")) && (!q.Has("domain_id") || it.DomainID == q.Get("domain_id")) {
					out = append(out, it)
				}
			}
			_ = json.NewEncoder(w).Encode(map[string]any{many: out, "links": map[string]any{"next": nil}})
		})
		mux.HandleFunc("GET /v3"+path+"/{id}", func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			for _, it := range items {
				if it.ID == r.PathValue("id") {
					_ = json.NewEncoder(w).Encode(map[string]any{one: it})
					return
				}
			}
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":{"code":404,"title":"Not Found","message":"Could not find %s: %s."}}`, one, r.PathValue("id"))
		})
	}
	srv = httptest.NewServer(jsonContent(mux))
	return srv, &requests
}

func singular(path string) string {
	last := path[strings.LastIndex(path, "/")+1:]
	if strings.HasSuffix(last, "ies") {
		return strings.TrimSuffix(last, "ies") + "y"
	}
	return strings.TrimSuffix(last, "s")
}

var findFixture = map[string][]item{
	"/domains": {{ID: "default", Name: "Default"}, {ID: "d2", Name: "acme"}},
	"/projects": {
		{ID: "p1", Name: "demo", DomainID: "default"},
		{ID: "p2", Name: "demo", DomainID: "d2"},
		{ID: "p3", Name: "ops", DomainID: "d2"},
	},
	"/users/u1/application_credentials": {{ID: "ac1", Name: "ci"}},
	"/regions":                          {{ID: "RegionOne"}},
}

func findClient(t testing.TB) (*identity.Client, *atomic.Int32) {
	srv, requests := findKeystone(findFixture)
	t.Cleanup(srv.Close)
	client, err := identity.NewV3(auth.New(&auth.Password{AuthURL: srv.URL + "/v3", UserID: "u1", Password: "p"}))
	require.NoError(t, err)
	return client, requests
}

func TestFindByIDFirst(t *testing.T) {
	client, requests := findClient(t)
	p, err := client.FindProject(context.Background(), "p3")
	require.NoError(t, err)
	assert.Equal(t, "ops", p.Name)
	assert.Equal(t, int32(1), requests.Load(), "an id needs no list")
}

func TestFindByNameInADomainGivenByNameOrID(t *testing.T) {
	client, _ := findClient(t)
	for _, domain := range []string{"acme", "d2"} {
		p, err := client.FindProject(context.Background(), "demo", identity.InDomain(domain))
		require.NoError(t, err, domain)
		assert.Equal(t, "p2", p.ID, domain)
	}
	p, err := client.FindProject(context.Background(), "ops")
	require.NoError(t, err)
	assert.Equal(t, "p3", p.ID)
}

func TestFindSeveralIsNoUniqueMatchWithTheCandidates(t *testing.T) {
	client, _ := findClient(t)
	_, err := client.FindProject(context.Background(), "demo")
	require.Error(t, err)
	assert.ErrorIs(t, err, apierror.ErrNoUniqueMatch)
	assert.NotErrorIs(t, err, identity.ErrNotFound)
	var fe *identity.FindError
	require.ErrorAs(t, err, &fe)
	assert.ElementsMatch(t, []identity.Match{{ID: "p1", Name: "demo", DomainID: "default"}, {ID: "p2", Name: "demo", DomainID: "d2"}}, fe.Matches)
	assert.Contains(t, err.Error(), "p1 (domain default)")
}

func TestFindNoneIsNotFound(t *testing.T) {
	client, _ := findClient(t)
	for _, find := range []func() error{
		func() error { _, err := client.FindProject(context.Background(), "nope"); return err },
		func() error {
			_, err := client.FindProject(context.Background(), "ops", identity.InDomain("default"))
			return err
		},
		func() error { _, err := client.FindRegion(context.Background(), "RegionTwo"); return err },
	} {
		err := find()
		assert.ErrorIs(t, err, identity.ErrNotFound)
		assert.ErrorIs(t, err, apierror.ErrHTTPClient)
		assert.NotErrorIs(t, err, apierror.ErrNoUniqueMatch)
		var fe *identity.FindError
		assert.ErrorAs(t, err, &fe)
	}
	_, err := client.FindProject(context.Background(), "demo", identity.InDomain("no-such-domain"))
	var fe *identity.FindError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "domain", fe.Resource, "the domain is what was not found")
}

func TestFindBadInputIsTyped(t *testing.T) {
	client, requests := findClient(t)
	_, err := client.FindProject(context.Background(), "")
	assert.ErrorIs(t, err, apierror.ErrValidation)
	_, err = client.FindDomain(context.Background(), "")
	assert.ErrorIs(t, err, apierror.ErrValidation)
	assert.Zero(t, requests.Load())
}

func TestFindApplicationCredentialOfTheTokensUser(t *testing.T) {
	client, _ := findClient(t)
	ac, err := client.FindApplicationCredential(context.Background(), "", "ci")
	require.NoError(t, err)
	assert.Equal(t, "ac1", ac.ID)
}

func TestFindPassesOtherErrorsThrough(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.Header().Set("X-Subject-Token", "tok")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u1"},"expires_at":%q,"issued_at":%q}}`,
				time.Now().Add(time.Hour).UTC().Format(time.RFC3339), time.Now().UTC().Format(time.RFC3339))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"error":{"code":403,"title":"Forbidden","message":"no"}}`)
	}))
	defer srv.Close()
	client, err := identity.NewV3(auth.New(&auth.Password{AuthURL: srv.URL + "/v3", UserID: "u1", Password: "p"}),
		identity.WithEndpoint(srv.URL+"/v3"))
	require.NoError(t, err)
	_, err = client.FindUser(context.Background(), "someone")
	assert.ErrorIs(t, err, identity.ErrForbidden)
	var fe *identity.FindError
	assert.False(t, errors.As(err, &fe))
}

func TestFinderForAnyList(t *testing.T) {
	flavors := []item{{ID: "1", Name: "m1.small"}, {ID: "2", Name: "m1.large"}, {ID: "3", Name: "m1.large"}}
	f := identity.Finder[item]{
		Resource: "flavor",
		ByID: func(_ context.Context, id string) (item, error) {
			for _, fl := range flavors {
				if fl.ID == id {
					return fl, nil
				}
			}
			return item{}, apierror.ErrNotFound
		},
		ByName: func(_ context.Context, name, _ string) iter.Seq2[item, error] {
			return func(yield func(item, error) bool) {
				for _, fl := range flavors {
					if fl.Name == name && !yield(fl, nil) {
						return
					}
				}
			}
		},
		Describe: func(fl item) identity.Match { return identity.Match{ID: fl.ID, Name: fl.Name} },
	}
	got, err := f.Find(context.Background(), "m1.small", "")
	require.NoError(t, err)
	assert.Equal(t, "1", got.ID)
	got, err = f.Find(context.Background(), "3", "")
	require.NoError(t, err)
	assert.Equal(t, "m1.large", got.Name)
	_, err = f.Find(context.Background(), "m1.large", "")
	assert.ErrorIs(t, err, apierror.ErrNoUniqueMatch)
	listErr := errors.New("list failed")
	f.ByName = func(context.Context, string, string) iter.Seq2[item, error] {
		return func(yield func(item, error) bool) { yield(item{}, listErr) }
	}
	_, err = f.Find(context.Background(), "m1.tiny", "")
	assert.ErrorIs(t, err, listErr)
}

func ExampleClient_FindProject() {
	srv, _ := findKeystone(findFixture)
	defer srv.Close()
	ctx := context.Background()
	client, err := identity.NewV3(auth.New(&auth.Password{AuthURL: srv.URL + "/v3", UserID: "u1", Password: "secret"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	// By id, or by name within a domain given by name or id.
	p, err := client.FindProject(ctx, "demo", identity.InDomain("acme"))
	fmt.Println(p.ID, err)

	// The same name in two domains is ambiguous.
	_, err = client.FindProject(ctx, "demo")
	var fe *identity.FindError
	if errors.Is(err, apierror.ErrNoUniqueMatch) && errors.As(err, &fe) {
		fmt.Println(len(fe.Matches), "candidates")
	}
	_, err = client.FindProject(ctx, "no-such-project")
	fmt.Println(errors.Is(err, identity.ErrNotFound))
	// Output:
	// p2 <nil>
	// 2 candidates
	// true
}
