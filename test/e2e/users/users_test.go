package users_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/identity"
	"github.com/keystone-go/keystone/test/e2e/e2eutil"
)

func TestUserCRUD(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	name := e2eutil.Name(t, "user")
	body := identityv3.UserCreate{
		Name:        name,
		Password:    nullable.NewNullableWithValue("s3cret-" + name),
		Description: nullable.NewNullableWithValue("first description"),
		Email:       new("first@example.org"),
		Enabled:     new(true),
		Options: &identityv3.UserOptions{
			IgnorePasswordExpiry: new(true),
			MultiFactorAuthRules: [][]string{{"password", "totp"}},
		},
	}
	// An attribute Keystone does not know is kept as an extra.
	body.Set("shoe_size", "42")
	user := e2eutil.User(t, c, e2eutil.Body(body))

	assert.NotEmpty(t, user.ID)
	assert.Equal(t, name, user.Name)
	assert.Equal(t, "default", user.DomainID, "without domain_id the user lands in the token's domain")
	assert.True(t, user.Enabled)
	require.NotNil(t, user.Description)
	assert.Equal(t, "first description", *user.Description)
	require.NotNil(t, user.Email)
	assert.Equal(t, "first@example.org", *user.Email)
	assert.Nil(t, user.PasswordExpiresAt, "no password expiry is configured")
	require.NotNil(t, user.Options)
	require.NotNil(t, user.Options.IgnorePasswordExpiry)
	assert.True(t, *user.Options.IgnorePasswordExpiry)
	assert.Equal(t, [][]string{{"password", "totp"}}, user.Options.MultiFactorAuthRules)
	require.NotNil(t, user.Links.Self)
	assert.True(t, strings.HasSuffix(*user.Links.Self, "/users/"+user.ID), *user.Links.Self)

	got, err := c.Raw().GetUserWithResponse(ctx, user.ID)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, got.StatusCode())
	assert.Equal(t, user.ID, got.JSON200.User.ID)
	assert.Equal(t, name, got.JSON200.User.Name)
	// The extra attribute comes back as a plain member of the user.
	assert.Equal(t, "42", e2eutil.Extra(t, got.Body, "user", "shoe_size"))

	// A second user with the same name in the same domain is a conflict.
	_, err = c.Raw().CreateUserWithResponse(ctx, identityv3.CreateUserJSONRequestBody{
		User: identityv3.UserCreate{Name: name},
	})
	require.ErrorIs(t, err, apierror.ErrConflict)

	// PATCH: rename, clear the description (null), reset one option (null)
	// and leave the other alone.
	newName := e2eutil.Name(t, "renamed")
	updated, err := c.Raw().UpdateUserWithResponse(ctx, user.ID, identityv3.UpdateUserJSONRequestBody{
		User: identityv3.UserUpdate{
			Name:        new(newName),
			Description: nullable.NewNullNullable[string](),
			Email:       new("second@example.org"),
			Enabled:     new(false),
			Options: &identityv3.UserOptionsUpdate{
				IgnorePasswordExpiry: nullable.NewNullNullable[bool](),
				LockPassword:         nullable.NewNullableWithValue(true),
			},
		},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, updated.StatusCode())
	u := updated.JSON200.User
	assert.Equal(t, newName, u.Name)
	assert.Nil(t, u.Description, "null cleared the description")
	require.NotNil(t, u.Email)
	assert.Equal(t, "second@example.org", *u.Email)
	assert.False(t, u.Enabled)
	require.NotNil(t, u.Options)
	assert.Nil(t, u.Options.IgnorePasswordExpiry, "null reset the option")
	require.NotNil(t, u.Options.LockPassword)
	assert.True(t, *u.Options.LockPassword)
	assert.Equal(t, [][]string{{"password", "totp"}}, u.Options.MultiFactorAuthRules, "options not named stay")

	// A PATCH that names only the description leaves the rest alone.
	again, err := c.Raw().UpdateUserWithResponse(ctx, user.ID, identityv3.UpdateUserJSONRequestBody{
		User: identityv3.UserUpdate{Description: nullable.NewNullableWithValue("second description")},
	})
	require.NoError(t, err)
	require.NotNil(t, again.JSON200.User.Description)
	assert.Equal(t, "second description", *again.JSON200.User.Description)
	assert.Equal(t, newName, again.JSON200.User.Name)
	assert.False(t, again.JSON200.User.Enabled)

	e2eutil.RequireDeleted(t, c.Raw().DeleteUserWithResponse, c.Raw().GetUserWithResponse, user.ID)
	_, err = c.Raw().UpdateUserWithResponse(ctx, user.ID, identityv3.UpdateUserJSONRequestBody{
		User: identityv3.UserUpdate{Enabled: new(true)},
	})
	require.ErrorIs(t, err, apierror.ErrNotFound)
}

func TestListUsersFilters(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)

	// Both names share a unique stem; only the first is enabled. They get
	// passwords because the password_expires_at filter skips users without.
	stem := e2eutil.Name(t, "ulist")
	on := e2eutil.User(t, c, e2eutil.Body(identityv3.UserCreate{Name: stem + "-on", Enabled: new(true), Password: nullable.NewNullableWithValue("pw-" + stem)}))
	off := e2eutil.User(t, c, e2eutil.Body(identityv3.UserCreate{Name: stem + "-off", Enabled: new(false), Password: nullable.NewNullableWithValue("pw-" + stem)}))
	both := []string{on.ID, off.ID}

	t.Run("name", func(t *testing.T) {
		assert.Equal(t, []string{on.ID}, listUserIDs(t, c, identityv3.ListUsersParams{Name: new(on.Name)}))
	})
	t.Run("name__contains", func(t *testing.T) {
		ids := listUserIDs(t, c, identityv3.ListUsersParams{NameContains: new(stem)})
		assert.ElementsMatch(t, both, ids)
	})
	t.Run("name__contains is case-sensitive", func(t *testing.T) {
		ids := listUserIDs(t, c, identityv3.ListUsersParams{NameContains: new(strings.ToUpper(stem))})
		assert.Empty(t, ids)
	})
	t.Run("name__icontains", func(t *testing.T) {
		ids := listUserIDs(t, c, identityv3.ListUsersParams{NameIcontains: new(strings.ToUpper(stem))})
		assert.ElementsMatch(t, both, ids)
	})
	t.Run("name__startswith", func(t *testing.T) {
		ids := listUserIDs(t, c, identityv3.ListUsersParams{NameStartswith: new(stem + "-o")})
		assert.ElementsMatch(t, both, ids)
	})
	t.Run("name__iendswith", func(t *testing.T) {
		ids := listUserIDs(t, c, identityv3.ListUsersParams{
			NameContains:  new(stem),
			NameIendswith: new("-OFF"),
		})
		assert.Equal(t, []string{off.ID}, ids)
	})
	t.Run("name__equals", func(t *testing.T) {
		ids := listUserIDs(t, c, identityv3.ListUsersParams{NameEquals: new(off.Name)})
		assert.Equal(t, []string{off.ID}, ids)
	})
	t.Run("enabled", func(t *testing.T) {
		ids := listUserIDs(t, c, identityv3.ListUsersParams{NameContains: new(stem), Enabled: new(false)})
		assert.Equal(t, []string{off.ID}, ids)
		ids = listUserIDs(t, c, identityv3.ListUsersParams{NameContains: new(stem), Enabled: new(true)})
		assert.Equal(t, []string{on.ID}, ids)
	})
	t.Run("domain_id", func(t *testing.T) {
		ids := listUserIDs(t, c, identityv3.ListUsersParams{NameContains: new(stem), DomainID: new("default")})
		assert.ElementsMatch(t, both, ids)
		ids = listUserIDs(t, c, identityv3.ListUsersParams{NameContains: new(stem), DomainID: new(e2eutil.Name(t, "nodomain"))})
		assert.Empty(t, ids)
	})
	t.Run("password_expires_at", func(t *testing.T) {
		// Neither password expires (no expiry is configured), and a
		// password that never expires matches no comparison.
		for _, v := range []string{"gt:2000-01-01T00:00:00Z", "lt:2999-01-01T00:00:00Z", "2000-01-01T00:00:00Z"} {
			ids := listUserIDs(t, c, identityv3.ListUsersParams{NameContains: new(stem), PasswordExpiresAt: new(v)})
			assert.Empty(t, ids, v)
		}
		_, err := c.Raw().ListUsersWithResponse(e2eutil.Ctx(t), &identityv3.ListUsersParams{PasswordExpiresAt: new("before:2000-01-01T00:00:00Z")})
		require.ErrorIs(t, err, apierror.ErrBadRequest, "an unknown operator is refused")
	})
	t.Run("federated filters", func(t *testing.T) {
		// Local users have no federated identity, so any idp_id,
		// protocol_id or unique_id excludes them.
		none := e2eutil.Name(t, "none")
		assert.Empty(t, listUserIDs(t, c, identityv3.ListUsersParams{NameContains: new(stem), IdpID: new(none)}))
		assert.Empty(t, listUserIDs(t, c, identityv3.ListUsersParams{NameContains: new(stem), ProtocolID: new(none)}))
		assert.Empty(t, listUserIDs(t, c, identityv3.ListUsersParams{NameContains: new(stem), UniqueID: new(none)}))
	})
}

func TestUserChangesOwnPassword(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	oldPassword := "old-" + e2eutil.Name(t, "pw")
	newPassword := "new-" + e2eutil.Name(t, "pw")
	user := e2eutil.User(t, admin, e2eutil.Body(identityv3.UserCreate{Name: e2eutil.Name(t, "pwuser"), Password: nullable.NewNullableWithValue(oldPassword)}))
	project := e2eutil.Project(t, admin, e2eutil.Prefix("pwproj"))
	e2eutil.GrantProjectRole(t, admin, project.ID, user.ID, e2eutil.RoleID(t, admin, "member"))

	login := func(password string) *auth.Password {
		return &auth.Password{
			AuthURL:  e2eutil.AuthURL(),
			UserID:   user.ID,
			Password: password,
			Scope:    auth.Scope{ProjectID: project.ID},
		}
	}

	// The user, logged in with the old password, changes it.
	self := e2eutil.Client(t, e2eutil.Session(t, login(oldPassword)))
	me, err := self.Raw().GetUserWithResponse(ctx, user.ID)
	require.NoError(t, err)
	assert.Equal(t, user.ID, me.JSON200.User.ID)

	// A wrong original password is refused and changes nothing. The 401 is
	// the answer, not a stale token: the client neither authenticates again
	// nor sends the change twice (each try counts towards lockout), and it
	// sends no token with it.
	var exchanges []auth.ResponseInfo
	var mu sync.Mutex
	watched := auth.ContextWithResponseHook(ctx, func(info auth.ResponseInfo) {
		mu.Lock()
		defer mu.Unlock()
		exchanges = append(exchanges, info)
	})
	_, err = self.Raw().ChangeUserPasswordWithResponse(watched, user.ID, identityv3.ChangeUserPasswordJSONRequestBody{
		User: identityv3.UserPasswordChange{OriginalPassword: "not-" + oldPassword, Password: newPassword},
	}, func(_ context.Context, req *http.Request) error {
		assert.Empty(t, req.Header.Get("X-Auth-Token"), "sent with a token")
		return nil
	})
	require.ErrorIs(t, err, apierror.ErrUnauthorized)
	mu.Lock()
	require.Len(t, exchanges, 1, "one exchange: %+v", exchanges)
	assert.Equal(t, http.MethodPost, exchanges[0].Method)
	assert.True(t, strings.HasSuffix(exchanges[0].URL, "/users/"+user.ID+"/password"), exchanges[0].URL)
	mu.Unlock()

	changed, err := self.Raw().ChangeUserPasswordWithResponse(ctx, user.ID, identityv3.ChangeUserPasswordJSONRequestBody{
		User: identityv3.UserPasswordChange{OriginalPassword: oldPassword, Password: newPassword},
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, changed.StatusCode())

	// Changing the password revokes the user's tokens, and Keystone's
	// revocation check works in whole seconds: a token issued in the same
	// second as the change counts as revoked. Wait for the next second.
	time.Sleep(1100 * time.Millisecond)

	_, err = e2eutil.Session(t, login(oldPassword)).AccessInfo(ctx)
	require.ErrorIs(t, err, apierror.ErrUnauthorized, "the old password no longer works")

	fresh := e2eutil.Session(t, login(newPassword))
	info, err := fresh.AccessInfo(ctx)
	require.NoError(t, err, "the new password works")
	require.NotNil(t, info.Body)
	assert.Equal(t, user.ID, *info.Body.User.ID)
	me, err = e2eutil.Client(t, fresh).Raw().GetUserWithResponse(ctx, user.ID)
	require.NoError(t, err)
	assert.Equal(t, user.ID, me.JSON200.User.ID)

	// Keystone marks the replaced password as expired at the change, and
	// the password_expires_at filter looks at every password of a user.
	later := time.Now().UTC().Add(time.Hour).Format("2006-01-02T15:04:05Z")
	ids := listUserIDs(t, admin, identityv3.ListUsersParams{Name: new(user.Name), PasswordExpiresAt: new("lt:" + later)})
	assert.Equal(t, []string{user.ID}, ids)
	ids = listUserIDs(t, admin, identityv3.ListUsersParams{Name: new(user.Name), PasswordExpiresAt: new("gt:" + later)})
	assert.Empty(t, ids)
}

func TestUserGroupsAndProjects(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	user := e2eutil.User(t, c, e2eutil.Prefix("member"))

	// Groups: none at first, then the two the user joins.
	empty, err := c.Raw().ListUserGroupsWithResponse(ctx, user.ID, nil)
	require.NoError(t, err)
	assert.Empty(t, empty.JSON200.Groups)

	stem := e2eutil.Name(t, "ugrp")
	g1 := e2eutil.Group(t, c, e2eutil.Named(stem+"-alpha"))
	g2 := e2eutil.Group(t, c, e2eutil.Named(stem+"-beta"))
	for _, g := range []identityv3.Group{g1, g2} {
		_, err := c.Raw().AddUserToGroupWithResponse(ctx, g.ID, user.ID)
		require.NoError(t, err)
	}

	groups, err := c.Raw().ListUserGroupsWithResponse(ctx, user.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, groups.StatusCode())
	var ids []string
	for _, g := range groups.JSON200.Groups {
		ids = append(ids, g.ID)
		assert.Nil(t, g.MembershipExpiresAt, "a membership made through the API does not expire")
	}
	assert.ElementsMatch(t, []string{g1.ID, g2.ID}, ids)

	byName, err := c.Raw().ListUserGroupsWithResponse(ctx, user.ID, &identityv3.ListUserGroupsParams{Name: new(g2.Name)})
	require.NoError(t, err)
	require.Len(t, byName.JSON200.Groups, 1)
	assert.Equal(t, g2.ID, byName.JSON200.Groups[0].ID)

	// The case-insensitive inexact forms work here (the case-sensitive ones
	// break Keystone on this path; the spec leaves them out).
	byPart, err := c.Raw().ListUserGroupsWithResponse(ctx, user.ID, &identityv3.ListUserGroupsParams{NameIcontains: new("-ALPH")})
	require.NoError(t, err)
	require.Len(t, byPart.JSON200.Groups, 1)
	assert.Equal(t, g1.ID, byPart.JSON200.Groups[0].ID)

	byPrefix, err := c.Raw().ListUserGroupsWithResponse(ctx, user.ID, &identityv3.ListUserGroupsParams{NameIstartswith: new(strings.ToUpper(stem))})
	require.NoError(t, err)
	assert.Len(t, byPrefix.JSON200.Groups, 2)

	// Projects: those the user has a role on.
	noProjects, err := c.Raw().ListUserProjectsWithResponse(ctx, user.ID, nil)
	require.NoError(t, err)
	assert.Empty(t, noProjects.JSON200.Projects)

	pstem := e2eutil.Name(t, "uproj")
	p1 := e2eutil.Project(t, c, e2eutil.Named(pstem+"-one"))
	p2 := e2eutil.Project(t, c, e2eutil.Named(pstem+"-two"))
	member := e2eutil.RoleID(t, c, "member")
	e2eutil.GrantProjectRole(t, c, p1.ID, user.ID, member)
	e2eutil.GrantProjectRole(t, c, p2.ID, user.ID, member)

	projects, err := c.Raw().ListUserProjectsWithResponse(ctx, user.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, projects.StatusCode())
	var pids []string
	for _, p := range projects.JSON200.Projects {
		pids = append(pids, p.ID)
	}
	assert.ElementsMatch(t, []string{p1.ID, p2.ID}, pids)

	filtered, err := c.Raw().ListUserProjectsWithResponse(ctx, user.ID, &identityv3.ListUserProjectsParams{
		NameIendswith: new("-TWO"),
		DomainID:      new("default"),
		Enabled:       new(true),
	})
	require.NoError(t, err)
	require.Len(t, filtered.JSON200.Projects, 1)
	assert.Equal(t, p2.ID, filtered.JSON200.Projects[0].ID)

	exact, err := c.Raw().ListUserProjectsWithResponse(ctx, user.ID, &identityv3.ListUserProjectsParams{Name: new(p1.Name)})
	require.NoError(t, err)
	require.Len(t, exact.JSON200.Projects, 1)
	assert.Equal(t, p1.ID, exact.JSON200.Projects[0].ID)

	// Unknown users have neither groups nor projects.
	_, err = c.Raw().ListUserGroupsWithResponse(ctx, e2eutil.Name(t, "ghost"), nil)
	require.ErrorIs(t, err, apierror.ErrNotFound)
	_, err = c.Raw().ListUserProjectsWithResponse(ctx, e2eutil.Name(t, "ghost"), nil)
	require.ErrorIs(t, err, apierror.ErrNotFound)
}

// A user who cannot get a token (here: a session whose password is not the
// one Keystone has, as with an expired password) can still change the
// password, given the endpoint: the change needs no token.
func TestChangePasswordWithoutAToken(t *testing.T) {
	t.Parallel()
	admin := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	pw := "pw-" + e2eutil.Name(t, "pw")
	user := e2eutil.User(t, admin, e2eutil.Body(identityv3.UserCreate{Name: e2eutil.Name(t, "notoken"), Password: nullable.NewNullableWithValue(pw)}))
	locked := e2eutil.Session(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: user.ID, Password: "not-" + pw})
	_, err := locked.AccessInfo(ctx)
	require.ErrorIs(t, err, apierror.ErrUnauthorized, "this session cannot authenticate")

	c := e2eutil.Client(t, locked, identity.WithEndpoint(e2eutil.AuthURL()))
	changed, err := c.Raw().ChangeUserPasswordWithResponse(ctx, user.ID, identityv3.ChangeUserPasswordJSONRequestBody{
		User: identityv3.UserPasswordChange{OriginalPassword: pw, Password: "new-" + pw},
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, changed.StatusCode())

	_, err = e2eutil.Session(t, &auth.Password{AuthURL: e2eutil.AuthURL(), UserID: user.ID, Password: "new-" + pw}).AccessInfo(ctx)
	require.NoError(t, err, "the new password works")
}

// The password change needs no token at all: Keystone leaves the call
// unenforced and the original password is the proof.
func TestChangePasswordCheckedByOriginalPassword(t *testing.T) {
	t.Parallel()
	c := e2eutil.Admin(t)
	ctx := e2eutil.Ctx(t)

	pw := "pw-" + e2eutil.Name(t, "pw")
	user := e2eutil.User(t, c, e2eutil.Body(identityv3.UserCreate{Name: e2eutil.Name(t, "pwcheck"), Password: nullable.NewNullableWithValue(pw)}))

	// Even the admin must know the original password here.
	_, err := c.Raw().ChangeUserPasswordWithResponse(ctx, user.ID, identityv3.ChangeUserPasswordJSONRequestBody{
		User: identityv3.UserPasswordChange{OriginalPassword: "wrong", Password: "whatever-" + pw},
	})
	require.ErrorIs(t, err, apierror.ErrUnauthorized)

	// An unknown user is the same 401, so the call reveals nothing; except on
	// Keystone 30, whose check for the user's MFA rules comes first and
	// answers 404.
	_, err = c.Raw().ChangeUserPasswordWithResponse(ctx, e2eutil.Name(t, "ghost"), identityv3.ChangeUserPasswordJSONRequestBody{
		User: identityv3.UserPasswordChange{OriginalPassword: pw, Password: "whatever-" + pw},
	})
	if e2eutil.ReleaseAtLeast(t, e2eutil.Latest) {
		require.ErrorIs(t, err, apierror.ErrNotFound)
	} else {
		require.ErrorIs(t, err, apierror.ErrUnauthorized)
	}
}
