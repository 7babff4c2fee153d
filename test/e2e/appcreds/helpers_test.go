package appcreds_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func ignoreNotFound(err error) error {
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	return err
}

// owner is a user with the member role on a project of their own, and a
// client with their project-scoped token: Keystone lets only the owning
// user create application credentials.
type owner struct {
	userID, projectID, password string
	client                      *identity.Client
}

func newOwner(t *testing.T, admin *identity.Client) owner {
	t.Helper()
	ctx := e2eutil.Ctx(t)
	o := owner{password: "pw-" + e2eutil.Name(t, "x")}

	proj, err := admin.CreateProjectWithResponse(ctx, identityv3.CreateProjectJSONRequestBody{
		Project: identityv3.ProjectCreate{Name: e2eutil.Name(t, "acproj")},
	})
	require.NoError(t, err)
	o.projectID = proj.JSON201.Project.ID
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.DeleteProjectWithResponse(ctx, o.projectID)
		return ignoreNotFound(err)
	})

	user, err := admin.CreateUserWithResponse(ctx, identityv3.CreateUserJSONRequestBody{
		User: identityv3.UserCreate{Name: e2eutil.Name(t, "acuser"), Password: &o.password},
	})
	require.NoError(t, err)
	o.userID = user.JSON201.User.ID
	// Deleting the user deletes their application credentials and rules.
	e2eutil.Cleanup(t, func(ctx context.Context) error {
		_, err := admin.DeleteUserWithResponse(ctx, o.userID)
		return ignoreNotFound(err)
	})

	member := "member"
	roles, err := admin.ListRolesWithResponse(ctx, &identityv3.ListRolesParams{Name: &member})
	require.NoError(t, err)
	require.Len(t, roles.JSON200.Roles, 1)
	grant, err := admin.GrantProjectUserRoleWithResponse(ctx, o.projectID, o.userID, roles.JSON200.Roles[0].ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, grant.StatusCode())

	o.client = e2eutil.Client(t, e2eutil.Session(t, &auth.Password{
		AuthURL: e2eutil.AuthURL(), UserID: o.userID, Password: o.password,
		Scope: auth.Scope{ProjectID: o.projectID},
	}))
	return o
}

// issued is a test-only auth.Plugin that hands the Session a token obtained
// beforehand. A token from an application credential cannot be exchanged
// for another one with the token method, so this is how a Session uses it.
type issued struct{ access *auth.AccessInfo }

func (p issued) Authenticate(context.Context, auth.Doer) (*auth.AccessInfo, error) {
	return p.access, nil
}

// rawV3 is the generated client without a session, for building token
// requests by hand; its answers are validated like every other.
func rawV3(t *testing.T) *identityv3.ClientWithResponses {
	t.Helper()
	c, err := identityv3.NewClientWithResponses(e2eutil.AuthURL(), identityv3.WithHTTPClient(e2eutil.HTTPClient(t)))
	require.NoError(t, err)
	return c
}

// accessInfo turns an issued token into what a Session holds.
func accessInfo(token string, body *identityv3.Token) *auth.AccessInfo {
	return &auth.AccessInfo{
		Token:     token,
		ExpiresAt: body.ExpiresAt.Time,
		IssuedAt:  body.IssuedAt.Time,
		AuthURL:   e2eutil.AuthURL(),
		Body:      body,
	}
}

// farFuture is an expiry that no test run reaches, at whole seconds (what
// Keystone keeps).
var farFuture = time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC)
