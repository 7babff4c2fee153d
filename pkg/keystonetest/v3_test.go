package keystonetest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/pkg/keystonetest"
)

// adminClient is the v3 client of the seeded admin, and its session.
func adminClient(t *testing.T, ks *keystonetest.V3Server, opts ...auth.Option) (*identityv3.ClientWithResponses, *auth.Session) {
	t.Helper()
	a := ks.Admin()
	sess := auth.New(&auth.Password{AuthURL: ks.URL(), UserID: a.UserID, Password: a.Password,
		Scope: auth.Scope{ProjectID: a.ProjectID}}, append([]auth.Option{auth.WithHTTPClient(ks.HTTPClient())}, opts...)...)
	c, err := identity.NewV3(sess)
	require.NoError(t, err)
	return c.Raw(), sess
}

func send(t *testing.T, method, url, token, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
		req.Header.Set("X-Subject-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

func TestV3NotModelledAnswers501NamingTheOperation(t *testing.T) {
	ks := keystonetest.NewV3(t)
	_, sess := adminClient(t, ks)
	token, err := sess.Token(context.Background())
	require.NoError(t, err)

	status, body, _ := send(t, http.MethodGet, ks.URL()+"/OS-FEDERATION/identity_providers", token, "")
	assert.Equal(t, http.StatusNotImplemented, status)
	assert.Contains(t, body, "listIdentityProviders")
	assert.Contains(t, body, `"error"`)
}

func TestV3SpecViolationIsAnswered500AndRecorded(t *testing.T) {
	ks := keystonetest.NewV3(nil)
	defer ks.Close()

	status, body, _ := send(t, http.MethodPost, ks.URL()+"/auth/tokens", "", `{"auth": 5}`)
	assert.Equal(t, http.StatusInternalServerError, status)
	assert.Contains(t, body, "issueToken")
	v := ks.Violations()
	require.Len(t, v, 1)
	assert.Contains(t, v[0].Error(), "request does not match the spec")

	status, _, _ = send(t, http.MethodGet, ks.URL()+"/no-such-collection", "", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Len(t, ks.Violations(), 2, "a route the spec lacks is a violation too")
}

func TestV3ClockExpiresTokens(t *testing.T) {
	clock := keystonetest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	ks := keystonetest.NewV3(t, keystonetest.WithClock(clock.Now), keystonetest.WithTokenTTL(time.Hour))
	a := ks.Admin()
	status, body, header := send(t, http.MethodPost, ks.URL()+"/auth/tokens", "", `{"auth": {"identity": {"methods": ["password"],
		"password": {"user": {"id": "`+a.UserID+`", "password": "`+a.Password+`"}}}, "scope": {"project": {"id": "`+a.ProjectID+`"}}}}`)
	require.Equal(t, http.StatusCreated, status, body)
	assert.Contains(t, body, `"expires_at":"2030-01-02T04:04:05.000000Z"`)
	token := header.Get("X-Subject-Token")

	status, _, _ = send(t, http.MethodHead, ks.URL()+"/auth/tokens", token, "")
	assert.Equal(t, http.StatusOK, status)
	clock.Advance(time.Hour)
	status, _, _ = send(t, http.MethodHead, ks.URL()+"/auth/tokens", token, "")
	assert.Equal(t, http.StatusUnauthorized, status, "the expired token authenticates nothing")
}

func TestV3InjectedUnauthorizedIsRecoveredByOneNewToken(t *testing.T) {
	ks := keystonetest.NewV3(t)
	c, _ := adminClient(t, ks)
	ctx := context.Background()
	_, err := c.ListProjectsWithResponse(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, 1, ks.Calls("issueToken"))

	ks.InjectFault(keystonetest.Fault{Status: http.StatusUnauthorized, Operation: "listProjects"})
	resp, err := c.ListProjectsWithResponse(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, resp.JSON200.Projects, 1)
	assert.Equal(t, 2, ks.Calls("issueToken"), "the session re-authenticated once")
	assert.Equal(t, 3, ks.Calls("listProjects"))

	var faults int
	for _, r := range ks.Requests() {
		if r.Fault {
			faults++
			assert.Equal(t, http.StatusUnauthorized, r.Status)
			assert.Equal(t, "/v3/projects", r.Path)
		}
	}
	assert.Equal(t, 1, faults)
}

func TestV3InjectedThrottlingCarriesRetryAfter(t *testing.T) {
	ks := keystonetest.NewV3(t)
	c, _ := adminClient(t, ks, auth.WithRetries(0, 0))
	ctx := context.Background()
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		ks.InjectFault(keystonetest.Fault{Status: status, RetryAfter: 7 * time.Second, Count: 2, Operation: "listRoles"})
		for range 2 {
			_, err := c.ListRolesWithResponse(ctx, nil)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, status, ae.StatusCode)
			assert.Equal(t, 7*time.Second, ae.RetryAfter)
		}
	}
	_, err := c.ListRolesWithResponse(ctx, nil)
	assert.NoError(t, err, "the faults are used up")
}

func TestV3InjectedDelayMeetsTheCallersDeadline(t *testing.T) {
	ks := keystonetest.NewV3(t)
	c, sess := adminClient(t, ks)
	_, err := sess.Token(context.Background())
	require.NoError(t, err)
	ks.InjectFault(keystonetest.Fault{Delay: time.Minute, Operation: "listDomains"})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.ListDomainsWithResponse(ctx, nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded) || errors.Is(err, apierror.ErrTimeout), "%v", err)
}

func TestV3RevokedAndDisabledUsersTokens(t *testing.T) {
	ks := keystonetest.NewV3(t)
	c, sess := adminClient(t, ks)
	ctx := context.Background()
	alice := ks.AddUser("alice", "alice-secret")
	project := ks.AddProject("web", "")
	ks.GrantProjectRole(alice, project, ks.RoleID("member"))
	aliceSess := auth.New(&auth.Password{AuthURL: ks.URL(), UserID: alice, Password: "alice-secret",
		Scope: auth.Scope{ProjectID: project}}, auth.WithHTTPClient(ks.HTTPClient()))
	token, err := aliceSess.Token(ctx)
	require.NoError(t, err)
	_, err = sess.Token(ctx)
	require.NoError(t, err)

	v, err := c.CheckTokenWithResponse(ctx, &identityv3.CheckTokenParams{XSubjectToken: token})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, v.StatusCode())
	_, err = c.UpdateUserWithResponse(ctx, alice, identityv3.UserUpdateRequest{User: identityv3.UserUpdate{Enabled: ptr(false)}})
	require.NoError(t, err)
	_, err = c.CheckTokenWithResponse(ctx, &identityv3.CheckTokenParams{XSubjectToken: token})
	assert.ErrorIs(t, err, apierror.ErrNotFound, "disabling a user ends its tokens")
}

func ptr[T any](v T) *T { return &v }

func TestV3VersionDiscovery(t *testing.T) {
	ks := keystonetest.NewV3(t)
	a := ks.Admin()
	// An unversioned auth URL is resolved through GET / and GET /v3.
	sess := auth.New(&auth.Password{AuthURL: ks.RootURL(), UserID: a.UserID, Password: a.Password,
		Scope: auth.Scope{ProjectID: a.ProjectID}}, auth.WithHTTPClient(ks.HTTPClient()))
	d, err := identity.New(context.Background(), sess)
	require.NoError(t, err)
	require.NotNil(t, d.V3)
	resp, err := d.V3.Raw().GetProjectWithResponse(context.Background(), a.ProjectID, nil)
	require.NoError(t, err)
	assert.Equal(t, "admin", resp.JSON200.Project.Name)
	status, body, _ := send(t, http.MethodGet, ks.URL(), "", "")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `"v3.14"`)
}

func TestV3WithReleaseAnswersAsThatRelease(t *testing.T) {
	for _, tc := range []struct {
		series string
		want   int
	}{{"", http.StatusOK}, {"2022.2", http.StatusOK}, {"2025.1", http.StatusBadRequest}, {"2026.2", http.StatusOK}} {
		t.Run(tc.series, func(t *testing.T) {
			ks := keystonetest.NewV3(t, keystonetest.WithRelease(tc.series))
			_, sess := adminClient(t, ks)
			token, err := sess.Token(context.Background())
			require.NoError(t, err)
			// Keystone 27 refuses the name__ filters of roles.
			status, body, _ := send(t, http.MethodGet, ks.URL()+"/roles?name__icontains=ADM", token, "")
			assert.Equal(t, tc.want, status, body)
			if status == http.StatusOK {
				assert.Contains(t, body, `"name":"admin"`)
				assert.NotContains(t, body, `"name":"reader"`)
			}
		})
	}
}

func TestV3DateFollowsTheClockSoSessionsRenewAhead(t *testing.T) {
	clock := keystonetest.NewClock(time.Now().Add(24 * time.Hour))
	ks := keystonetest.NewV3(t, keystonetest.WithClock(clock.Now), keystonetest.WithTokenTTL(time.Hour))
	c, _ := adminClient(t, ks)
	ctx := context.Background()
	_, err := c.ListRegionsWithResponse(ctx, nil)
	require.NoError(t, err)
	clock.Advance(time.Hour - 5*time.Second) // inside the session's mandatory margin
	for range 2 {
		_, err = c.ListRegionsWithResponse(ctx, nil)
		require.NoError(t, err)
	}
	assert.Equal(t, 2, ks.Calls("issueToken"), "the session renewed by the server's clock")
	for _, r := range ks.Requests() {
		assert.NotEqual(t, http.StatusUnauthorized, r.Status, "no expired token was sent")
	}
}
