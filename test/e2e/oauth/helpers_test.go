package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func ignoreNotFound(err error) error {
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	return err
}

func ptr[T any](v T) *T { return &v }

// anonymous is a generated client without a session: no X-Auth-Token, and
// the absolute Keystone URL, so that a request editor (such as an OAuth1
// signer) sees the URL the request goes to. Answers outside 2xx come back as
// responses, not errors; every answer is validated against the spec.
func anonymous(t *testing.T) *identityv3.ClientWithResponses {
	t.Helper()
	c, err := identityv3.NewClientWithResponses(e2eutil.AuthURL(), identityv3.WithHTTPClient(e2eutil.HTTPClient(t)))
	require.NoError(t, err)
	return c
}

func createProject(t *testing.T, c *identity.Client) identityv3.Project {
	t.Helper()
	resp, err := c.CreateProjectWithResponse(e2eutil.Ctx(t), identityv3.CreateProjectJSONRequestBody{
		Project: identityv3.ProjectCreate{Name: e2eutil.Name(t, "oauthproj")},
	})
	require.NoError(t, err)
	p := resp.JSON201.Project
	cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteProjectWithResponse(ctx, p.ID)
		return ignoreNotFound(err)
	})
	return p
}

func createUser(t *testing.T, c *identity.Client, password string) identityv3.User {
	t.Helper()
	resp, err := c.CreateUserWithResponse(e2eutil.Ctx(t), identityv3.CreateUserJSONRequestBody{
		User: identityv3.UserCreate{Name: e2eutil.Name(t, "oauthuser"), Password: &password},
	})
	require.NoError(t, err)
	u := resp.JSON201.User
	cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteUserWithResponse(ctx, u.ID)
		return ignoreNotFound(err)
	})
	return u
}

func createRole(t *testing.T, c *identity.Client) identityv3.Role {
	t.Helper()
	resp, err := c.CreateRoleWithResponse(e2eutil.Ctx(t), identityv3.CreateRoleJSONRequestBody{
		Role: identityv3.RoleCreate{Name: e2eutil.Name(t, "oauthrole")},
	})
	require.NoError(t, err)
	r := resp.JSON201.Role
	cleanup(t, func(ctx context.Context) error {
		_, err := c.DeleteRoleWithResponse(ctx, r.ID)
		return ignoreNotFound(err)
	})
	return r
}

func roleID(t *testing.T, c *identity.Client, name string) string {
	t.Helper()
	resp, err := c.ListRolesWithResponse(e2eutil.Ctx(t), &identityv3.ListRolesParams{Name: &name})
	require.NoError(t, err)
	require.Len(t, resp.JSON200.Roles, 1, "role %q", name)
	return resp.JSON200.Roles[0].ID
}

func grant(t *testing.T, c *identity.Client, projectID, userID, roleID string) {
	t.Helper()
	resp, err := c.GrantProjectUserRoleWithResponse(e2eutil.Ctx(t), projectID, userID, roleID)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, resp.StatusCode())
	cleanup(t, func(ctx context.Context) error {
		_, err := c.RevokeProjectUserRoleWithResponse(ctx, projectID, userID, roleID)
		return ignoreNotFound(err)
	})
}

func basicAuth(user, password string) identityv3.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.SetBasicAuth(user, password)
		return nil
	}
}

func withToken(token string) identityv3.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Auth-Token", token)
		return nil
	}
}

func nullableString(s string) nullable.Nullable[string] { return nullable.NewNullableWithValue(s) }

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func secondsOf(n int) time.Duration { return time.Duration(n) * time.Second }

// cleanup is e2eutil.Cleanup, retried when the connection breaks: under
// load the test Keystone's sqlite answers "database is locked" with an empty
// reply, and a delete is safe to repeat (a not-found counts as done).
func cleanup(t *testing.T, fn func(ctx context.Context) error) {
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		var err error
		for attempt := 0; attempt < 4; attempt++ {
			if err = fn(ctx); err == nil || !errors.Is(err, apierror.ErrConnection) {
				return err
			}
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(attempt+1) * time.Second):
			}
		}
		return err
	})
}
