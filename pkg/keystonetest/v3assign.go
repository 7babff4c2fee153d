package keystonetest

import (
	"fmt"
	"net/http"
	"slices"
)

// target is what a role is granted on: a project, a domain or the system
// ("all").
type target struct{ kind, id string }

// grant3 is one role assignment as granted.
type grant3 struct {
	actor     string // user or group id
	group     bool
	on        string // "project", "domain" or "system"
	target    string
	role      string
	inherited bool // OS-INHERIT: applies to the projects below the target
}

func (s *V3Server) dropGrants(drop func(grant3) bool) {
	for g := range s.st.grants {
		if drop(g) {
			delete(s.st.grants, g)
		}
	}
}

// groupsOf are the ids of the user's groups.
func (s *V3Server) groupsOf(userID string) []string {
	var out []string
	for m := range s.st.members {
		if m[1] == userID {
			out = append(out, m[0])
		}
	}
	return out
}

// ancestors are the projects above a project, nearest first.
func (s *V3Server) ancestors(projectID string) []record {
	var out []record
	p, ok := s.st.table(projects).get(projectID)
	for ok {
		parent := str(p, "parent_id")
		if p, ok = s.st.table(projects).get(parent); ok {
			out = append(out, p)
		}
	}
	return out
}

// effectiveRoles are the role ids the user holds on t: granted to the user
// or one of their groups, inherited from the project's domain or the
// projects above it, and the roles those imply.
func (s *V3Server) effectiveRoles(userID string, t target) []string {
	mine := s.groupsOf(userID)
	var ids []string
	add := func(on, id string, inherited bool) {
		for g := range s.st.grants {
			holder := g.group && slices.Contains(mine, g.actor) || !g.group && g.actor == userID
			if holder && g.on == on && g.target == id && g.inherited == inherited && !slices.Contains(ids, g.role) {
				ids = append(ids, g.role)
			}
		}
	}
	add(t.kind, t.id, false)
	if t.kind == "project" {
		p, _ := s.st.table(projects).get(t.id)
		add("domain", str(p, "domain_id"), true)
		for _, a := range s.ancestors(t.id) {
			add("project", str(a, "id"), true)
		}
	}
	slices.Sort(ids)
	return s.implied(ids)
}

// implied adds the roles the given ones imply, transitively.
func (s *V3Server) implied(ids []string) []string {
	for i := 0; i < len(ids); i++ {
		for rule := range s.st.implies {
			if rule[0] == ids[i] && !slices.Contains(ids, rule[1]) {
				ids = append(ids, rule[1])
			}
		}
	}
	return ids
}

// userProjects are the enabled projects the user has a role on.
func (s *V3Server) userProjects(userID string) []record {
	return s.st.table(projects).all(func(p record) bool {
		return enabled(p) && len(s.effectiveRoles(userID, target{kind: "project", id: str(p, "id")})) > 0
	})
}

// grantRoutes serves the grant operations of every target, actor and
// inheritance: PUT, GET, HEAD and DELETE of one grant, and the lists.
func grantRoutes(m map[string]handlerFunc) {
	for _, on := range []string{"project", "domain", "system"} {
		for _, actor := range []string{"user", "group"} {
			for _, inherited := range []bool{false, true} {
				if inherited && on == "system" {
					continue
				}
				base := "/" + on + "s/{" + on + "_id}/" + actor + "s/{" + actor + "_id}/roles"
				if on == "system" {
					base = "/system/" + actor + "s/{" + actor + "_id}/roles"
				}
				suffix := ""
				if inherited {
					base, suffix = "/OS-INHERIT"+base, "/inherited_to_projects"
				}
				g := grantPath{on: on, actor: actor, inherited: inherited}
				member := base + "/{role_id}" + suffix
				m["PUT "+member] = g.put
				m["GET "+member] = g.check
				m["HEAD "+member] = g.check
				m["DELETE "+member] = g.delete
				if !inherited || on == "domain" { // Keystone lists no inherited grants of a project
					m["GET "+base+suffix] = g.list
				}
			}
		}
	}
}

type grantPath struct {
	on, actor string
	inherited bool
}

// grant reads the grant a request names, checking that its parts exist.
func (gp grantPath) grant(c *call, withRole bool) (grant3, error) {
	g := grant3{on: gp.on, group: gp.actor == "group", inherited: gp.inherited, actor: c.param(gp.actor + "_id"), target: "all"}
	actorKind := users
	if g.group {
		actorKind = groups
	}
	if _, err := c.s.st.find(actorKind, g.actor); err != nil {
		return g, err
	}
	if gp.on != "system" {
		g.target = c.param(gp.on + "_id")
		targetKind := projects
		if gp.on == "domain" {
			targetKind = domains
		}
		if _, err := c.s.st.find(targetKind, g.target); err != nil {
			return g, err
		}
	}
	if withRole {
		g.role = c.param("role_id")
		if _, err := c.s.st.find(roles, g.role); err != nil {
			return g, err
		}
	}
	return g, nil
}

func (gp grantPath) put(c *call) (int, any, error) {
	g, err := gp.grant(c, true)
	if err != nil {
		return 0, nil, err
	}
	c.s.st.grants[g] = true
	return http.StatusNoContent, nil, nil
}

func (gp grantPath) check(c *call) (int, any, error) {
	g, err := gp.grant(c, true)
	if err != nil {
		return 0, nil, err
	}
	if !c.s.st.grants[g] {
		return 0, nil, notFound("Could not find role assignment with role: %s, user or group: %s, project, domain, or system: %s.", g.role, g.actor, g.target)
	}
	return http.StatusNoContent, nil, nil
}

func (gp grantPath) delete(c *call) (int, any, error) {
	if status, _, err := gp.check(c); err != nil {
		return status, nil, err
	}
	g, _ := gp.grant(c, true)
	delete(c.s.st.grants, g)
	return http.StatusNoContent, nil, nil
}

func (gp grantPath) list(c *call) (int, any, error) {
	want, err := gp.grant(c, false)
	if err != nil {
		return 0, nil, err
	}
	out := []any{}
	for _, r := range c.s.st.table(roles).all(nil) {
		want.role = str(r, "id")
		if c.s.st.grants[want] {
			out = append(out, roles.view(c, r))
		}
	}
	return http.StatusOK, map[string]any{"roles": out, "links": c.selfLinks()}, nil
}

// membershipRoutes serves group membership and the user's lists.
func membershipRoutes(m map[string]handlerFunc) {
	pair := func(c *call) ([2]string, error) {
		if _, err := c.s.st.find(groups, c.param("group_id")); err != nil {
			return [2]string{}, err
		}
		if _, err := c.s.st.find(users, c.param("user_id")); err != nil {
			return [2]string{}, err
		}
		return [2]string{c.param("group_id"), c.param("user_id")}, nil
	}
	m["PUT /groups/{group_id}/users/{user_id}"] = func(c *call) (int, any, error) {
		p, err := pair(c)
		if err != nil {
			return 0, nil, err
		}
		c.s.st.members[p] = true
		return http.StatusNoContent, nil, nil
	}
	check := func(c *call) (int, any, error) {
		p, err := pair(c)
		if err != nil {
			return 0, nil, err
		}
		if !c.s.st.members[p] {
			return 0, nil, notFound("User '%s' not found in group '%s'", p[1], p[0])
		}
		return http.StatusNoContent, nil, nil
	}
	m["GET /groups/{group_id}/users/{user_id}"] = check
	m["HEAD /groups/{group_id}/users/{user_id}"] = check
	m["DELETE /groups/{group_id}/users/{user_id}"] = func(c *call) (int, any, error) {
		if _, _, err := check(c); err != nil {
			return 0, nil, err
		}
		p, _ := pair(c)
		delete(c.s.st.members, p)
		return http.StatusNoContent, nil, nil
	}
	m["GET /groups/{group_id}/users"] = func(c *call) (int, any, error) {
		if _, err := c.s.st.find(groups, c.param("group_id")); err != nil {
			return 0, nil, err
		}
		out := []any{}
		for _, u := range c.s.st.table(users).all(func(u record) bool {
			return c.s.st.members[[2]string{c.param("group_id"), str(u, "id")}] && users.matches(c, u)
		}) {
			out = append(out, users.view(c, u))
		}
		return http.StatusOK, map[string]any{"users": out, "links": c.selfLinks()}, nil
	}
	m["GET /users/{user_id}/groups"] = func(c *call) (int, any, error) {
		if _, err := c.s.st.find(users, c.param("user_id")); err != nil {
			return 0, nil, err
		}
		mine := c.s.groupsOf(c.param("user_id"))
		out := []any{}
		for _, g := range c.s.st.table(groups).all(func(g record) bool { return slices.Contains(mine, str(g, "id")) && groups.matches(c, g) }) {
			out = append(out, groups.view(c, g))
		}
		return http.StatusOK, map[string]any{"groups": out, "links": c.selfLinks()}, nil
	}
	m["GET /users/{user_id}/projects"] = func(c *call) (int, any, error) {
		if _, err := c.s.st.find(users, c.param("user_id")); err != nil {
			return 0, nil, err
		}
		return c.projectList(slices.DeleteFunc(c.s.userProjects(c.param("user_id")), func(p record) bool { return !projects.matches(c, p) }))
	}
	m["POST /users/{user_id}/password"] = func(c *call) (int, any, error) {
		u, err := c.s.st.find(users, c.param("user_id"))
		if err != nil {
			return 0, nil, err
		}
		in := u0(c.body["user"])
		if !secretEqual(str(in, "original_password"), c.s.st.passwords[str(u, "id")]) {
			return 0, nil, errAuth()
		}
		c.s.st.passwords[str(u, "id")] = str(in, "password")
		c.s.revokeUser(str(u, "id"))
		return http.StatusNoContent, nil, nil
	}
}

// assignment is one entry of GET /role_assignments before it is shown.
type assignment struct {
	grant3
	user       string // set when a group grant was expanded to a member
	project    string // set when an inherited grant was expanded to a project
	priorRole  string // set when the role is implied by priorRole
	grantActor string
}

// roleAssignments serves GET /role_assignments.
func roleAssignments(c *call) (int, any, error) {
	s := c.s
	q := c.query
	effective := q.Has("effective") && q.Get("effective") != "false"
	var list []assignment
	for g := range s.st.grants {
		list = append(list, assignment{grant3: g})
	}
	if effective {
		var out []assignment
		for _, a := range list {
			if a.on == "system" {
				continue
			}
			actors := []string{a.actor}
			if a.group {
				actors = nil
				for mbr := range s.st.members {
					if mbr[0] == a.actor {
						actors = append(actors, mbr[1])
					}
				}
			}
			var targets []string
			if a.inherited {
				for _, p := range s.st.table(projects).all(nil) {
					if a.on == "domain" && p["domain_id"] == a.target ||
						a.on == "project" && slices.ContainsFunc(s.ancestors(str(p, "id")), func(x record) bool { return x["id"] == a.target }) {
						targets = append(targets, str(p, "id"))
					}
				}
			}
			for _, u := range actors {
				e := a
				if a.group {
					e.user = u
				}
				if !a.inherited {
					out = append(out, e)
					continue
				}
				for _, p := range targets {
					e.project = p
					out = append(out, e)
				}
			}
		}
		// Roles the assigned ones imply.
		for i := 0; i < len(out); i++ {
			for rule := range s.st.implies {
				if rule[0] == out[i].role {
					e := out[i]
					e.priorRole, e.role = rule[0], rule[1]
					out = append(out, e)
				}
			}
		}
		list = out
	}
	keep := func(a assignment) bool {
		user := a.actor
		if a.group {
			user = a.user
		}
		project, on := a.target, a.on
		if a.project != "" {
			project, on = a.project, "project"
		}
		switch {
		case q.Has("user.id") && (user != q.Get("user.id") || a.group && !effective):
			return false
		case q.Has("group.id") && (!a.group || a.actor != q.Get("group.id") || effective):
			return false
		case q.Has("role.id") && a.role != q.Get("role.id"):
			return false
		case q.Has("scope.project.id") && (on != "project" || project != q.Get("scope.project.id")):
			return false
		case q.Has("scope.domain.id") && (on != "domain" || a.target != q.Get("scope.domain.id")):
			return false
		case q.Get("scope.system") == "all" && on != "system":
			return false
		case q.Has("scope.OS-INHERIT:inherited_to") && !a.inherited:
			return false
		}
		return !effective || !a.group || a.user != ""
	}
	out := []any{}
	for _, a := range list {
		if keep(a) {
			out = append(out, s.showAssignment(a, q.Has("include_names")))
		}
	}
	return http.StatusOK, map[string]any{"role_assignments": out, "links": c.selfLinksQuery()}, nil
}

func (c *call) selfLinksQuery() map[string]any {
	l := c.selfLinks()
	if c.r.URL.RawQuery != "" {
		l["self"] = fmt.Sprint(l["self"]) + "?" + c.r.URL.RawQuery
	}
	return l
}

func (s *V3Server) showAssignment(a assignment, names bool) map[string]any {
	ref := func(k *kind, id string) map[string]any {
		m := map[string]any{"id": id}
		if names {
			r, _ := s.st.table(k).get(id)
			m["name"] = r["name"]
			if k != domains && k != roles {
				m["domain"] = s.domainRef(str(r, "domain_id"))
			}
		}
		return m
	}
	out := map[string]any{"role": ref(roles, a.role)}
	scope := map[string]any{}
	link := "/" + a.on + "s/" + a.target
	switch {
	case a.project != "":
		scope["project"] = ref(projects, a.project)
	case a.on == "project":
		scope["project"] = ref(projects, a.target)
	case a.on == "domain":
		scope["domain"] = ref(domains, a.target)
	default:
		scope["system"] = map[string]any{"all": true}
		link = "/system"
	}
	if a.inherited { // an expanded one too, as Keystone shows it
		scope["OS-INHERIT:inherited_to"] = "projects"
	}
	out["scope"] = scope
	links := map[string]any{}
	if a.group {
		link += "/groups/" + a.actor
	} else {
		link += "/users/" + a.actor
	}
	switch {
	case a.group && a.user != "":
		out["user"] = ref(users, a.user)
		links["membership"] = s.URL() + "/groups/" + a.actor + "/users/" + a.user
	case a.group:
		out["group"] = ref(groups, a.actor)
	default:
		out["user"] = ref(users, a.actor)
	}
	link += "/roles/" + a.role
	if a.priorRole != "" {
		link = link[:len(link)-len(a.role)] + a.priorRole
		links["prior_role"] = s.URL() + "/prior_role/" + a.role + "/implies/" + a.priorRole
	}
	if a.inherited {
		link = "/OS-INHERIT" + link + "/inherited_to_projects"
	}
	links["assignment"] = s.URL() + link
	out["links"] = links
	return out
}

// impliedRoleRoutes serves the inference rules between roles.
func impliedRoleRoutes(m map[string]handlerFunc) {
	const member = "/roles/{prior_role_id}/implies/{implied_role_id}"
	ref := func(c *call, r record) map[string]any {
		return map[string]any{"id": r["id"], "name": r["name"], "links": map[string]any{"self": c.s.URL() + "/roles/" + str(r, "id")}}
	}
	rule := func(c *call) (record, record, error) {
		prior, err := c.s.st.find(roles, c.param("prior_role_id"))
		if err != nil {
			return nil, nil, err
		}
		implied, err := c.s.st.find(roles, c.param("implied_role_id"))
		return prior, implied, err
	}
	m["PUT "+member] = func(c *call) (int, any, error) {
		prior, implied, err := rule(c)
		if err != nil {
			return 0, nil, err
		}
		c.s.st.implies[[2]string{str(prior, "id"), str(implied, "id")}] = true
		return http.StatusCreated, map[string]any{
			"role_inference": map[string]any{"prior_role": ref(c, prior), "implies": ref(c, implied)},
			"links":          map[string]any{"self": c.s.URL() + c.r.URL.Path[len("/v3"):]},
		}, nil
	}
	check := func(c *call) (int, any, error) {
		prior, implied, err := rule(c)
		if err != nil {
			return 0, nil, err
		}
		if !c.s.st.implies[[2]string{str(prior, "id"), str(implied, "id")}] {
			return 0, nil, notFound("%s does not imply %s.", prior["id"], implied["id"])
		}
		return http.StatusNoContent, nil, nil
	}
	m["HEAD "+member] = check
	m["DELETE "+member] = func(c *call) (int, any, error) {
		if _, _, err := check(c); err != nil {
			return 0, nil, err
		}
		delete(c.s.st.implies, [2]string{c.param("prior_role_id"), c.param("implied_role_id")})
		return http.StatusNoContent, nil, nil
	}
}
