package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// mfaStub makes the stub behave like Keystone for a user whose rules are
// rules: a request that passes some methods but meets no rule gets a 401
// with an auth receipt; a request with a receipt adds the receipt's methods.
func mfaStub(t *testing.T, rules [][]string) *stubKeystone {
	ks := newStub(t)
	receipts := map[string][]string{}
	ks.issue = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		var req struct {
			Auth struct {
				Identity struct {
					Methods []string `json:"methods"`
				} `json:"identity"`
			} `json:"auth"`
		}
		require.NoError(t, json.Unmarshal(body, &req))
		passed := slices.Clone(req.Auth.Identity.Methods)
		if rc := r.Header.Get("Openstack-Auth-Receipt"); rc != "" {
			ks.mu.Lock()
			prior, ok := receipts[rc]
			ks.mu.Unlock()
			if !ok {
				unauthorized(w)
				return true
			}
			passed = append(prior, passed...)
		}
		for _, rule := range rules {
			met := true
			for _, m := range rule {
				met = met && slices.Contains(passed, m)
			}
			if met {
				ks.writeToken(w, http.StatusCreated, ks.newToken(), map[string]any{"methods": passed})
				return true
			}
		}
		ks.mu.Lock()
		rc := fmt.Sprintf("receipt-%d", len(receipts)+1)
		receipts[rc] = passed
		ks.mu.Unlock()
		rulesJSON, _ := json.Marshal(rules)
		methodsJSON, _ := json.Marshal(passed)
		w.Header().Set("Openstack-Auth-Receipt", rc)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"receipt":{"methods":%s,"user":{"id":"u1","name":"alice","domain":{"id":"default","name":"Default"}},
			"expires_at":"2099-01-01T00:00:00.000000Z","issued_at":"2026-01-01T00:00:00.000000Z"},"required_auth_methods":%s}`,
			methodsJSON, rulesJSON)
		return true
	}
	return ks
}

func TestMultiFactorCompletesTheReceiptFlow(t *testing.T) {
	ks := mfaStub(t, [][]string{{"password", "totp"}})
	asked := 0
	p := &MultiFactor{
		AuthURL: ks.URL + "/v3",
		Methods: []Method{&PasswordMethod{UserID: "u1", Password: "pw"}},
		Additional: []Method{&TOTPMethod{UserID: "u1", PasscodeFunc: func(context.Context) (string, error) {
			asked++
			return "123456", nil
		}}},
		Scope: Scope{ProjectID: "p1"},
	}
	a, err := ks.session(p).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, []string{"password", "totp"}, a.Methods())
	assert.Equal(t, 1, asked, "the passcode is asked for once, when needed")

	posts := ks.tokenPosts()
	require.Len(t, posts, 2)
	assert.JSONEq(t, `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"u1","password":"pw"}}},
		"scope":{"project":{"id":"p1"}}}}`, string(posts[0].Body))
	assert.Empty(t, posts[0].Header.Get("Openstack-Auth-Receipt"))
	assert.JSONEq(t, `{"auth":{"identity":{"methods":["totp"],"totp":{"user":{"id":"u1","passcode":"123456"}}},
		"scope":{"project":{"id":"p1"}}}}`, string(posts[1].Body))
	assert.Equal(t, "receipt-1", posts[1].Header.Get("Openstack-Auth-Receipt"))
}

func TestMultiFactorPicksTheRuleItCanMeet(t *testing.T) {
	ks := mfaStub(t, [][]string{{"password", "webauthn"}, {"password", "totp"}, {"password", "totp", "token"}})
	p := &MultiFactor{
		AuthURL:    ks.URL + "/v3",
		Methods:    []Method{&PasswordMethod{UserID: "u1", Password: "pw"}},
		Additional: []Method{&TokenMethod{Token: "t"}, &TOTPMethod{UserID: "u1", Passcode: "123456"}},
	}
	a, err := ks.session(p).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, []string{"password", "totp"}, a.Methods(), "the shortest rule it has the methods for")
	assert.Len(t, ks.tokenPosts(), 2)
}

func TestMissingAuthMethodsError(t *testing.T) {
	ks := mfaStub(t, [][]string{{"password", "totp"}, {"password", "webauthn", "totp"}})

	// A plain password plugin gets the typed error.
	_, err := ks.session(&Password{AuthURL: ks.URL + "/v3", UserID: "u1", Password: "pw"}).AccessInfo(bg(t))
	require.Error(t, err)
	var more *MissingAuthMethodsError
	require.True(t, errors.As(err, &more), "%v", err)
	assert.True(t, errors.Is(err, apierror.ErrMissingAuthMethods))
	assert.True(t, errors.Is(err, apierror.ErrAuthorization))
	assert.True(t, errors.Is(err, apierror.ErrUnauthorized), "it is still the 401")
	assert.Equal(t, "receipt-1", more.Receipt)
	assert.Equal(t, []string{"password"}, more.Methods)
	assert.Equal(t, [][]string{{"totp"}, {"webauthn", "totp"}}, more.Missing())
	assert.Equal(t, "auth: more authentication methods needed after password: totp or webauthn+totp", err.Error())
	assert.NotContains(t, err.Error(), "receipt-1", "the receipt is a credential")

	// A multi-factor plugin without the missing method gives it back as well.
	_, err = ks.session(&MultiFactor{AuthURL: ks.URL + "/v3",
		Methods: []Method{&PasswordMethod{UserID: "u1", Password: "pw"}}}).AccessInfo(bg(t))
	require.True(t, errors.As(err, &more))
	assert.Equal(t, "receipt-2", more.Receipt)

	// The receipt lets another plugin finish the login.
	a, err := ks.session(&MultiFactor{AuthURL: ks.URL + "/v3", Receipt: more.Receipt,
		Methods: []Method{&TOTPMethod{UserID: "u1", Passcode: "123456"}}}).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, []string{"password", "totp"}, a.Methods())
	posts := ks.tokenPosts()
	assert.Equal(t, "receipt-2", posts[len(posts)-1].Header.Get("Openstack-Auth-Receipt"))
}
