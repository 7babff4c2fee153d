package domains_test

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func listDomainIDs(t *testing.T, c *identity.Client, params identityv3.ListDomainsParams) []string {
	t.Helper()
	resp, err := c.Raw().ListDomainsWithResponse(e2eutil.Ctx(t), &params)
	return e2eutil.IDs(e2eutil.OK(t, resp, err).JSON200.Domains)
}

func TestDomainCRUD(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	name := e2eutil.Name(t, "dom")
	body := identityv3.DomainCreate{
		Name:        name,
		Description: nullable.NewNullableWithValue("first description"),
		Tags:        []string{"blue", "green"},
		Options:     &identityv3.DomainOptions{Immutable: new(false)},
	}
	domain := e2eutil.Domain(t, c, e2eutil.Body(body))

	assert.NotEmpty(t, domain.ID)
	assert.Equal(t, name, domain.Name)
	assert.True(t, domain.Enabled, "a new domain is enabled")
	require.NotNil(t, domain.Description)
	assert.Equal(t, "first description", *domain.Description)
	assert.ElementsMatch(t, []string{"blue", "green"}, domain.Tags)
	require.NotNil(t, domain.Options)
	require.NotNil(t, domain.Options.Immutable)
	assert.False(t, *domain.Options.Immutable)
	require.NotNil(t, domain.Links.Self)
	assert.True(t, strings.HasSuffix(*domain.Links.Self, "/domains/"+domain.ID), *domain.Links.Self)

	got, err := c.Raw().GetDomainWithResponse(ctx, domain.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, got.StatusCode())
	assert.Equal(t, domain.ID, got.JSON200.Domain.ID)

	_, err = c.Raw().CreateDomainWithResponse(ctx, identityv3.CreateDomainJSONRequestBody{
		Domain: identityv3.DomainCreate{Name: name},
	})
	require.ErrorIs(t, err, apierror.ErrConflict, "domain names are unique")

	newName := e2eutil.Name(t, "renamed")
	updated, err := c.Raw().UpdateDomainWithResponse(ctx, domain.ID, identityv3.UpdateDomainJSONRequestBody{
		Domain: identityv3.DomainUpdate{
			Name:        new(newName),
			Description: nullable.NewNullNullable[string](),
			Tags:        []string{"red"},
		},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, updated.StatusCode())
	d := updated.JSON200.Domain
	assert.Equal(t, newName, d.Name)
	assert.Nil(t, d.Description, "null cleared the description")
	assert.Equal(t, []string{"red"}, d.Tags, "tags are replaced, not merged")
	assert.True(t, d.Enabled, "a PATCH leaves out what it does not name")

	// An enabled domain cannot be deleted.
	_, err = c.Raw().DeleteDomainWithResponse(ctx, domain.ID)
	require.ErrorIs(t, err, apierror.ErrForbidden)

	disabled, err := c.Raw().UpdateDomainWithResponse(ctx, domain.ID, identityv3.UpdateDomainJSONRequestBody{
		Domain: identityv3.DomainUpdate{Enabled: new(false)},
	})
	require.NoError(t, err)
	assert.False(t, disabled.JSON200.Domain.Enabled)

	e2eutil.RequireDeleted(t, c.Raw().DeleteDomainWithResponse, c.Raw().GetDomainWithResponse, domain.ID)
}

// TestDomainExtraAttributes runs before the package's parallel tests: on
// Epoxy a domain with an extra attribute makes every domain list fail until
// it is gone.
func TestDomainExtraAttributes(t *testing.T) {
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	body := identityv3.DomainCreate{Name: e2eutil.Name(t, "extra")}
	body.Set("owner_team", "identity")

	if !e2eutil.ReleaseIs(t, e2eutil.Epoxy) {
		domain := e2eutil.Domain(t, c, e2eutil.Body(body))
		got, err := c.Raw().GetDomainWithResponse(ctx, domain.ID)
		assert.Equal(t, "identity", e2eutil.Extra(t, e2eutil.OK(t, got, err).Body, "domain", "owner_team"), "the extra attribute is kept")
		return
	}
	// Epoxy stores the domain, then refuses its own answer, and every answer
	// that would show the domain after it.
	_, err := c.Raw().CreateDomainWithResponse(ctx, identityv3.CreateDomainJSONRequestBody{Domain: body})
	require.ErrorIs(t, err, apierror.ErrBadRequest)
	assert.ErrorContains(t, err, "'owner_team' was unexpected")
	// It is still a project acting as a domain, which is how to find it.
	projects, err := c.Raw().ListProjectsWithResponse(ctx, &identityv3.ListProjectsParams{IsDomain: new(true), Name: &body.Name})
	found := e2eutil.OK(t, projects, err).JSON200.Projects
	require.Len(t, found, 1)
	id := found[0].ID
	_, err = c.Raw().ListDomainsWithResponse(ctx, &identityv3.ListDomainsParams{Name: &body.Name})
	require.ErrorIs(t, err, apierror.ErrBadRequest, "the list refuses to show it")
	// Disabling it is refused the same way, yet done; then it can go.
	_, err = c.Raw().UpdateDomainWithResponse(ctx, id, identityv3.UpdateDomainJSONRequestBody{Domain: identityv3.DomainUpdate{Enabled: new(false)}})
	require.ErrorIs(t, err, apierror.ErrBadRequest)
	deleted, err := c.Raw().DeleteDomainWithResponse(ctx, id)
	require.Equal(t, http.StatusNoContent, e2eutil.Status(t, http.StatusNoContent, deleted, err).StatusCode())
	assert.Empty(t, listDomainIDs(t, c, identityv3.ListDomainsParams{Name: &body.Name}))
}

func TestDomainExplicitID(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	var b [16]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	domain := e2eutil.Domain(t, c, e2eutil.Body(identityv3.DomainCreate{Name: e2eutil.Name(t, "explicit"), ExplicitDomainID: new(id)}))
	assert.Equal(t, id, domain.ID)

	got, err := c.Raw().GetDomainWithResponse(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, domain.Name, got.JSON200.Domain.Name)

	// The id is taken now.
	_, err = c.Raw().CreateDomainWithResponse(ctx, identityv3.CreateDomainJSONRequestBody{
		Domain: identityv3.DomainCreate{Name: e2eutil.Name(t, "again"), ExplicitDomainID: new(id)},
	})
	require.ErrorIs(t, err, apierror.ErrConflict)

	// An id that is not 32 hex digits is refused.
	_, err = c.Raw().CreateDomainWithResponse(ctx, identityv3.CreateDomainJSONRequestBody{
		Domain: identityv3.DomainCreate{Name: e2eutil.Name(t, "badid"), ExplicitDomainID: new("not-a-uuid")},
	})
	require.ErrorIs(t, err, apierror.ErrBadRequest)
}

func TestListDomainsFilters(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)

	stem := e2eutil.Name(t, "dlist")
	on := e2eutil.Domain(t, c, e2eutil.Named(stem+"-on"))
	off := e2eutil.Domain(t, c, e2eutil.Body(identityv3.DomainCreate{Name: stem + "-off", Enabled: new(false)}))
	both := []string{on.ID, off.ID}

	assert.Equal(t, []string{on.ID}, listDomainIDs(t, c, identityv3.ListDomainsParams{Name: new(on.Name)}))
	assert.ElementsMatch(t, both, listDomainIDs(t, c, identityv3.ListDomainsParams{NameContains: new(stem)}))
	assert.Empty(t, listDomainIDs(t, c, identityv3.ListDomainsParams{NameContains: new(strings.ToUpper(stem))}),
		"name__contains is case-sensitive")
	assert.ElementsMatch(t, both, listDomainIDs(t, c, identityv3.ListDomainsParams{NameIstartswith: new(strings.ToUpper(stem))}))
	assert.Equal(t, []string{off.ID}, listDomainIDs(t, c, identityv3.ListDomainsParams{NameContains: new(stem), NameEndswith: new("-off")}))
	assert.Equal(t, []string{off.ID}, listDomainIDs(t, c, identityv3.ListDomainsParams{NameContains: new(stem), Enabled: new(false)}))
	assert.Equal(t, []string{on.ID}, listDomainIDs(t, c, identityv3.ListDomainsParams{NameContains: new(stem), Enabled: new(true)}))

	// The default domain is always there.
	assert.Contains(t, listDomainIDs(t, c, identityv3.ListDomainsParams{}), "default")
}
