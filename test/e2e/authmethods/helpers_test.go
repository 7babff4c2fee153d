// Package authmethods_test runs every Keystone-native auth plugin of
// pkg/auth against the real Keystone: password, token, application
// credential, TOTP, multi-factor with auth receipts, OAuth1, OAuth2 client
// credentials, trust, system, domain and project scopes, rescoping,
// admin_token, state export and the file cache.
package authmethods_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func ptr[T any](v T) *T { return &v }

func ignoreNotFound(err error) error {
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	return err
}

// user is a user the tests log in as.
type user struct {
	ID, Name, Password string
}

// newUser creates a user in the default domain, deleted when the test ends.
func newUser(t *testing.T, admin *identity.Client, options *identityv3.UserOptions) user {
	t.Helper()
	u := user{Name: e2eutil.Name(t, "am"), Password: "pw-" + e2eutil.Name(t, "x")}
	resp, err := admin.Raw().CreateUserWithResponse(e2eutil.Ctx(t), identityv3.CreateUserJSONRequestBody{
		User: identityv3.UserCreate{Name: u.Name, Password: nullable.NewNullableWithValue(u.Password), Options: options},
	})
	require.NoError(t, err)
	u.ID = resp.JSON201.User.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteUserWithResponse(ctx, u.ID)
		return ignoreNotFound(err)
	})
	return u
}

// memberOf is a new user with the member role on a new project.
func memberOf(t *testing.T, admin *identity.Client) (user, identityv3.Project) {
	t.Helper()
	u := newUser(t, admin, nil)
	p := e2eutil.Project(t, admin, e2eutil.Prefix("amp"))
	e2eutil.GrantProjectRole(t, admin, p.ID, u.ID, e2eutil.RoleID(t, admin, "member"))
	return u, p
}

// access logs in with plugin through a validating session.
func access(t *testing.T, plugin auth.Plugin, opts ...auth.Option) (*auth.Session, *auth.AccessInfo) {
	t.Helper()
	sess := e2eutil.Session(t, plugin, opts...)
	a, err := sess.AccessInfo(e2eutil.Ctx(t))
	require.NoError(t, err)
	return sess, a
}

// checkFresh asserts what every new token has.
func checkFresh(t *testing.T, a *auth.AccessInfo) {
	t.Helper()
	assert.NotEmpty(t, a.Token)
	assert.Equal(t, "v3", a.Version())
	assert.Equal(t, e2eutil.AuthURL(), a.AuthURL)
	assert.True(t, a.Expires().After(time.Now().Add(10*time.Minute)), "expires %v", a.Expires())
	assert.False(t, a.Issued().After(time.Now().Add(time.Minute)), "issued %v", a.Issued())
	assert.False(t, a.WillExpireSoon(5*time.Minute))
	assert.NotEmpty(t, a.AuditID())
}

// usable checks that the session's token works for a request every user
// may make (GET /v3/auth/projects).
func usable(t *testing.T, sess *auth.Session) []identityv3.AuthProject {
	t.Helper()
	projects, err := auth.AvailableProjects(e2eutil.Ctx(t), sess)
	require.NoError(t, err)
	return projects
}

func projectIDs(ps []identityv3.AuthProject) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, *p.ID)
	}
	return ids
}

// createTOTP registers a fresh TOTP secret for the user and returns it.
func createTOTP(t *testing.T, admin *identity.Client, userID string) string {
	t.Helper()
	secret := auth.NewTOTPSecret()
	resp, err := admin.Raw().CreateCredentialWithResponse(e2eutil.Ctx(t), identityv3.CreateCredentialJSONRequestBody{
		Credential: identityv3.CredentialCreate{Type: "totp", UserID: userID, Blob: secret},
	})
	require.NoError(t, err)
	id := resp.JSON201.Credential.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.Raw().DeleteCredentialWithResponse(ctx, id)
		return ignoreNotFound(err)
	})
	return secret
}

// countingTransport counts the token requests that pass through it.
type countingTransport struct {
	next   http.RoundTripper
	tokens atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && len(r.URL.Path) >= len("/auth/tokens") && r.URL.Path[len(r.URL.Path)-len("/auth/tokens"):] == "/auth/tokens" {
		c.tokens.Add(1)
	}
	return c.next.RoundTrip(r)
}

// counted is a validating HTTP client that counts token requests.
func counted(t *testing.T) (*http.Client, *countingTransport) {
	ct := &countingTransport{next: e2eutil.Transport(t)}
	return &http.Client{Transport: ct, Timeout: time.Minute}, ct
}
