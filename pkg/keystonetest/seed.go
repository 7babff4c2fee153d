package keystonetest

import (
	"encoding/base64"
	"time"
)

// seed creates what a freshly bootstrapped Keystone has: the admin and
// _member_ roles, an admin tenant and user, and the identity service with
// the server's own endpoint.
func (s *V2Server) seed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	adminRole := &role{id: newID(), name: "admin"}
	st.roles = append(st.roles, adminRole, &role{id: MemberRoleID, name: "_member_"})
	adminTenant := &tenant{id: newID(), name: "admin", description: new("Bootstrap tenant"), enabled: true}
	st.tenants = append(st.tenants, adminTenant)
	admin := &user{id: newID(), name: "admin", password: s.opts.adminPassword, enabled: true, tenantID: adminTenant.id}
	st.users = append(st.users, admin)
	st.grants[grant{admin.id, adminTenant.id, adminRole.id}] = true
	identity := &service{id: newID(), typ: "identity", name: "keystone", description: new("Keystone Identity Service"), enabled: true}
	st.services = append(st.services, identity)
	st.endpoints = append(st.endpoints, &endpoint{
		id: newID(), serviceID: identity.id, region: s.opts.region, enabled: true,
		publicURL: s.URL(), internalURL: s.URL(), adminURL: s.URL(),
	})
	s.admin = Credentials{
		UserID: admin.id, Username: admin.name, Password: admin.password,
		TenantID: adminTenant.id, TenantName: adminTenant.name,
	}
}

// AdminRoleID is the id of the seeded admin role; a token scoped to a
// tenant on which its user has this role may call every admin operation.
func (s *V2Server) AdminRoleID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.roleByName("admin").id
}

// AddTenant creates an enabled tenant and returns its id. A duplicate name
// fails the test.
func (s *V2Server) AddTenant(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.tenantByName(name) != nil {
		s.fatalf("AddTenant: a tenant named %q exists", name)
	}
	t := &tenant{id: newID(), name: name, enabled: true}
	s.st.tenants = append(s.st.tenants, t)
	return t.id
}

// AddUser creates an enabled user and returns its id. A non-empty tenantID
// becomes the user's default tenant and, as in Keystone, the user gets the
// _member_ role on it.
func (s *V2Server) AddUser(name, password, tenantID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.userByName(name) != nil {
		s.fatalf("AddUser: a user named %q exists", name)
	}
	if tenantID != "" && s.st.tenant(tenantID) == nil {
		s.fatalf("AddUser: no tenant %q", tenantID)
	}
	u := &user{id: newID(), name: name, password: password, enabled: true, tenantID: tenantID}
	s.st.users = append(s.st.users, u)
	if tenantID != "" {
		s.st.grants[grant{u.id, tenantID, MemberRoleID}] = true
	}
	return u.id
}

// AddRole creates a role and returns its id.
func (s *V2Server) AddRole(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.roleByName(name) != nil {
		s.fatalf("AddRole: a role named %q exists", name)
	}
	r := &role{id: newID(), name: name}
	s.st.roles = append(s.st.roles, r)
	return r.id
}

// GrantRole gives the user the role on the tenant.
func (s *V2Server) GrantRole(userID, tenantID, roleID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.user(userID) == nil || s.st.tenant(tenantID) == nil || s.st.role(roleID) == nil {
		s.fatalf("GrantRole: no user %q, tenant %q or role %q", userID, tenantID, roleID)
	}
	s.st.grants[grant{userID, tenantID, roleID}] = true
}

// AddService creates an enabled catalog service and returns its id.
func (s *V2Server) AddService(serviceType, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc := &service{id: newID(), typ: serviceType, name: name, enabled: true}
	s.st.services = append(s.st.services, svc)
	return svc.id
}

// AddEndpoint adds an endpoint of the service in the region and returns its
// id. Empty URLs leave that interface out; $(tenant_id)s in a URL becomes
// the tenant id of the token whose catalog shows it.
func (s *V2Server) AddEndpoint(serviceID, region, publicURL, internalURL, adminURL string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.service(serviceID) == nil {
		s.fatalf("AddEndpoint: no service %q", serviceID)
	}
	e := &endpoint{id: newID(), serviceID: serviceID, region: region, enabled: true,
		publicURL: publicURL, internalURL: internalURL, adminURL: adminURL}
	s.st.endpoints = append(s.st.endpoints, e)
	return e.id
}

// AddEC2Credential creates an EC2 credential of the user on the tenant and
// returns its access key and secret (sign with SignEC2).
func (s *V2Server) AddEC2Credential(userID, tenantID string) (access, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.user(userID) == nil || s.st.tenant(tenantID) == nil {
		s.fatalf("AddEC2Credential: no user %q or tenant %q", userID, tenantID)
	}
	c := &ec2Credential{access: newID(), secret: newID(), userID: userID, tenantID: tenantID}
	s.st.ec2[c.access] = c
	return c.access, c.secret
}

// IssueToken issues a token for the user, scoped to the tenant (unscoped
// when tenantID is empty), without a request: TokenRequests does not count
// it. The user needs a role on the tenant.
func (s *V2Server) IssueToken(userID, tenantID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.user(userID)
	if u == nil {
		s.fatalf("IssueToken: no user %q", userID)
	}
	if tenantID != "" && len(s.st.rolesOn(userID, tenantID)) == 0 {
		s.fatalf("IssueToken: user %q has no role on tenant %q", userID, tenantID)
	}
	return s.issue(userID, tenantID, s.now().Add(s.opts.tokenTTL), "").id
}

// TokenValid reports whether the token would be accepted now.
func (s *V2Server) TokenValid(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.validate(id)
	return err == nil
}

// RevokeToken revokes one token; it reports whether the token existed.
func (s *V2Server) RevokeToken(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.st.tokens[id]
	s.st.revokeTokens(func(t *token) bool { return t.id == id })
	return ok
}

// RevokeAllTokens revokes every token issued so far, so that the next
// request with one of them gets a 401 (a test of re-authentication).
func (s *V2Server) RevokeAllTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.revokeTokens(func(*token) bool { return true })
}

// issue creates a token. The caller holds mu and has checked the user and
// the scope.
func (s *V2Server) issue(userID, tenantID string, expires time.Time, parentAuditID string) *token {
	t := &token{
		id: newID(), userID: userID, tenantID: tenantID,
		issuedAt: s.now(), expires: expires,
		auditIDs: []string{newAuditID()},
	}
	if parentAuditID != "" {
		t.auditIDs = append(t.auditIDs, parentAuditID)
	}
	s.st.tokens[t.id] = t
	return t
}

// newAuditID makes an id shaped like Keystone's (22 URL-safe characters).
func newAuditID() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(16))
}
