package appcreds_test

import (
	"context"
	"testing"
	"time"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// owner is a user with the member role on a project of their own, and a
// client with their project-scoped token: Keystone lets only the owning
// user create application credentials.
type owner struct {
	userID, projectID string
	client            *identity.Client
}

func newOwner(t *testing.T, admin *identity.Client) owner {
	t.Helper()
	project := e2eutil.Project(t, admin, e2eutil.Prefix("acproj"))
	user := e2eutil.Member(t, admin, project.ID, e2eutil.Prefix("acuser"))
	return owner{
		userID:    user.ID,
		projectID: project.ID,
		client:    e2eutil.Client(t, e2eutil.UserSession(t, user, auth.Scope{ProjectID: project.ID})),
	}
}

// issued is a test-only auth.Plugin that hands the Session a token obtained
// beforehand. A token from an application credential cannot be exchanged
// for another one with the token method, so this is how a Session uses it.
type issued struct{ access *auth.AccessInfo }

func (p issued) Authenticate(context.Context, auth.Doer) (*auth.AccessInfo, error) {
	return p.access, nil
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
