package domainconfigs_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

// createDomain creates a domain whose configuration the test may change,
// and removes both when the test ends: the configuration first, so that
// Keystone deletes the domain's (SQL) contents rather than asking an LDAP
// server that is not there.
func createDomain(t *testing.T, c *identity.Client) string {
	t.Helper()
	id := e2eutil.Domain(t, c, e2eutil.Prefix("cfgdom")).ID
	e2eutil.DeleteLater(t, c.Raw().DeleteDomainConfigWithResponse, id) // runs before the domain's cleanup
	return id
}

func TestDomainConfigLifecycle(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)
	dom := createDomain(t, c)

	_, err := c.Raw().GetDomainConfigWithResponse(ctx, dom)
	assert.ErrorIs(t, err, apierror.ErrNotFound, "a new domain has no configuration")

	// LDAP, not SQL: only one domain may have a domain-specific SQL driver.
	// Nothing listens at this URL, which is fine as long as nobody lists the
	// domain's users.
	first := identityv3.DomainConfig{
		Identity: identityv3.DomainConfigGroup{"driver": "ldap"},
		Ldap: identityv3.DomainConfigGroup{
			"url":          "ldap://127.0.0.1:3899",
			"user_tree_dn": "ou=Users,dc=example,dc=org",
			"password":     "not-shown",
			"page_size":    50,
		},
	}
	put, err := c.Raw().CreateDomainConfigWithResponse(ctx, dom, identityv3.CreateDomainConfigJSONRequestBody{Config: first})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, put.StatusCode(), "the first PUT creates")
	cfg := put.JSON201.Config
	assert.Equal(t, identityv3.DomainConfigGroup{"driver": "ldap"}, cfg.Identity)
	assert.Equal(t, identityv3.DomainConfigGroup{
		"url":          "ldap://127.0.0.1:3899",
		"user_tree_dn": "ou=Users,dc=example,dc=org",
		"page_size":    float64(50), // values keep their JSON type
	}, cfg.Ldap, "the password is never returned")

	// A second PUT replaces the whole configuration and answers 200.
	second := identityv3.DomainConfig{
		Identity: identityv3.DomainConfigGroup{"driver": "ldap"},
		Ldap: identityv3.DomainConfigGroup{
			"url":          "ldap://127.0.0.1:3899",
			"user_tree_dn": "ou=People,dc=example,dc=org",
		},
	}
	put, err = c.Raw().CreateDomainConfigWithResponse(ctx, dom, identityv3.CreateDomainConfigJSONRequestBody{Config: second})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, put.StatusCode(), "a PUT over an existing configuration replaces it")
	require.NotNil(t, put.JSON200)
	assert.Equal(t, second, put.JSON200.Config, "page_size is gone: PUT replaced, not merged")

	whole, err := c.Raw().GetDomainConfigWithResponse(ctx, dom)
	require.NoError(t, err)
	assert.Equal(t, second, whole.JSON200.Config)

	group, err := c.Raw().GetDomainConfigGroupWithResponse(ctx, dom, "ldap")
	require.NoError(t, err)
	assert.Equal(t, identityv3.DomainConfig{Ldap: second.Ldap}, group.JSON200.Config, "only the ldap group")

	opt, err := c.Raw().GetDomainConfigOptionWithResponse(ctx, dom, "ldap", "url")
	require.NoError(t, err)
	assert.Equal(t, identityv3.DomainConfigOption{"url": "ldap://127.0.0.1:3899"}, opt.JSON200.Config)

	// Groups and options outside Keystone's list are refused with 403; a
	// supported option that is not set is a 404.
	_, err = c.Raw().GetDomainConfigGroupWithResponse(ctx, dom, "catalog")
	assert.ErrorIs(t, err, apierror.ErrForbidden)
	_, err = c.Raw().GetDomainConfigOptionWithResponse(ctx, dom, "ldap", "no_such_option")
	assert.ErrorIs(t, err, apierror.ErrForbidden)
	_, err = c.Raw().GetDomainConfigOptionWithResponse(ctx, dom, "ldap", "user_filter")
	assert.ErrorIs(t, err, apierror.ErrNotFound)

	// PATCH a group: merges into it and answers the whole configuration.
	pg, err := c.Raw().UpdateDomainConfigGroupWithResponse(ctx, dom, "ldap", identityv3.UpdateDomainConfigGroupJSONRequestBody{
		Config: identityv3.DomainConfig{Ldap: identityv3.DomainConfigGroup{"user_filter": "(objectClass=person)"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "(objectClass=person)", pg.JSON200.Config.Ldap["user_filter"])
	assert.Equal(t, "ou=People,dc=example,dc=org", pg.JSON200.Config.Ldap["user_tree_dn"], "other options stay")
	assert.Equal(t, second.Identity, pg.JSON200.Config.Identity, "the answer is the whole configuration")

	// PATCH an option.
	po, err := c.Raw().UpdateDomainConfigOptionWithResponse(ctx, dom, "ldap", "url", identityv3.UpdateDomainConfigOptionJSONRequestBody{
		Config: identityv3.DomainConfigOption{"url": "ldap://127.0.0.1:3900"},
	})
	require.NoError(t, err)
	assert.Equal(t, "ldap://127.0.0.1:3900", po.JSON200.Config.Ldap["url"])
	assert.Equal(t, "(objectClass=person)", po.JSON200.Config.Ldap["user_filter"])

	// PATCH the whole configuration: adds an option to another group.
	pw, err := c.Raw().UpdateDomainConfigWithResponse(ctx, dom, identityv3.UpdateDomainConfigJSONRequestBody{
		Config: identityv3.DomainConfig{Identity: identityv3.DomainConfigGroup{"list_limit": 100}},
	})
	require.NoError(t, err)
	assert.Equal(t, identityv3.DomainConfigGroup{"driver": "ldap", "list_limit": float64(100)}, pw.JSON200.Config.Identity)
	assert.Equal(t, "ldap://127.0.0.1:3900", pw.JSON200.Config.Ldap["url"])

	// A PATCH of an option the domain does not have yet is a 404.
	_, err = c.Raw().UpdateDomainConfigOptionWithResponse(ctx, dom, "ldap", "suffix", identityv3.UpdateDomainConfigOptionJSONRequestBody{
		Config: identityv3.DomainConfigOption{"suffix": "dc=example,dc=org"},
	})
	assert.ErrorIs(t, err, apierror.ErrNotFound)

	// Delete at each level.
	del, err := c.Raw().DeleteDomainConfigOptionWithResponse(ctx, dom, "ldap", "user_filter")
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, del.StatusCode())
	_, err = c.Raw().GetDomainConfigOptionWithResponse(ctx, dom, "ldap", "user_filter")
	assert.ErrorIs(t, err, apierror.ErrNotFound)

	delG, err := c.Raw().DeleteDomainConfigGroupWithResponse(ctx, dom, "identity")
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, delG.StatusCode())
	_, err = c.Raw().GetDomainConfigGroupWithResponse(ctx, dom, "identity")
	assert.ErrorIs(t, err, apierror.ErrNotFound)
	whole, err = c.Raw().GetDomainConfigWithResponse(ctx, dom)
	require.NoError(t, err)
	assert.Nil(t, whole.JSON200.Config.Identity)
	assert.Equal(t, "ldap://127.0.0.1:3900", whole.JSON200.Config.Ldap["url"])

	delW, err := c.Raw().DeleteDomainConfigWithResponse(ctx, dom)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, delW.StatusCode())
	_, err = c.Raw().GetDomainConfigWithResponse(ctx, dom)
	assert.ErrorIs(t, err, apierror.ErrNotFound)
}

func TestDomainConfigDefaults(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	all, err := c.Raw().GetDomainConfigDefaultWithResponse(ctx)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, all.StatusCode())
	// The defaults are Keystone's own configuration: the test server uses
	// the sql driver, and keeps the upstream LDAP defaults.
	assert.Equal(t, "sql", all.JSON200.Config.Identity["driver"])
	assert.Contains(t, all.JSON200.Config.Identity, "list_limit")
	assert.Equal(t, "ldap://localhost", all.JSON200.Config.Ldap["url"])
	assert.Equal(t, float64(10), all.JSON200.Config.Ldap["pool_size"], "defaults keep their types")
	assert.Equal(t, true, all.JSON200.Config.Ldap["use_pool"])
	assert.Contains(t, all.JSON200.Config.Ldap, "user", "a default of None is listed as null")
	assert.Nil(t, all.JSON200.Config.Ldap["user"])
	assert.NotContains(t, all.JSON200.Config.Ldap, "password", "sensitive options have no default to show")

	group, err := c.Raw().GetDomainConfigGroupDefaultWithResponse(ctx, "ldap")
	require.NoError(t, err)
	assert.Nil(t, group.JSON200.Config.Identity, "only the group asked for")
	assert.Equal(t, all.JSON200.Config.Ldap, group.JSON200.Config.Ldap)

	opt, err := c.Raw().GetDomainConfigOptionDefaultWithResponse(ctx, "identity", "driver")
	require.NoError(t, err)
	assert.Equal(t, identityv3.DomainConfigOption{"driver": "sql"}, opt.JSON200.Config)

	_, err = c.Raw().GetDomainConfigOptionDefaultWithResponse(ctx, "ldap", "password")
	assert.ErrorIs(t, err, apierror.ErrForbidden, "the default of a sensitive option is not readable")
	_, err = c.Raw().GetDomainConfigGroupDefaultWithResponse(ctx, "security_compliance")
	assert.ErrorIs(t, err, apierror.ErrForbidden)

	// security_compliance is readable through the default domain only.
	sc, err := c.Raw().GetDomainConfigGroupWithResponse(ctx, "default", "security_compliance")
	require.NoError(t, err)
	assert.Contains(t, sc.JSON200.Config.SecurityCompliance, "password_regex")
	assert.Contains(t, sc.JSON200.Config.SecurityCompliance, "password_regex_description")
	scOpt, err := c.Raw().GetDomainConfigOptionWithResponse(ctx, "default", "security_compliance", "password_regex")
	require.NoError(t, err)
	assert.Contains(t, scOpt.JSON200.Config, "password_regex")
}
