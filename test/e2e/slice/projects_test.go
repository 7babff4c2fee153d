package slice_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func projectIDs(t *testing.T, c *identity.Client, params identityv3.ListProjectsParams) []string {
	t.Helper()
	var ids []string
	for p, err := range c.Projects(e2eutil.Ctx(t), &params) {
		require.NoError(t, err)
		ids = append(ids, p.ID)
	}
	return ids
}

func TestProjectLifecycle(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	c := e2eutil.Admin(t)
	name := e2eutil.Name(t, "proj")
	p := e2eutil.Project(t, c, e2eutil.Body(identityv3.ProjectCreate{
		Name: name, Description: nullable.NewNullableWithValue("first"), Tags: []string{"alpha", "beta"},
		AdditionalProperties: map[string]any{"cost_center": "cc-42"},
	}))
	assert.Equal(t, name, p.Name)
	assert.Equal(t, "default", *p.DomainID)
	assert.True(t, p.Enabled)
	assert.Equal(t, "default", *p.ParentID, "a top-level project's parent is its domain")
	assert.ElementsMatch(t, []string{"alpha", "beta"}, p.Tags)

	got, err := c.Raw().GetProjectWithResponse(ctx, p.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, "first", *got.JSON200.Project.Description)
	assert.Contains(t, string(got.Body), `"cost_center": "cc-42"`, "extra attributes come back")

	upd, err := c.Raw().UpdateProjectWithResponse(ctx, p.ID, identityv3.UpdateProjectJSONRequestBody{
		Project: identityv3.ProjectUpdate{Description: nullable.NewNullableWithValue("second"), Enabled: new(false)},
	})
	require.NoError(t, err)
	assert.Equal(t, "second", *upd.JSON200.Project.Description)
	assert.False(t, upd.JSON200.Project.Enabled)

	// null clears the description
	upd, err = c.Raw().UpdateProjectWithResponse(ctx, p.ID, identityv3.UpdateProjectJSONRequestBody{
		Project: identityv3.ProjectUpdate{Description: nullable.NewNullNullable[string]()},
	})
	require.NoError(t, err)
	assert.Nil(t, upd.JSON200.Project.Description)

	del, err := c.Raw().DeleteProjectWithResponse(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, del.StatusCode())

	_, err = c.Raw().GetProjectWithResponse(ctx, p.ID, nil)
	require.Error(t, err)
	assert.True(t, errors.Is(err, apierror.ErrNotFound))
	var apiErr *apierror.Error
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, 404, apiErr.Code)
	assert.Contains(t, apiErr.Message, p.ID)
	assert.NotEmpty(t, apiErr.RequestID)
}

func TestProjectConflict(t *testing.T) {
	c := e2eutil.Admin(t)
	name := e2eutil.Name(t, "dup")
	e2eutil.Project(t, c, e2eutil.Named(name))
	_, err := c.Raw().CreateProjectWithResponse(e2eutil.Ctx(t), identityv3.CreateProjectJSONRequestBody{Project: identityv3.ProjectCreate{Name: name}})
	require.Error(t, err)
	assert.True(t, errors.Is(err, apierror.ErrConflict))
	var apiErr *apierror.Error
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, 409, apiErr.StatusCode)
	assert.Contains(t, apiErr.Message, name)
}

func TestProjectFilters(t *testing.T) {
	c := e2eutil.Admin(t)
	prefix := e2eutil.Name(t, "flt")
	parent := e2eutil.Project(t, c, e2eutil.Body(identityv3.ProjectCreate{Name: prefix + "-parent", Tags: []string{"red", "green"}}))
	child := e2eutil.Project(t, c, e2eutil.Body(identityv3.ProjectCreate{Name: prefix + "-child", ParentID: nullable.NewNullableWithValue(parent.ID), Tags: []string{"red"}}))
	off := e2eutil.Project(t, c, e2eutil.Body(identityv3.ProjectCreate{Name: prefix + "-OFF", Enabled: new(false), Tags: []string{"blue"}}))
	mine := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			if id == parent.ID || id == child.ID || id == off.ID {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }

	cases := map[string]struct {
		params identityv3.ListProjectsParams
		want   []string
	}{
		"name":             {identityv3.ListProjectsParams{Name: new(prefix + "-child")}, sorted(child.ID)},
		"name__contains":   {identityv3.ListProjectsParams{NameContains: new(prefix)}, sorted(parent.ID, child.ID, off.ID)},
		"name__icontains":  {identityv3.ListProjectsParams{NameIcontains: new(prefix + "-off")}, sorted(off.ID)},
		"name__startswith": {identityv3.ListProjectsParams{NameStartswith: new(prefix + "-p")}, sorted(parent.ID)},
		"name__endswith":   {identityv3.ListProjectsParams{NameEndswith: new(prefix + "-child")}, sorted(child.ID)},
		"enabled=false":    {identityv3.ListProjectsParams{Enabled: new(false), NameContains: new(prefix)}, sorted(off.ID)},
		"parent_id":        {identityv3.ListProjectsParams{ParentID: &parent.ID}, sorted(child.ID)},
		"domain_id":        {identityv3.ListProjectsParams{DomainID: new("default"), NameContains: new(prefix)}, sorted(parent.ID, child.ID, off.ID)},
		"is_domain=false":  {identityv3.ListProjectsParams{IsDomain: new(false), NameContains: new(prefix)}, sorted(parent.ID, child.ID, off.ID)},
		"tags (all)":       {identityv3.ListProjectsParams{Tags: []string{"red", "green"}}, sorted(parent.ID)},
		"tags-any":         {identityv3.ListProjectsParams{TagsAny: []string{"green", "blue"}}, sorted(parent.ID, off.ID)},
		"not-tags":         {identityv3.ListProjectsParams{NotTags: []string{"red", "green"}, NameContains: new(prefix)}, sorted(child.ID, off.ID)},
		"not-tags-any":     {identityv3.ListProjectsParams{NotTagsAny: []string{"red"}, NameContains: new(prefix)}, sorted(off.ID)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, mine(projectIDs(t, c, tc.params)))
		})
	}
}

func TestProjectHierarchy(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	c := e2eutil.Admin(t)
	prefix := e2eutil.Name(t, "tree")
	parent := e2eutil.Project(t, c, e2eutil.Named(prefix+"-p"))
	child := e2eutil.Project(t, c, e2eutil.Body(identityv3.ProjectCreate{Name: prefix + "-c", ParentID: nullable.NewNullableWithValue(parent.ID)}))

	// The id forms show the whole hierarchy.
	resp, err := c.Raw().GetProjectWithResponse(ctx, child.ID, &identityv3.GetProjectParams{ParentsAsIDs: new(true)})
	require.NoError(t, err)
	ids, err := resp.JSON200.Project.Parents.AsProjectIDTree()
	require.NoError(t, err)
	assert.Contains(t, ids, parent.ID)

	// The list forms show only the projects the caller has a role on.
	resp, err = c.Raw().GetProjectWithResponse(ctx, child.ID, &identityv3.GetProjectParams{ParentsAsList: new(true)})
	require.NoError(t, err)
	parents, err := resp.JSON200.Project.Parents.AsProjectWithHierarchyParents0()
	require.NoError(t, err)
	assert.Empty(t, parents, "admin has no role on the parent yet")
	grantAdmin(t, "/projects/"+parent.ID)
	grantAdmin(t, "/projects/"+child.ID)
	resp, err = c.Raw().GetProjectWithResponse(ctx, child.ID, &identityv3.GetProjectParams{ParentsAsList: new(true)})
	require.NoError(t, err)
	parents, err = resp.JSON200.Project.Parents.AsProjectWithHierarchyParents0()
	require.NoError(t, err)
	require.Len(t, parents, 1)
	assert.Equal(t, parent.ID, parents[0].Project.ID)

	resp, err = c.Raw().GetProjectWithResponse(ctx, parent.ID, &identityv3.GetProjectParams{SubtreeAsIDs: new(true)})
	require.NoError(t, err)
	tree, err := resp.JSON200.Project.Subtree.AsProjectIDTree()
	require.NoError(t, err)
	assert.Contains(t, tree, child.ID)

	resp, err = c.Raw().GetProjectWithResponse(ctx, parent.ID, &identityv3.GetProjectParams{SubtreeAsList: new(true)})
	require.NoError(t, err)
	subtree, err := resp.JSON200.Project.Subtree.AsProjectWithHierarchySubtree0()
	require.NoError(t, err)
	require.Len(t, subtree, 1)
	assert.Equal(t, child.ID, subtree[0].Project.ID)

	// A project with children cannot be deleted.
	_, err = c.Raw().DeleteProjectWithResponse(ctx, parent.ID)
	assert.True(t, errors.Is(err, apierror.ErrForbidden) || errors.Is(err, apierror.ErrBadRequest), "%v", err)
}

func TestProjectTags(t *testing.T) {
	ctx := e2eutil.Ctx(t)
	c := e2eutil.Admin(t)
	p := e2eutil.Project(t, c, e2eutil.Prefix("tags"))

	add, err := c.Raw().AddProjectTagWithResponse(ctx, p.ID, "blue")
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, add.StatusCode())

	check, err := c.Raw().CheckProjectTagWithResponse(ctx, p.ID, "blue")
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, check.StatusCode())
	_, err = c.Raw().CheckProjectTagWithResponse(ctx, p.ID, "absent")
	assert.True(t, errors.Is(err, apierror.ErrNotFound))

	replaced, err := c.Raw().ReplaceProjectTagsWithResponse(ctx, p.ID, identityv3.ReplaceProjectTagsJSONRequestBody{Tags: []string{"x", "y"}})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"x", "y"}, replaced.JSON200.Tags)

	list, err := c.Raw().ListProjectTagsWithResponse(ctx, p.ID)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"x", "y"}, list.JSON200.Tags)

	_, err = c.Raw().DeleteProjectTagWithResponse(ctx, p.ID, "x")
	require.NoError(t, err)
	list, err = c.Raw().ListProjectTagsWithResponse(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"y"}, list.JSON200.Tags)

	_, err = c.Raw().DeleteProjectTagsWithResponse(ctx, p.ID)
	require.NoError(t, err)
	list, err = c.Raw().ListProjectTagsWithResponse(ctx, p.ID)
	require.NoError(t, err)
	assert.Empty(t, list.JSON200.Tags)
}
