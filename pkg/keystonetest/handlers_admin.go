package keystonetest

import (
	"cmp"
	"context"
	"slices"

	v2 "github.com/keystone-go/keystone/gen/identityv2server"
)

// lookupAsAdmin is what an admin call names by id: Keystone's assert_admin
// first (401, 403), then the thing itself (404 when lookup finds nothing).
func lookupAsAdmin[T any](ctx context.Context, s *V2Server, kind, id string, lookup func(id string) *T) (*T, error) {
	if _, err := s.requireAdmin(ctx); err != nil {
		return nil, err
	}
	found := lookup(id)
	if found == nil {
		return nil, couldNotFind(kind, id)
	}
	return found, nil
}

// Tenants.

func (h *handlers) ListTenants(ctx context.Context, req v2.ListTenantsRequestObject) (v2.ListTenantsResponseObject, error) {
	caller, err := h.caller(ctx)
	if err != nil {
		return nil, err
	}
	p := req.Params
	if p.Name != nil {
		// By name is the admin variant of the call.
		if !caller.isAdmin() {
			return nil, forbidden("You are not authorized to perform the requested action: admin_required.")
		}
		t := h.st.tenantByName(*p.Name)
		if t == nil {
			return nil, couldNotFind("project", *p.Name)
		}
		return v2.ListTenants200JSONResponse{Tenant: new(tenantOut(t))}, nil
	}
	// An admin sees every tenant (Keystone's admin port), anyone else the
	// tenants they have a role on (its public port).
	all := h.st.tenants
	if !caller.isAdmin() {
		all = h.st.tenantsOf(caller.user.id)
	}
	start := 0
	if p.Marker != nil {
		i := slices.IndexFunc(all, func(t *tenant) bool { return t.id == *p.Marker })
		if i < 0 {
			return nil, badRequest("Marker could not be found")
		}
		start = i + 1
	}
	page := all[start:]
	if p.Limit != nil && *p.Limit < len(page) {
		page = page[:*p.Limit]
	}
	out := []v2.Tenant{}
	for _, t := range page {
		out = append(out, tenantOut(t))
	}
	return v2.ListTenants200JSONResponse{Tenants: &out, TenantsLinks: &[]v2.Link{}}, nil
}

func (h *handlers) CreateTenant(ctx context.Context, req v2.CreateTenantRequestObject) (v2.CreateTenantResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	in := req.Body.Tenant
	if _, ok := in.AdditionalProperties["is_domain"]; ok {
		return nil, badRequest("Invalid input for field 'is_domain'.")
	}
	t := &tenant{id: in.ID.GetOrEmpty(), name: in.Name, description: given(in.Description), enabled: true}
	if t.id == "" {
		t.id = newID()
	}
	if in.Enabled != nil {
		t.enabled = *in.Enabled
	}
	if h.st.tenantByName(t.name) != nil || h.st.tenant(t.id) != nil {
		return nil, conflict("Conflict occurred attempting to store project - Duplicate entry.")
	}
	h.st.tenants = append(h.st.tenants, t)
	return v2.CreateTenant200JSONResponse{Tenant: tenantOut(t)}, nil
}

func (h *handlers) GetTenant(ctx context.Context, req v2.GetTenantRequestObject) (v2.GetTenantResponseObject, error) {
	t, err := lookupAsAdmin(ctx, h.V2Server, "project", req.TenantID, h.st.tenant)
	if err != nil {
		return nil, err
	}
	return v2.GetTenant200JSONResponse{Tenant: tenantOut(t)}, nil
}

func (h *handlers) UpdateTenant(ctx context.Context, req v2.UpdateTenantRequestObject) (v2.UpdateTenantResponseObject, error) {
	t, err := lookupAsAdmin(ctx, h.V2Server, "project", req.TenantID, h.st.tenant)
	if err != nil {
		return nil, err
	}
	in := req.Body.Tenant
	for _, refused := range []string{"is_domain", "domain_id"} {
		if _, ok := in.AdditionalProperties[refused]; ok {
			return nil, badRequest("Invalid input for field '%s'.", refused)
		}
	}
	if id, err := in.ID.Get(); err == nil && id != t.id {
		return nil, badRequest("Cannot change ID")
	}
	if in.Name != nil && *in.Name != t.name {
		if h.st.tenantByName(*in.Name) != nil {
			return nil, conflict("Conflict occurred attempting to store project - Duplicate entry.")
		}
		t.name = *in.Name
	}
	if in.Description.IsSpecified() {
		t.description = given(in.Description)
	}
	if in.Enabled != nil {
		t.enabled = *in.Enabled
	}
	return v2.UpdateTenant200JSONResponse{Tenant: tenantOut(t)}, nil
}

func (h *handlers) DeleteTenant(ctx context.Context, req v2.DeleteTenantRequestObject) (v2.DeleteTenantResponseObject, error) {
	if _, err := lookupAsAdmin(ctx, h.V2Server, "project", req.TenantID, h.st.tenant); err != nil {
		return nil, err
	}
	h.st.deleteTenant(req.TenantID)
	return v2.DeleteTenant204Response{}, nil
}

func (h *handlers) ListTenantUsers(ctx context.Context, req v2.ListTenantUsersRequestObject) (v2.ListTenantUsersResponseObject, error) {
	if _, err := lookupAsAdmin(ctx, h.V2Server, "project", req.TenantID, h.st.tenant); err != nil {
		return nil, err
	}
	out := []v2.User{}
	for _, u := range h.st.usersOn(req.TenantID) {
		out = append(out, userOut(u))
	}
	return v2.ListTenantUsers200JSONResponse{Users: out, UsersLinks: &[]v2.Link{}}, nil
}

func (h *handlers) ListTenantUserRoles(ctx context.Context, req v2.ListTenantUserRolesRequestObject) (v2.ListTenantUserRolesResponseObject, error) {
	if _, err := lookupAsAdmin(ctx, h.V2Server, "project", req.TenantID, h.st.tenant); err != nil {
		return nil, err
	}
	// Like Keystone, an unknown user simply has no roles.
	out := []v2.Role{}
	for _, r := range h.st.rolesOn(req.UserID, req.TenantID) {
		out = append(out, roleOut(r))
	}
	return v2.ListTenantUserRoles200JSONResponse{Roles: out, RolesLinks: &[]v2.Link{}}, nil
}

// Roles.

func (h *handlers) ListRoles(ctx context.Context, _ v2.ListRolesRequestObject) (v2.ListRolesResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	out := []v2.Role{}
	for _, r := range h.st.roles {
		out = append(out, roleOut(r))
	}
	return v2.ListRoles200JSONResponse{Roles: out, RolesLinks: &[]v2.Link{}}, nil
}

func (h *handlers) CreateRole(ctx context.Context, req v2.CreateRoleRequestObject) (v2.CreateRoleResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	in := req.Body.Role
	if h.st.roleByName(in.Name) != nil {
		return nil, conflict("Conflict occurred attempting to store role - Duplicate entry.")
	}
	// Keystone ignores a requested id, except that the member role gets
	// the configured member role id.
	r := &role{id: newID(), name: in.Name, description: in.Description}
	if in.Name == "_member_" {
		r.id = MemberRoleID
	}
	h.st.roles = append(h.st.roles, r)
	return v2.CreateRole200JSONResponse{Role: roleOut(r)}, nil
}

func (h *handlers) GetRole(ctx context.Context, req v2.GetRoleRequestObject) (v2.GetRoleResponseObject, error) {
	// An id or, as the api-ref's "by name" call, a name.
	r, err := lookupAsAdmin(ctx, h.V2Server, "role", req.RoleID, func(id string) *role {
		return cmp.Or(h.st.role(id), h.st.roleByName(id))
	})
	if err != nil {
		return nil, err
	}
	return v2.GetRole200JSONResponse{Role: roleOut(r)}, nil
}

func (h *handlers) DeleteRole(ctx context.Context, req v2.DeleteRoleRequestObject) (v2.DeleteRoleResponseObject, error) {
	if _, err := lookupAsAdmin(ctx, h.V2Server, "role", req.RoleID, h.st.role); err != nil {
		return nil, err
	}
	h.st.deleteRole(req.RoleID)
	return v2.DeleteRole204Response{}, nil
}

// assignment finds the user, tenant and role of a grant call (404 for any
// that is missing).
func (s *V2Server) assignment(tenantID, userID, roleID string) (grant, *role, error) {
	if s.st.tenant(tenantID) == nil {
		return grant{}, nil, couldNotFind("project", tenantID)
	}
	if s.st.user(userID) == nil {
		return grant{}, nil, couldNotFind("user", userID)
	}
	r := s.st.role(roleID)
	if r == nil {
		return grant{}, nil, couldNotFind("role", roleID)
	}
	return grant{userID, tenantID, roleID}, r, nil
}

func (h *handlers) GrantTenantUserRole(ctx context.Context, req v2.GrantTenantUserRoleRequestObject) (v2.GrantTenantUserRoleResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	g, r, err := h.assignment(req.TenantID, req.UserID, req.RoleID)
	if err != nil {
		return nil, err
	}
	if h.st.grants[g] {
		return nil, conflict("Conflict occurred attempting to store role grant. User %s already has role %s in tenant %s", g.userID, g.roleID, g.tenantID)
	}
	h.st.grants[g] = true
	return v2.GrantTenantUserRole200JSONResponse{Role: roleOut(r)}, nil
}

func (h *handlers) RevokeTenantUserRole(ctx context.Context, req v2.RevokeTenantUserRoleRequestObject) (v2.RevokeTenantUserRoleResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	g, _, err := h.assignment(req.TenantID, req.UserID, req.RoleID)
	if err != nil {
		return nil, err
	}
	if !h.st.grants[g] {
		return nil, notFound("Could not find role assignment with role: %s, user or group: %s, project, domain, or system: %s.", g.roleID, g.userID, g.tenantID)
	}
	delete(h.st.grants, g)
	return v2.RevokeTenantUserRole204Response{}, nil
}

// Users.

func (h *handlers) ListUsers(ctx context.Context, req v2.ListUsersRequestObject) (v2.ListUsersResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	if name := req.Params.Name; name != nil {
		u := h.st.userByName(*name)
		if u == nil {
			return nil, couldNotFind("user", *name)
		}
		return v2.ListUsers200JSONResponse{User: new(userOut(u))}, nil
	}
	out := []v2.User{}
	for _, u := range h.st.users {
		out = append(out, userOut(u))
	}
	return v2.ListUsers200JSONResponse{Users: &out, UsersLinks: &[]v2.Link{}}, nil
}

func (h *handlers) CreateUser(ctx context.Context, req v2.CreateUserRequestObject) (v2.CreateUserResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	in := req.Body.User
	name := deref(in.Name)
	if name == "" {
		name = deref(in.Username)
	}
	if name == "" {
		return nil, badRequest("Invalid input for field 'name': a name or username is required.")
	}
	if h.st.userByName(name) != nil {
		return nil, conflict("Conflict occurred attempting to store user - Duplicate entry found with name %s at domain ID default.", name)
	}
	u := &user{id: newID(), name: name, password: in.Password.GetOrEmpty(), email: given(in.Email),
		description: given(in.Description), enabled: true, tenantID: in.TenantID.GetOrEmpty()}
	if in.Enabled != nil {
		u.enabled = *in.Enabled
	}
	if u.tenantID != "" && h.st.tenant(u.tenantID) == nil {
		return nil, couldNotFind("project", u.tenantID)
	}
	h.st.users = append(h.st.users, u)
	if u.tenantID != "" {
		h.st.grants[grant{u.id, u.tenantID, MemberRoleID}] = true
	}
	return v2.CreateUser200JSONResponse{User: userOut(u)}, nil
}

func (h *handlers) GetUser(ctx context.Context, req v2.GetUserRequestObject) (v2.GetUserResponseObject, error) {
	u, err := lookupAsAdmin(ctx, h.V2Server, "user", req.UserID, h.st.user)
	if err != nil {
		return nil, err
	}
	return v2.GetUser200JSONResponse{User: userOut(u)}, nil
}

// userChange is the union of what the user update calls may change.
type userChange struct {
	name, password, tenantID, email, description *string
	enabled                                      *bool
}

// updateUser applies a change as Keystone's v2.0 update_user does. The
// caller holds mu and is an admin.
func (s *V2Server) updateUser(id string, c userChange) (*user, error) {
	u := s.st.user(id)
	if u == nil {
		return nil, couldNotFind("user", id)
	}
	if c.name != nil && *c.name != u.name {
		if s.st.userByName(*c.name) != nil {
			return nil, conflict("Conflict occurred attempting to store user - Duplicate entry found with name %s at domain ID default.", *c.name)
		}
	}
	newTenant := deref(c.tenantID)
	if newTenant != "" && newTenant != u.tenantID && s.st.tenant(newTenant) == nil {
		return nil, couldNotFind("project", newTenant)
	}
	if c.name != nil {
		u.name = *c.name
	}
	if c.email != nil {
		u.email = c.email
	}
	if c.description != nil {
		u.description = c.description
	}
	revoke := false
	if c.password != nil {
		u.password = *c.password
		revoke = true
	}
	if c.enabled != nil {
		u.enabled = *c.enabled
		revoke = revoke || !u.enabled
	}
	if c.tenantID != nil && newTenant != u.tenantID {
		// A new default tenant moves the member role, as in Keystone.
		if u.tenantID != "" {
			delete(s.st.grants, grant{u.id, u.tenantID, MemberRoleID})
		}
		if newTenant != "" {
			s.st.grants[grant{u.id, newTenant, MemberRoleID}] = true
		}
		u.tenantID = newTenant
	}
	if revoke {
		s.st.revokeTokens(func(t *token) bool { return t.userID == u.id })
	}
	return u, nil
}

func (h *handlers) UpdateUser(ctx context.Context, req v2.UpdateUserRequestObject) (v2.UpdateUserResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	in := req.Body.User
	name := in.Name
	if name == nil {
		name = in.Username
	}
	u, err := h.updateUser(req.UserID, userChange{name: name, password: given(in.Password),
		tenantID: given(in.TenantID), email: given(in.Email), description: given(in.Description),
		enabled: in.Enabled})
	if err != nil {
		return nil, err
	}
	return v2.UpdateUser200JSONResponse{User: userOut(u)}, nil
}

func (h *handlers) DeleteUser(ctx context.Context, req v2.DeleteUserRequestObject) (v2.DeleteUserResponseObject, error) {
	if _, err := lookupAsAdmin(ctx, h.V2Server, "user", req.UserID, h.st.user); err != nil {
		return nil, err
	}
	h.st.deleteUser(req.UserID)
	return v2.DeleteUser204Response{}, nil
}

// ListUserRoles answers like Keystone: it has no global roles.
func (h *handlers) ListUserRoles(ctx context.Context, _ v2.ListUserRolesRequestObject) (v2.ListUserRolesResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	return nil, newAPIError(501, "Not Implemented", "User roles not supported: tenant_id required")
}

func (h *handlers) SetUserEnabled(ctx context.Context, req v2.SetUserEnabledRequestObject) (v2.SetUserEnabledResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	u, err := h.updateUser(req.UserID, userChange{enabled: new(req.Body.User.Enabled)})
	if err != nil {
		return nil, err
	}
	return v2.SetUserEnabled200JSONResponse{User: userOut(u)}, nil
}

func (h *handlers) SetUserPassword(ctx context.Context, req v2.SetUserPasswordRequestObject) (v2.SetUserPasswordResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	pw := req.Body.User.Password
	if pw == nil {
		pw = req.Body.User.OSKSADMPassword
	}
	if pw == nil {
		return nil, badRequest("Expecting to find password in user.")
	}
	u, err := h.updateUser(req.UserID, userChange{password: pw})
	if err != nil {
		return nil, err
	}
	return v2.SetUserPassword200JSONResponse{User: userOut(u)}, nil
}

func (h *handlers) SetUserTenant(ctx context.Context, req v2.SetUserTenantRequestObject) (v2.SetUserTenantResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	u, err := h.updateUser(req.UserID, userChange{tenantID: new(req.Body.User.TenantID)})
	if err != nil {
		return nil, err
	}
	return v2.SetUserTenant200JSONResponse{User: userOut(u)}, nil
}

// Services.

func (h *handlers) ListServices(ctx context.Context, _ v2.ListServicesRequestObject) (v2.ListServicesResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	out := []v2.Service{}
	for _, svc := range h.st.services {
		out = append(out, serviceOut(svc))
	}
	return v2.ListServices200JSONResponse{Services: out, ServicesLinks: &[]v2.Link{}}, nil
}

func (h *handlers) CreateService(ctx context.Context, req v2.CreateServiceRequestObject) (v2.CreateServiceResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	in := req.Body.Service
	svc := &service{id: newID(), typ: in.Type, name: deref(in.Name), description: given(in.Description), enabled: true}
	if in.Enabled != nil {
		svc.enabled = *in.Enabled
	}
	h.st.services = append(h.st.services, svc)
	return v2.CreateService200JSONResponse{Service: serviceOut(svc)}, nil
}

func (h *handlers) GetService(ctx context.Context, req v2.GetServiceRequestObject) (v2.GetServiceResponseObject, error) {
	// An id or, as the api-ref's "by name" call, a name.
	svc, err := lookupAsAdmin(ctx, h.V2Server, "service", req.ServiceID, func(id string) *service {
		return cmp.Or(h.st.service(id), h.st.serviceByName(id))
	})
	if err != nil {
		return nil, err
	}
	return v2.GetService200JSONResponse{Service: serviceOut(svc)}, nil
}

func (h *handlers) DeleteService(ctx context.Context, req v2.DeleteServiceRequestObject) (v2.DeleteServiceResponseObject, error) {
	if _, err := lookupAsAdmin(ctx, h.V2Server, "service", req.ServiceID, h.st.service); err != nil {
		return nil, err
	}
	h.st.deleteService(req.ServiceID)
	return v2.DeleteService204Response{}, nil
}

// Endpoint templates.

func (h *handlers) ListEndpoints(ctx context.Context, _ v2.ListEndpointsRequestObject) (v2.ListEndpointsResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	out := []v2.Endpoint{}
	for _, e := range h.st.endpoints {
		// Keystone leaves out endpoints without a public URL.
		if e.publicURL != "" {
			out = append(out, endpointOut(e))
		}
	}
	return v2.ListEndpoints200JSONResponse{Endpoints: out}, nil
}

func (h *handlers) CreateEndpoint(ctx context.Context, req v2.CreateEndpointRequestObject) (v2.CreateEndpointResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	in := req.Body.Endpoint
	if in.Publicurl == "" {
		return nil, badRequest("publicurl field is required and cannot be empty")
	}
	if h.st.service(in.ServiceID) == nil {
		return nil, couldNotFind("service", in.ServiceID)
	}
	e := &endpoint{id: newID(), serviceID: in.ServiceID, region: in.Region.GetOrEmpty(), enabled: true,
		publicURL: in.Publicurl, internalURL: in.Internalurl.GetOrEmpty(), adminURL: in.Adminurl.GetOrEmpty()}
	if in.Enabled != nil {
		e.enabled = *in.Enabled
	}
	h.st.endpoints = append(h.st.endpoints, e)
	return v2.CreateEndpoint200JSONResponse{Endpoint: endpointOut(e)}, nil
}

func (h *handlers) DeleteEndpoint(ctx context.Context, req v2.DeleteEndpointRequestObject) (v2.DeleteEndpointResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	n := len(h.st.endpoints)
	h.st.endpoints = slices.DeleteFunc(h.st.endpoints, func(e *endpoint) bool { return e.id == req.EndpointID })
	if len(h.st.endpoints) == n {
		return nil, couldNotFind("endpoint", req.EndpointID)
	}
	return v2.DeleteEndpoint204Response{}, nil
}
