package keystonetest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv2"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestRequestViolationAnswers500AndIsRecorded(t *testing.T) {
	ks := keystonetest.NewV2(nil)
	defer ks.Close()

	// auth must be an object: the spec refuses this before any handler runs.
	status, body := post(t, ks.URL()+"/tokens", `{"auth": 5}`)
	assert.Equal(t, http.StatusInternalServerError, status)
	assert.Contains(t, body, "Spec Violation")
	assert.Contains(t, body, "issueToken")

	v := ks.Violations()
	require.Len(t, v, 1)
	assert.Contains(t, v[0].Error(), "request does not match the spec")
	assert.Equal(t, 1, ks.TokenRequests(), "a refused request is still counted")
}

func TestUnknownRouteIsAViolation(t *testing.T) {
	ks := keystonetest.NewV2(nil)
	defer ks.Close()

	resp, err := http.Get(ks.URL() + "/no-such-thing")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	resp, err = http.Post(ks.URL()+"/extensions", "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	assert.Len(t, ks.Violations(), 2)
}

// recordingTB stands in for a test to see what NewV2 reports to it.
type recordingTB struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestViolationsFailTheTestAtCleanup(t *testing.T) {
	tb := &recordingTB{TB: t}
	ks := keystonetest.NewV2(tb)
	post(t, ks.URL()+"/tokens", `{"auth": {"passwordCredentials": {}}}`) // password is required
	require.Empty(t, tb.errors, "reported at the end of the test, not during it")

	for _, f := range tb.cleanups {
		f()
	}
	require.Len(t, tb.errors, 1)
	assert.Contains(t, tb.errors[0], "password")
}

func TestRootAnswersTheVersionList(t *testing.T) {
	ks := keystonetest.NewV2(t)
	resp, err := http.Get(ks.RootURL() + "/")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusMultipleChoices, resp.StatusCode)
	var body struct {
		Versions struct {
			Values []struct {
				ID    string `json:"id"`
				Links []struct{ Href, Rel string }
			} `json:"values"`
		} `json:"versions"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Len(t, body.Versions.Values, 1)
	assert.Equal(t, "v2.0", body.Versions.Values[0].ID)
	assert.Equal(t, ks.URL()+"/", body.Versions.Values[0].Links[0].Href)
}

func client(t *testing.T, ks *keystonetest.V2Server, token string) *identityv2.ClientWithResponses {
	t.Helper()
	c, err := identityv2.NewClientWithResponses(ks.URL(), identityv2.WithRequestEditorFn(
		func(_ context.Context, req *http.Request) error {
			if token != "" {
				req.Header.Set("X-Auth-Token", token)
			}
			return nil
		}))
	require.NoError(t, err)
	return c
}

func TestTokensExpireWithTheClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ks := keystonetest.NewV2(t, keystonetest.WithClock(clock), keystonetest.WithTokenTTL(10*time.Minute))
	admin := ks.Admin()

	tok := ks.IssueToken(admin.UserID, admin.TenantID)
	c := client(t, ks, tok)
	resp, err := c.ListRolesWithResponse(t.Context())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode())
	assert.Zero(t, ks.TokenRequests(), "IssueToken makes no request")

	mu.Lock()
	now = now.Add(10 * time.Minute)
	mu.Unlock()
	assert.False(t, ks.TokenValid(tok))
	resp, err = c.ListRolesWithResponse(t.Context())
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode())
}

func TestRevokeAllTokens(t *testing.T) {
	ks := keystonetest.NewV2(t)
	admin := ks.Admin()
	tok := ks.IssueToken(admin.UserID, admin.TenantID)
	require.True(t, ks.TokenValid(tok))
	ks.RevokeAllTokens()

	resp, err := client(t, ks, tok).ListUsersWithResponse(t.Context(), nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode())
	var answer struct {
		Error struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(resp.Body, &answer), "the v2.0 error shape")
	assert.Equal(t, 401, answer.Error.Code)
}

func TestCatalogFillsInTheTenant(t *testing.T) {
	ks := keystonetest.NewV2(t, keystonetest.WithRegion("North"))
	tenant := ks.AddTenant("project-x")
	user := ks.AddUser("alice", "secret", tenant)
	compute := ks.AddService("compute", "nova")
	ks.AddEndpoint(compute, "North", "http://nova/v2/$(tenant_id)s", "", "http://nova-admin/v2/%(tenant_id)s")

	resp, err := client(t, ks, "").IssueTokenWithResponse(t.Context(), identityv2.AuthRequest{Auth: identityv2.Auth{
		PasswordCredentials: &identityv2.PasswordCredentials{UserID: &user, Password: "secret"},
		TenantID:            &tenant,
	}})
	require.NoError(t, err)
	require.NotNil(t, resp.JSON200, string(resp.Body))
	access := resp.JSON200.Access
	assert.Equal(t, []identityv2.AccessRole{{Name: "_member_"}}, *access.User.Roles)
	require.Len(t, *access.ServiceCatalog, 2)
	nova := (*access.ServiceCatalog)[1]
	assert.Equal(t, "compute", nova.Type)
	ep := nova.Endpoints[0]
	assert.Equal(t, "http://nova/v2/"+tenant, *ep.PublicURL)
	assert.Nil(t, ep.InternalURL, "an interface without a URL is left out")
	assert.Equal(t, "http://nova-admin/v2/"+tenant, *ep.AdminURL)
	assert.Equal(t, "North", *ep.Region)
	assert.Equal(t, 1, ks.TokenRequests())
}

func TestSignEC2MatchesKeystoneclient(t *testing.T) {
	// The expected value is what keystoneclient's Ec2Signer computes for
	// the same input (python-keystoneclient 5.0.1).
	params := map[string]string{
		"Action": "DescribeImages", "Timestamp": "2007-01-31T23:59:59Z",
		"AWSAccessKeyId": "a", "Name": "a b~c*d/e.f",
	}
	got := keystonetest.SignEC2("df8daeaa981b40cea1217fead123bc64", "GET", "localhost:8773", "/services/Cloud/", params)
	assert.Equal(t, "YoHEzOwTbLYsRq9o0DnLvGaIqngdzc6sX79YF3SHS4Q=", got)
	assert.Equal(t, "HmacSHA256", params["SignatureMethod"])
	assert.Equal(t, "2", params["SignatureVersion"])
}

func TestConcurrentClients(t *testing.T) {
	ks := keystonetest.NewV2(t)
	admin := ks.Admin()
	c := client(t, ks, "")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			resp, err := c.IssueTokenWithResponse(t.Context(), identityv2.AuthRequest{Auth: identityv2.Auth{
				PasswordCredentials: &identityv2.PasswordCredentials{Username: &admin.Username, Password: admin.Password},
			}})
			if assert.NoError(t, err) {
				assert.Equal(t, http.StatusOK, resp.StatusCode())
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 8, ks.TokenRequests())
	assert.Equal(t, 8, ks.Calls("issueToken"))
}
