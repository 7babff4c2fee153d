package domains_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// Keystone 30 caps a domain's description at 255 characters; Zed and Epoxy
// store a longer one.
func TestDomainDescriptionLimit(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	long := strings.Repeat("d", 256)

	resp, err := admin.Raw().CreateDomainWithResponse(ctx, identityv3.CreateDomainJSONRequestBody{
		Domain: identityv3.DomainCreate{Name: e2eutil.Name(t, "longdesc"), Description: nullable.NewNullableWithValue(long)},
	})
	if e2eutil.ReleaseIs(t, e2eutil.Latest) {
		require.ErrorIs(t, err, apierror.ErrBadRequest)
		return
	}
	created := e2eutil.Status(t, http.StatusCreated, resp, err).JSON201.Domain
	e2eutil.DeleteDomainLater(t, admin, created.ID)
	require.NotNil(t, created.Description)
	assert.Equal(t, long, *created.Description)
}

// Epoxy and later refuse a project list filtered by a parent id that is not
// a UUID (such as the default domain's); Zed lists the domain's top-level
// projects.
func TestProjectParentIDFilterNeedsAUUID(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	resp, err := admin.Raw().ListProjectsWithResponse(ctx, &identityv3.ListProjectsParams{ParentID: new("default")})
	if e2eutil.ReleaseAtLeast(t, e2eutil.Epoxy) {
		require.ErrorIs(t, err, apierror.ErrBadRequest)
		return
	}
	projects := e2eutil.OK(t, resp, err).JSON200.Projects
	admins, err := admin.Raw().ListProjectsWithResponse(ctx, &identityv3.ListProjectsParams{Name: new("admin")})
	require.NoError(t, err)
	require.Len(t, admins.JSON200.Projects, 1)
	assert.Contains(t, e2eutil.IDs(projects), admins.JSON200.Projects[0].ID)
}
