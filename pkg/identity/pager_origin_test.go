package identity_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
)

const pagerToken = "gAAAAABpager-token-0123456789"

// tokenWitness is a plain-http server that records every X-Auth-Token it
// is sent.
type tokenWitness struct {
	*httptest.Server
	mu     sync.Mutex
	tokens []string
}

func newTokenWitness(t *testing.T) *tokenWitness {
	w := &tokenWitness{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.tokens = append(w.tokens, r.Header.Get("X-Auth-Token"))
		w.mu.Unlock()
		rw.Header().Set("Content-Type", "application/json")
		fmt.Fprint(rw, `{"projects":[{"id":"from-elsewhere","name":"x","enabled":true}],"links":{"next":null}}`)
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *tokenWitness) seen() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.tokens...)
}

// pagingOverTLS serves over https a project list whose first page links to
// wherever next says, given the server's own URL.
func pagingOverTLS(t *testing.T, next func(self *url.URL) string) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("X-Auth-Token") != pagerToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("page") == "2" {
			fmt.Fprint(w, `{"projects":[{"id":"p2","name":"b","enabled":true}],"links":{"next":null}}`)
			return
		}
		self, _ := url.Parse(srv.URL)
		fmt.Fprintf(w, `{"projects":[{"id":"p1","name":"a","enabled":true}],"links":{"next":%q}}`, next(self))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func walk(t *testing.T, srv *httptest.Server) ([]string, error) {
	sess := auth.New(&auth.TokenEndpoint{Endpoint: srv.URL + "/v3", Token: pagerToken}, auth.WithHTTPClient(srv.Client()))
	c, err := identity.NewV3(sess, identity.WithEndpoint(srv.URL+"/v3"))
	require.NoError(t, err)
	var ids []string
	for p, err := range c.Projects(context.Background(), nil) {
		if err != nil {
			return ids, err
		}
		ids = append(ids, p.ID)
	}
	return ids, nil
}

// A Keystone reached over https that writes "http://" next links (behind a
// TLS-terminating proxy) is still read over https: the link's host is the
// Keystone's own, and the token never crosses the wire in clear.
func TestPagerFetchesSameHostLinksFromTheOrigin(t *testing.T) {
	plain := newTokenWitness(t)
	plainURL, _ := url.Parse(plain.URL)
	srv := pagingOverTLS(t, func(self *url.URL) string {
		// The same host, over http, on the port a plain listener answers.
		return "http://" + self.Hostname() + ":" + plainURL.Port() + "/v3/projects?page=2"
	})
	ids, err := walk(t, srv)
	require.NoError(t, err)
	assert.Equal(t, []string{"p1", "p2"}, ids, "page 2 came from the https Keystone")
	assert.Empty(t, plain.seen(), "the token went over plain http")
}

// A next link to another host is not followed: the walk ends with a
// CrossOriginError naming both URLs, and the other host sees no token.
func TestPagerRefusesLinksToAnotherHost(t *testing.T) {
	other := newTokenWitness(t)
	otherURL, _ := url.Parse(other.URL)
	for _, scheme := range []string{"http", "https"} {
		srv := pagingOverTLS(t, func(*url.URL) string {
			// localhost is the same machine under another name: another
			// origin all the same.
			return scheme + "://localhost:" + otherURL.Port() + "/v3/projects?page=2&token=" + pagerToken
		})
		ids, err := walk(t, srv)
		assert.Equal(t, []string{"p1"}, ids)
		var coe *apierror.CrossOriginError
		require.True(t, errors.As(err, &coe), "%v", err)
		assert.True(t, errors.Is(err, apierror.ErrCrossOrigin))
		assert.True(t, strings.HasPrefix(coe.URL, srv.URL+"/v3/projects"), coe.URL)
		assert.Contains(t, coe.Target, "localhost:"+otherURL.Port())
		assert.NotContains(t, err.Error(), pagerToken)
	}
	assert.Empty(t, other.seen(), "the token went to another host")
}
