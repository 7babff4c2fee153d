package keystonetest

import (
	"net/http"
)

// routeTable is every operation the fake models, by method and spec path.
func (s *V3Server) routeTable() map[string]handlerFunc {
	m := map[string]handlerFunc{}
	for _, k := range kinds {
		k.routes(m)
	}
	// A region may be created with the id of the caller's choice.
	m["PUT /regions/{region_id}"] = func(c *call) (int, any, error) {
		in := u0(c.body["region"])
		if in == nil {
			in = map[string]any{}
			c.body = map[string]any{"region": in}
		}
		in["id"] = c.param("region_id")
		return regions.create(c)
	}
	tokenRoutes(m)
	projectTags(m)
	grantRoutes(m)
	membershipRoutes(m)
	impliedRoleRoutes(m)
	m["GET /role_assignments"] = roleAssignments
	trustRoleRoutes(m)
	m["GET /"] = func(c *call) (int, any, error) {
		return http.StatusOK, map[string]any{"version": c.s.versionV3()}, nil
	}
	m["GET "+rootPrefix+"/"] = func(c *call) (int, any, error) {
		c.header.Set("Location", c.s.URL()+"/")
		return http.StatusMultipleChoices, map[string]any{"versions": map[string]any{"values": []any{c.s.versionV3()}}}, nil
	}
	return m
}

// seed creates what keystone-manage bootstrap does.
func (s *V3Server) seed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.insert(domains, record{"id": DefaultDomainID, "name": "Default", "description": "The default domain"})
	ids := map[string]string{}
	for _, name := range []string{"reader", "member", "admin"} {
		ids[name] = s.insert(roles, record{"name": name})
	}
	s.st.implies[[2]string{ids["admin"], ids["member"]}] = true
	s.st.implies[[2]string{ids["member"], ids["reader"]}] = true
	project := s.insert(projects, record{"name": "admin", "domain_id": DefaultDomainID})
	user := s.insert(users, record{"name": "admin", "domain_id": DefaultDomainID, "password": s.opts.adminPassword})
	s.st.grants[grant3{actor: user, on: "project", target: project, role: ids["admin"]}] = true
	s.st.grants[grant3{actor: user, on: "system", target: "all", role: ids["admin"]}] = true
	s.insert(regions, record{"id": s.opts.region})
	svc := s.insert(services, record{"type": "identity", "name": "keystone"})
	for _, iface := range []string{"public", "internal", "admin"} {
		s.insert(endpoints, record{"service_id": svc, "interface": iface, "region_id": s.opts.region, "url": s.URL()})
	}
	s.admin = V3Credentials{UserID: user, Username: "admin", Password: s.opts.adminPassword,
		DomainID: DefaultDomainID, ProjectID: project, ProjectName: "admin"}
}

// insert creates a resource as its create operation would, for seeding.
// The caller holds mu.
func (s *V3Server) insert(k *kind, r record) string {
	c := &call{s: s, r: &http.Request{Method: http.MethodPost}, header: http.Header{}}
	if k.prepare != nil {
		if err := k.prepare(c, r); err != nil {
			s.fatalf("creating a %s: %v", k.name, err)
		}
	}
	if str(r, "id") == "" {
		r["id"] = newID()
	}
	if err := s.store(k, r, true); err != nil {
		s.fatalf("creating a %s: %v", k.name, err)
	}
	return str(r, "id")
}

func (s *V3Server) locked(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// AddProject creates an enabled project in the default domain (below
// parentID, when not empty) and returns its id.
func (s *V3Server) AddProject(name, parentID string) (id string) {
	s.locked(func() {
		r := record{"name": name, "domain_id": DefaultDomainID}
		if parentID != "" {
			r["parent_id"] = parentID
		}
		id = s.insert(projects, r)
	})
	return id
}

// AddUser creates an enabled user in the default domain and returns its id.
func (s *V3Server) AddUser(name, password string) (id string) {
	s.locked(func() { id = s.insert(users, record{"name": name, "domain_id": DefaultDomainID, "password": password}) })
	return id
}

// RoleID returns the id of the global role with this name ("admin",
// "member", "reader" are seeded), creating it if there is none.
func (s *V3Server) RoleID(name string) (id string) {
	s.locked(func() {
		for _, r := range s.st.table(roles).all(nil) {
			if str(r, "name") == name && r["domain_id"] == nil {
				id = str(r, "id")
				return
			}
		}
		id = s.insert(roles, record{"name": name})
	})
	return id
}

// GrantProjectRole gives the user the role on the project.
func (s *V3Server) GrantProjectRole(userID, projectID, roleID string) {
	s.locked(func() {
		for _, ref := range []struct {
			k  *kind
			id string
		}{{users, userID}, {projects, projectID}, {roles, roleID}} {
			if _, ok := s.st.table(ref.k).get(ref.id); !ok {
				s.fatalf("GrantProjectRole: no %s %q", ref.k.name, ref.id)
			}
		}
		s.st.grants[grant3{actor: userID, on: "project", target: projectID, role: roleID}] = true
	})
}

// AddService adds a service to the catalog and returns its id.
func (s *V3Server) AddService(serviceType, name string) (id string) {
	s.locked(func() { id = s.insert(services, record{"type": serviceType, "name": name}) })
	return id
}

// AddEndpoint adds an endpoint of the service to the catalog (creating the
// region if it is new) and returns its id.
func (s *V3Server) AddEndpoint(serviceID, iface, region, url string) (id string) {
	s.locked(func() {
		if _, ok := s.st.table(regions).get(region); !ok && region != "" {
			s.insert(regions, record{"id": region})
		}
		id = s.insert(endpoints, record{"service_id": serviceID, "interface": iface, "region_id": region, "url": url})
	})
	return id
}

// RevokeToken makes the token invalid, as DELETE /v3/auth/tokens does.
func (s *V3Server) RevokeToken(id string) {
	s.locked(func() { s.st.revoked[id] = true })
}

// versionV3 is the v3 entry of version discovery, as Keystone writes it.
func (s *V3Server) versionV3() map[string]any {
	return map[string]any{
		"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
		"links":       []any{map[string]any{"rel": "self", "href": s.URL() + "/"}},
		"media-types": []any{map[string]any{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}},
	}
}
