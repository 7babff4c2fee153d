package catalogresources_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func TestRegionHierarchy(t *testing.T) {
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	// PUT creates a region with the id from the path.
	parentID := e2eutil.Name(t, "region")
	e2eutil.DeleteLater(t, c.Raw().DeleteRegionWithResponse, parentID)
	put, err := c.Raw().CreateRegionWithIDWithResponse(ctx, parentID, identityv3.CreateRegionWithIDJSONRequestBody{
		Region: identityv3.RegionCreate{Description: nullable.NewNullableWithValue("the parent")},
	})
	parent := e2eutil.Created(t, put, err).JSON201.Region
	assert.Equal(t, parentID, parent.ID)
	assert.Equal(t, "the parent", *parent.Description)
	assert.Nil(t, parent.ParentRegionID)

	// POST with an id in the body and a parent.
	childID := e2eutil.Name(t, "child")
	e2eutil.DeleteLater(t, c.Raw().DeleteRegionWithResponse, childID)
	post, err := c.Raw().CreateRegionWithResponse(ctx, identityv3.CreateRegionJSONRequestBody{
		Region: identityv3.RegionCreate{ID: &childID, ParentRegionID: nullable.NewNullableWithValue(parentID)},
	})
	child := e2eutil.Created(t, post, err).JSON201.Region
	assert.Equal(t, childID, child.ID)
	require.NotNil(t, child.ParentRegionID)
	assert.Equal(t, parentID, *child.ParentRegionID)
	assert.Equal(t, "", *child.Description, "Keystone stores a missing description as an empty string")

	// POST without an id: Keystone picks one.
	gen, err := c.Raw().CreateRegionWithResponse(ctx, identityv3.CreateRegionJSONRequestBody{
		Region: identityv3.RegionCreate{ParentRegionID: nullable.NewNullableWithValue(parentID)},
	})
	generated := e2eutil.Created(t, gen, err).JSON201.Region
	e2eutil.DeleteLater(t, c.Raw().DeleteRegionWithResponse, generated.ID)
	assert.Len(t, generated.ID, 32, "a generated region id is a uuid4 hex")

	// The same id again is a conflict; an id in the body that differs from
	// the path is a bad request.
	_, err = c.Raw().CreateRegionWithIDWithResponse(ctx, parentID, identityv3.CreateRegionWithIDJSONRequestBody{})
	assert.ErrorIs(t, err, apierror.ErrConflict)
	other := e2eutil.Name(t, "other")
	_, err = c.Raw().CreateRegionWithIDWithResponse(ctx, e2eutil.Name(t, "path"), identityv3.CreateRegionWithIDJSONRequestBody{
		Region: identityv3.RegionCreate{ID: &other},
	})
	assert.ErrorIs(t, err, apierror.ErrBadRequest)

	// A parent that does not exist is a 404.
	missing := e2eutil.Name(t, "missing")
	_, err = c.Raw().CreateRegionWithResponse(ctx, identityv3.CreateRegionJSONRequestBody{
		Region: identityv3.RegionCreate{ParentRegionID: nullable.NewNullableWithValue(missing)},
	})
	assert.ErrorIs(t, err, apierror.ErrNotFound)

	children, err := c.Raw().ListRegionsWithResponse(ctx, &identityv3.ListRegionsParams{ParentRegionID: &parentID})
	require.NoError(t, err)
	assert.Equal(t, sorted(childID, generated.ID), sorted(e2eutil.IDs(children.JSON200.Regions)...))

	got, err := c.Raw().GetRegionWithResponse(ctx, childID)
	require.NoError(t, err)
	assert.Equal(t, child, got.JSON200.Region)

	// PATCH: a description, then null for the parent makes the child a
	// top-level region.
	upd, err := c.Raw().UpdateRegionWithResponse(ctx, childID, identityv3.UpdateRegionJSONRequestBody{
		Region: identityv3.RegionUpdate{Description: nullable.NewNullableWithValue("now a child")},
	})
	require.NoError(t, err)
	assert.Equal(t, "now a child", *upd.JSON200.Region.Description)
	assert.Equal(t, parentID, *upd.JSON200.Region.ParentRegionID)

	upd, err = c.Raw().UpdateRegionWithResponse(ctx, childID, identityv3.UpdateRegionJSONRequestBody{
		Region: identityv3.RegionUpdate{
			ParentRegionID: nullable.NewNullNullable[string](),
			Description:    nullable.NewNullNullable[string](),
		},
	})
	require.NoError(t, err)
	assert.Nil(t, upd.JSON200.Region.ParentRegionID, "null removed the parent")
	assert.Equal(t, "", *upd.JSON200.Region.Description, "null clears the description to an empty string")

	children, err = c.Raw().ListRegionsWithResponse(ctx, &identityv3.ListRegionsParams{ParentRegionID: &parentID})
	require.NoError(t, err)
	assert.Equal(t, []string{generated.ID}, sorted(e2eutil.IDs(children.JSON200.Regions)...))

	all, err := c.Raw().ListRegionsWithResponse(ctx, nil)
	require.NoError(t, err)
	assert.Subset(t, e2eutil.IDs(all.JSON200.Regions), []string{parentID, childID, generated.ID})

	// Deleting the parent deletes its remaining child with it.
	del, err := c.Raw().DeleteRegionWithResponse(ctx, parentID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, del.StatusCode())
	_, err = c.Raw().GetRegionWithResponse(ctx, generated.ID)
	assert.ErrorIs(t, err, apierror.ErrNotFound, "the child went with its parent")

	del, err = c.Raw().DeleteRegionWithResponse(ctx, childID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, del.StatusCode())
	_, err = c.Raw().GetRegionWithResponse(ctx, childID)
	var apiErr *apierror.Error
	require.True(t, errors.As(err, &apiErr), "want an *apierror.Error, got %v", err)
	assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
}
