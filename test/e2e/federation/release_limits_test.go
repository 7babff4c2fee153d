package federation_test

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

// Keystone 30 refuses an identity provider remote id longer than 64
// characters; Zed and Epoxy take it.
func TestIdentityProviderRemoteIDLimit(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	id := e2eutil.Name(t, "idp-longremote")
	remote := "https://idp.example.com/" + strings.Repeat("r", 65)

	resp, err := admin.Raw().CreateIdentityProviderWithResponse(ctx, id, identityv3.CreateIdentityProviderJSONRequestBody{
		IdentityProvider: identityv3.IdentityProviderCreate{RemoteIDs: nullable.NewNullableWithValue([]string{remote})},
	})
	if e2eutil.ReleaseIs(t, e2eutil.Latest) {
		require.ErrorIs(t, err, apierror.ErrBadRequest)
		return
	}
	created := e2eutil.Status(t, http.StatusCreated, resp, err).JSON201.IdentityProvider
	e2eutil.DeleteLater(t, admin.Raw().DeleteIdentityProviderWithResponse, id)
	assert.Equal(t, []string{remote}, created.RemoteIDs)
}
