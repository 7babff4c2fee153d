package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

func TestCacheIDIdentifiesWithoutSecrets(t *testing.T) {
	p := func(mut func(*Password)) Plugin {
		pw := &Password{AuthURL: "http://k/v3", UserID: "u1", Password: "pw", Scope: Scope{ProjectID: "p1"}}
		if mut != nil {
			mut(pw)
		}
		return pw
	}
	id := CacheID(p(nil))
	assert.Len(t, id, 64)
	assert.Equal(t, id, CacheID(p(nil)), "stable")
	assert.Equal(t, id, CacheID(p(func(p *Password) { p.Password = "other" })), "the password is not part of it")
	assert.Equal(t, id, CacheID(p(func(p *Password) { p.AuthURL += "/" })))
	for name, mut := range map[string]func(*Password){
		"user":       func(p *Password) { p.UserID = "u2" },
		"auth url":   func(p *Password) { p.AuthURL = "http://other/v3" },
		"scope":      func(p *Password) { p.Scope = Scope{ProjectID: "p2"} },
		"scope kind": func(p *Password) { p.Scope = Scope{DomainID: "p1"} },
		"catalog":    func(p *Password) { p.NoCatalog = true },
	} {
		assert.NotEqual(t, id, CacheID(p(mut)), name)
	}
	// Other methods with the same user and scope are other identities.
	assert.NotEqual(t, id, CacheID(&TOTP{AuthURL: "http://k/v3", UserID: "u1", Passcode: "1", Scope: Scope{ProjectID: "p1"}}))
	assert.NotEqual(t, CacheID(&Token{AuthURL: "u", Token: "a"}), CacheID(&Token{AuthURL: "u", Token: "b"}))
	key := (&ApplicationCredential{AuthURL: "u", ID: "ac", Secret: "s3cret"}).CacheKey()
	for _, v := range key {
		assert.NotContains(t, v, "s3cret")
	}
	assert.NotContains(t, (&Token{AuthURL: "u", Token: "tok"}).CacheKey()["token.sha256"], "tok")
	// Plugins without a token to keep have no id.
	assert.Empty(t, CacheID(&NoAuth{}))
	assert.Empty(t, CacheID(&HTTPBasic{Username: "u"}))
	assert.Empty(t, CacheID(&MultiFactor{Methods: []Method{customMethod{}}}), "a method that cannot say who it is")
	assert.Empty(t, CacheID(nil))
}

type customMethod struct{}

func (customMethod) MethodName() string                         { return "custom" }
func (customMethod) AddTo(context.Context, *TokenRequest) error { return nil }

func TestExportImportState(t *testing.T) {
	ks := newStub(t)
	ks.token = map[string]any{"extra_field": "kept", "is_admin_project": false}
	plugin := func() *Password {
		return &Password{AuthURL: ks.URL + "/v3", UserID: "u1", Password: "pw", Scope: Scope{ProjectID: "p1"}}
	}
	key := NewStateKey() // shared by the sessions that pass state around
	first := ks.session(plugin(), WithStateKey(key))
	_, err := first.ExportState()
	assert.ErrorIs(t, err, ErrNoState, "nothing to export before the first token")

	a, err := first.AccessInfo(bg(t))
	require.NoError(t, err)
	data, err := first.ExportState()
	require.NoError(t, err)

	var st map[string]any
	require.NoError(t, json.Unmarshal(data, &st))
	assert.Equal(t, float64(2), st["version"])
	assert.Equal(t, CacheID(plugin()), st["cache_id"])
	assert.Equal(t, "tok-1", st["token"])
	assert.Equal(t, ks.URL+"/v3", st["auth_url"])
	assert.Equal(t, "kept", st["body"].(map[string]any)["token"].(map[string]any)["extra_field"], "the body as Keystone sent it")
	assert.NotContains(t, string(data), `"pw"`)

	second := ks.session(plugin(), WithStateKey(key))
	require.NoError(t, second.ImportState(data))
	b, err := second.AccessInfo(bg(t))
	require.NoError(t, err)
	assert.EqualValues(t, 1, ks.tokenRequests.Load(), "the imported token is used as it is")
	assert.Equal(t, a.Token, b.Token)
	assert.Equal(t, a.ExpiresAt, b.ExpiresAt)
	assert.Equal(t, a.ProjectID(), b.ProjectID())
	assert.False(t, b.IsAdminProject())
	assert.Equal(t, a.Catalog.Len(), b.Catalog.Len())
	assert.Equal(t, a.AuthURL, b.AuthURL)

	// WithState does the same at construction.
	third := ks.session(plugin(), WithState(data), WithStateKey(key))
	c, err := third.AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, a.Token, c.Token)
	assert.EqualValues(t, 1, ks.tokenRequests.Load())

	// State of another identity is refused, and ignored by WithState.
	other := &Password{AuthURL: ks.URL + "/v3", UserID: "u2", Password: "pw"}
	err = ks.session(other, WithStateKey(key)).ImportState(data)
	assert.True(t, errors.Is(err, apierror.ErrInvalidConfig), "%v", err)
	assert.Contains(t, err.Error(), "another identity")
	_, err = ks.session(other, WithState(data), WithStateKey(key)).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.EqualValues(t, 2, ks.tokenRequests.Load())

	// Garbage and expired state are refused too.
	for name, bad := range map[string][]byte{
		"not json":  []byte("{"),
		"no token":  []byte(`{"version":2,"cache_id":"` + CacheID(plugin()) + `","body":{}}`),
		"version":   []byte(`{"version":7}`),
		"body":      []byte(`{"version":2,"cache_id":"` + CacheID(plugin()) + `","token":"t","body":{"token":"x"}}`),
		"no expiry": []byte(`{"version":2,"cache_id":"` + CacheID(plugin()) + `","token":"t","body":{"token":{"methods":[],"user":{}}}}`),
	} {
		err := ks.session(plugin(), WithStateKey(key)).ImportState(bad)
		assert.True(t, errors.Is(err, apierror.ErrInvalidConfig), "%s: %v", name, err)
	}
	ks.lifetime = -time.Minute
	expired := ks.session(&Password{AuthURL: ks.URL + "/v3", UserID: "u3", Password: "pw"}, WithStateKey(key))
	_, err = expired.AccessInfo(bg(t))
	require.NoError(t, err) // the stub hands out an expired token
	old, err := expired.ExportState()
	require.NoError(t, err)
	err = ks.session(&Password{AuthURL: ks.URL + "/v3", UserID: "u3", Password: "pw"}, WithStateKey(key)).ImportState(old)
	assert.True(t, errors.Is(err, apierror.ErrInvalidConfig))
	assert.Contains(t, err.Error(), "expired")
}

func TestStateWithoutRawBody(t *testing.T) {
	// An AccessInfo given with WithAccessInfo has no raw body: the state
	// is built from the decoded one.
	ks := newStub(t)
	a, err := ks.session(&Token{AuthURL: ks.URL + "/v3", Token: "x"}).AccessInfo(bg(t))
	require.NoError(t, err)
	copied := *a
	copied.raw = nil
	p := &Token{AuthURL: ks.URL + "/v3", Token: "x"}
	key := NewStateKey()
	data, err := ks.session(p, WithAccessInfo(&copied), WithStateKey(key)).ExportState()
	require.NoError(t, err)
	s := ks.session(p, WithStateKey(key))
	require.NoError(t, s.ImportState(data))
	b, err := s.AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, a.UserID(), b.UserID())
	assert.Equal(t, a.ExpiresAt.Unix(), b.ExpiresAt.Unix())
}

func TestNoTokenAccessIsNotExported(t *testing.T) {
	ks := newStub(t)
	s := ks.session(&NoAuth{Endpoint: ks.URL})
	req, _ := http.NewRequestWithContext(bg(t), http.MethodGet, ks.URL+"/v3/echo", nil)
	resp, err := s.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	_, err = s.ExportState()
	assert.ErrorIs(t, err, ErrNoState)
}
