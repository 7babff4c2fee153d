package policies_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func TestPolicyCRUD(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	// A type unique to this test lets the type filter find exactly this
	// policy among those other tests create.
	mime := "application/x-" + strings.ToLower(e2eutil.Name(t, "policy")) + "+json"
	blob := `{"identity:list_users": "role:reader"}`
	body := identityv3.PolicyCreate{Blob: blob, Type: mime}
	body.Set("name", "e2e policy")
	policy := e2eutil.Policy(t, c, body)
	assert.NotEmpty(t, policy.ID)
	assert.Equal(t, mime, policy.Type)
	assert.Equal(t, blob, policy.Blob, "Keystone stores the blob as it was given")
	require.NotNil(t, policy.Links.Self)
	assert.True(t, strings.HasSuffix(*policy.Links.Self, "/policies/"+policy.ID), *policy.Links.Self)

	got, err := c.Raw().GetPolicyWithResponse(ctx, policy.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, got.StatusCode())
	assert.Equal(t, policy.ID, got.JSON200.Policy.ID)
	assert.Equal(t, blob, got.JSON200.Policy.Blob)
	assert.Equal(t, "e2e policy", e2eutil.Extra(t, got.Body, "policy", "name"), "the extra attribute is kept")

	listed, err := c.Raw().ListPoliciesWithResponse(ctx, &identityv3.ListPoliciesParams{Type: new(mime)})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, listed.StatusCode())
	require.Len(t, listed.JSON200.Policies, 1)
	assert.Equal(t, policy.ID, listed.JSON200.Policies[0].ID)

	all, err := c.Raw().ListPoliciesWithResponse(ctx, nil)
	require.NoError(t, err)
	var ids []string
	for _, p := range all.JSON200.Policies {
		ids = append(ids, p.ID)
	}
	assert.Contains(t, ids, policy.ID)

	// Keystone takes the blob only as a string: a JSON object is refused.
	_, err = c.Raw().UpdatePolicyWithBodyWithResponse(ctx, policy.ID, "application/json",
		strings.NewReader(`{"policy": {"blob": {"a": "b"}}}`))
	require.ErrorIs(t, err, apierror.ErrBadRequest)

	newBlob := `{"identity:list_users": "role:admin"}`
	newMime := mime + "-v2"
	updated, err := c.Raw().UpdatePolicyWithResponse(ctx, policy.ID, identityv3.UpdatePolicyJSONRequestBody{
		Policy: identityv3.PolicyUpdate{Blob: new(newBlob), Type: new(newMime)},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, updated.StatusCode())
	assert.Equal(t, newBlob, updated.JSON200.Policy.Blob)
	assert.Equal(t, newMime, updated.JSON200.Policy.Type)

	// The filter follows the new type.
	old, err := c.Raw().ListPoliciesWithResponse(ctx, &identityv3.ListPoliciesParams{Type: new(mime)})
	require.NoError(t, err)
	assert.Empty(t, old.JSON200.Policies)

	e2eutil.RequireDeleted(t, c.Raw().DeletePolicyWithResponse, c.Raw().GetPolicyWithResponse, policy.ID)
	_, err = c.Raw().UpdatePolicyWithResponse(ctx, policy.ID, identityv3.UpdatePolicyJSONRequestBody{
		Policy: identityv3.PolicyUpdate{Blob: new("{}")},
	})
	require.ErrorIs(t, err, apierror.ErrNotFound)
}

func TestPolicyCreateNeedsBlobAndType(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	_, err := c.Raw().CreatePolicyWithBodyWithResponse(ctx, "application/json",
		strings.NewReader(`{"policy": {"blob": "{}"}}`))
	require.ErrorIs(t, err, apierror.ErrBadRequest, "type is required")
	_, err = c.Raw().CreatePolicyWithBodyWithResponse(ctx, "application/json",
		strings.NewReader(`{"policy": {"type": "application/json"}}`))
	require.ErrorIs(t, err, apierror.ErrBadRequest, "blob is required")
}
