package keystonetest

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/oapi-codegen/nullable"
)

// state is everything the fake knows. Lists keep creation order, which is
// the order the fake lists things in. The V2Server's mu guards it.
type state struct {
	tenants   []*tenant
	users     []*user
	roles     []*role
	services  []*service
	endpoints []*endpoint
	grants    map[grant]bool
	tokens    map[string]*token
	ec2       map[string]*ec2Credential    // by access key
	ksec2     map[string]*ksec2Credentials // by user id (OS-KSADM credentials)
	revoked   map[string]*token            // revoked tokens, for GET /tokens/revoked
}

type tenant struct {
	id, name    string
	description *string
	enabled     bool
}

type user struct {
	id, name    string
	password    string
	email       *string
	description *string
	enabled     bool
	tenantID    string // the default tenant, "" for none
}

type role struct {
	id, name    string
	description *string
}

type service struct {
	id, typ, name string
	description   *string
	enabled       bool
}

type endpoint struct {
	id, serviceID, region            string
	publicURL, internalURL, adminURL string
	enabled                          bool
}

type grant struct{ userID, tenantID, roleID string }

type token struct {
	id               string
	userID, tenantID string
	issuedAt         time.Time
	expires          time.Time
	auditIDs         []string
}

type ec2Credential struct {
	access, secret   string
	userID, tenantID string
}

type ksec2Credentials struct {
	username, secret, signature string
}

func newState() *state {
	return &state{
		grants:  map[grant]bool{},
		tokens:  map[string]*token{},
		ec2:     map[string]*ec2Credential{},
		ksec2:   map[string]*ksec2Credentials{},
		revoked: map[string]*token{},
	}
}

// find is the element of list that match accepts, or nil.
func find[T any](list []*T, match func(*T) bool) *T {
	if i := slices.IndexFunc(list, match); i >= 0 {
		return list[i]
	}
	return nil
}

// The lookups by id, and by name where Keystone's v2.0 API offers one.

func (st *state) tenant(id string) *tenant {
	return find(st.tenants, func(t *tenant) bool { return t.id == id })
}

func (st *state) tenantByName(name string) *tenant {
	return find(st.tenants, func(t *tenant) bool { return t.name == name })
}

func (st *state) user(id string) *user {
	return find(st.users, func(u *user) bool { return u.id == id })
}

func (st *state) userByName(name string) *user {
	return find(st.users, func(u *user) bool { return u.name == name })
}

func (st *state) role(id string) *role {
	return find(st.roles, func(r *role) bool { return r.id == id })
}

func (st *state) roleByName(name string) *role {
	return find(st.roles, func(r *role) bool { return r.name == name })
}

func (st *state) service(id string) *service {
	return find(st.services, func(s *service) bool { return s.id == id })
}

func (st *state) serviceByName(name string) *service {
	return find(st.services, func(s *service) bool { return s.name == name })
}

// rolesOn returns the roles the user has on the tenant, in role order.
func (st *state) rolesOn(userID, tenantID string) []*role {
	var out []*role
	for _, r := range st.roles {
		if st.grants[grant{userID, tenantID, r.id}] {
			out = append(out, r)
		}
	}
	return out
}

// tenantsOf returns the tenants the user has a role on.
func (st *state) tenantsOf(userID string) []*tenant {
	var out []*tenant
	for _, t := range st.tenants {
		if len(st.rolesOn(userID, t.id)) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// usersOn returns the users with a role on the tenant.
func (st *state) usersOn(tenantID string) []*user {
	var out []*user
	for _, u := range st.users {
		if len(st.rolesOn(u.id, tenantID)) > 0 {
			out = append(out, u)
		}
	}
	return out
}

// revokeTokens revokes every token of the user (Keystone does so when a
// user's password changes or it is disabled or deleted).
func (st *state) revokeTokens(match func(*token) bool) {
	for id, t := range st.tokens {
		if match(t) {
			st.revoked[id] = t
			delete(st.tokens, id)
		}
	}
}

func (st *state) deleteTenant(id string) {
	st.tenants = slices.DeleteFunc(st.tenants, func(t *tenant) bool { return t.id == id })
	maps.DeleteFunc(st.grants, func(g grant, _ bool) bool { return g.tenantID == id })
	maps.DeleteFunc(st.ec2, func(_ string, c *ec2Credential) bool { return c.tenantID == id })
	st.revokeTokens(func(t *token) bool { return t.tenantID == id })
}

func (st *state) deleteUser(id string) {
	st.users = slices.DeleteFunc(st.users, func(u *user) bool { return u.id == id })
	maps.DeleteFunc(st.grants, func(g grant, _ bool) bool { return g.userID == id })
	maps.DeleteFunc(st.ec2, func(_ string, c *ec2Credential) bool { return c.userID == id })
	delete(st.ksec2, id)
	st.revokeTokens(func(t *token) bool { return t.userID == id })
}

func (st *state) deleteRole(id string) {
	st.roles = slices.DeleteFunc(st.roles, func(r *role) bool { return r.id == id })
	maps.DeleteFunc(st.grants, func(g grant, _ bool) bool { return g.roleID == id })
}

func (st *state) deleteService(id string) {
	st.services = slices.DeleteFunc(st.services, func(s *service) bool { return s.id == id })
	st.endpoints = slices.DeleteFunc(st.endpoints, func(e *endpoint) bool { return e.serviceID == id })
}

// substitute fills Keystone's catalog template variables, in both the
// $(var)s and %(var)s forms.
func substitute(url, tenantID, userID string) string {
	r := strings.NewReplacer(
		"$(tenant_id)s", tenantID, "%(tenant_id)s", tenantID,
		"$(project_id)s", tenantID, "%(project_id)s", tenantID,
		"$(user_id)s", userID, "%(user_id)s", userID,
	)
	return r.Replace(url)
}

// optional returns nil for the empty string.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// given is a request's nullable string as the fake stores it: nil when null or absent.
func given(n nullable.Nullable[string]) *string {
	if v, err := n.Get(); err == nil {
		return &v
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
