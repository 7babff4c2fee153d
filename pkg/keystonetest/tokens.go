package keystonetest

import (
	"context"

	v2 "github.com/keystone-go/keystone/gen/identityv2server"
	"github.com/keystone-go/keystone/pkg/timestamp"
)

// session is a valid token with what it stands for.
type session struct {
	tok    *token
	user   *user
	tenant *tenant // nil when unscoped
	roles  []*role
}

func (ss *session) hasRole(names ...string) bool {
	for _, r := range ss.roles {
		for _, n := range names {
			if r.name == n {
				return true
			}
		}
	}
	return false
}

func (ss *session) isAdmin() bool { return ss.hasRole("admin") }

// validate checks a token as Keystone validates one: it exists, has not
// expired or been revoked, and its user, tenant and the user's roles on the
// tenant still exist and are enabled. The caller holds mu. Keystone answers
// 404 for a token that fails any of this.
func (s *V2Server) validate(id string) (*session, error) {
	t := s.st.tokens[id]
	if t == nil || !s.now().Before(t.expires) {
		return nil, couldNotFind("token", id)
	}
	u := s.st.user(t.userID)
	if u == nil || !u.enabled {
		return nil, couldNotFind("token", id)
	}
	ss := &session{tok: t, user: u}
	if t.tenantID != "" {
		tn := s.st.tenant(t.tenantID)
		if tn == nil || !tn.enabled {
			return nil, couldNotFind("token", id)
		}
		ss.tenant = tn
		ss.roles = s.st.rolesOn(u.id, tn.id)
		if len(ss.roles) == 0 {
			return nil, couldNotFind("token", id)
		}
	}
	return ss, nil
}

// caller authenticates the request's X-Auth-Token. The caller holds mu.
func (s *V2Server) caller(ctx context.Context) (*session, error) {
	id := authTokenFrom(ctx)
	if id == "" {
		return nil, unauthorized("The request you have made requires authentication.")
	}
	ss, err := s.validate(id)
	if err != nil {
		return nil, unauthorized("The request you have made requires authentication.")
	}
	return ss, nil
}

// requireAdmin is Keystone's v2.0 assert_admin: a valid token (401
// otherwise) with the admin role (403 otherwise). The caller holds mu.
func (s *V2Server) requireAdmin(ctx context.Context) (*session, error) {
	ss, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	if !ss.isAdmin() {
		return nil, forbidden("You are not authorized to perform the requested action: admin_required.")
	}
	return ss, nil
}

// requireAdminOrUser lets an admin act on any user, and any other token act
// on its own user only (Keystone's rule for EC2 credentials).
func (s *V2Server) requireAdminOrUser(ctx context.Context, userID string) (*session, error) {
	ss, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	if !ss.isAdmin() && ss.user.id != userID {
		return nil, forbidden("Token belongs to another user")
	}
	return ss, nil
}

// access renders a token as the v2.0 "access" body.
func (s *V2Server) access(ss *session) v2.AccessEnvelope {
	t := ss.tok
	roles := []v2.AccessRole{}
	roleIDs := []string{}
	for _, r := range ss.roles {
		roles = append(roles, v2.AccessRole{Name: r.name})
		roleIDs = append(roleIDs, r.id)
	}
	tok := v2.AccessToken{
		ID:       t.id,
		Expires:  timestamp.New(t.expires),
		IssuedAt: new(timestamp.New(t.issuedAt)),
		AuditIDs: new(append([]string(nil), t.auditIDs...)),
	}
	catalog := []v2.CatalogService{}
	if ss.tenant != nil {
		tok.Tenant = new(tenantOut(ss.tenant))
		catalog = s.catalog(ss.tenant.id, ss.user.id)
	}
	return v2.AccessEnvelope{Access: v2.Access{
		Token:          tok,
		ServiceCatalog: &catalog,
		User: v2.AccessUser{
			ID:         ss.user.id,
			Name:       ss.user.name,
			Username:   new(ss.user.name),
			Roles:      &roles,
			RolesLinks: &[]v2.Link{},
		},
		Metadata: &v2.AccessMetadata{IsAdmin: new(0), Roles: &roleIDs},
	}}
}

// catalog is the v2.0 service catalog of a token scoped to the tenant: the
// enabled services that have enabled endpoints, each endpoint with its
// template variables filled in.
func (s *V2Server) catalog(tenantID, userID string) []v2.CatalogService {
	out := []v2.CatalogService{}
	for _, svc := range s.st.services {
		if !svc.enabled {
			continue
		}
		var eps []v2.CatalogEndpoint
		for _, e := range s.st.endpoints {
			if e.serviceID != svc.id || !e.enabled {
				continue
			}
			eps = append(eps, v2.CatalogEndpoint{
				ID:          new(e.id),
				Region:      new(e.region),
				PublicURL:   optional(substitute(e.publicURL, tenantID, userID)),
				InternalURL: optional(substitute(e.internalURL, tenantID, userID)),
				AdminURL:    optional(substitute(e.adminURL, tenantID, userID)),
			})
		}
		if len(eps) == 0 {
			continue
		}
		out = append(out, v2.CatalogService{
			Type:           svc.typ,
			Name:           new(svc.name),
			Endpoints:      eps,
			EndpointsLinks: &[]v2.Link{},
		})
	}
	return out
}

func tenantOut(t *tenant) v2.Tenant {
	return v2.Tenant{ID: t.id, Name: t.name, Description: t.description, Enabled: new(t.enabled)}
}

func userOut(u *user) v2.User {
	out := v2.User{
		ID:          u.id,
		Name:        new(u.name),
		Username:    new(u.name),
		Enabled:     new(u.enabled),
		Email:       u.email,
		Description: u.description,
		TenantID:    optional(u.tenantID),
	}
	return out
}

func roleOut(r *role) v2.Role {
	return v2.Role{ID: r.id, Name: r.name, Description: r.description}
}

func serviceOut(svc *service) v2.Service {
	return v2.Service{ID: svc.id, Type: svc.typ, Name: optional(svc.name), Description: svc.description, Enabled: new(svc.enabled)}
}

func endpointOut(e *endpoint) v2.Endpoint {
	return v2.Endpoint{
		ID:          e.id,
		Region:      optional(e.region),
		ServiceID:   new(e.serviceID),
		Publicurl:   optional(e.publicURL),
		Internalurl: optional(e.internalURL),
		Adminurl:    optional(e.adminURL),
		Enabled:     new(e.enabled),
	}
}

func ec2Out(c *ec2Credential) v2.EC2Credential {
	return v2.EC2Credential{Access: c.access, Secret: c.secret, UserID: new(c.userID), TenantID: new(c.tenantID)}
}
