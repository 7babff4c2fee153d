package keystonetest

import (
	"net/http"
	"slices"

	"github.com/keystone-go/keystone/pkg/timestamp"
)

// issueToken serves POST /auth/tokens: password, token and application
// credential methods; project, domain, system and trust scopes, explicitly
// unscoped, or the user's default project.
func issueToken(c *call) (int, any, error) {
	s := c.s
	auth, _ := c.body["auth"].(map[string]any)
	identity, _ := auth["identity"].(map[string]any)
	methods := stringList(identity["methods"])
	if len(methods) != 1 {
		return 0, nil, unauthorized("The request you have made requires authentication.")
	}
	method := methods[0]
	in, _ := identity[method].(map[string]any)
	if in == nil {
		return 0, nil, badRequest("Expecting to find %s in identity - the server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.", method)
	}
	var (
		userID    string
		parent    *v3Token
		appCredID string
		fixed     *target // the scope an application credential carries
	)
	switch method {
	case "password":
		u, err := s.lookupUser(in["user"])
		if err != nil {
			return 0, nil, errAuth()
		}
		pw, _ := u0(in["user"])["password"].(string)
		stored, ok := s.st.passwords[str(u, "id")]
		if !ok || !secretEqual(pw, stored) {
			return 0, nil, errAuth()
		}
		userID = str(u, "id")
	case "token":
		tok, err := s.checkToken(str(in, "id"), false)
		if err != nil {
			return 0, nil, errAuth()
		}
		if tok.appCredID != "" || tok.trustID != "" {
			return 0, nil, forbidden("You are not authorized to perform the requested action.")
		}
		userID, parent = tok.userID, tok
		// Keystone keeps the methods that proved the user.
		for _, m := range tok.methods {
			if !slices.Contains(methods, m) {
				methods = append(methods, m)
			}
		}
	case "application_credential":
		a, err := s.lookupAppCredential(in)
		if err != nil {
			return 0, nil, err
		}
		if auth["scope"] != nil {
			return 0, nil, unauthorized("Error authenticating with application credential: Application credentials cannot request a scope.")
		}
		if !secretEqual(str(in, "secret"), s.st.secrets[str(a, "id")]) || expired(s, a) {
			return 0, nil, errAuth()
		}
		userID, appCredID = str(a, "user_id"), str(a, "id")
		fixed = &target{kind: "project", id: str(a, "project_id")}
	default:
		return 0, nil, unauthorized("Attempted to authenticate with an unsupported method.")
	}
	u, err := s.activeUser(userID)
	if err != nil {
		return 0, nil, errAuth()
	}

	scope, trustID, err := s.authScope(auth["scope"], u)
	if err != nil {
		return 0, nil, err
	}
	if fixed != nil {
		scope = *fixed
	}
	if trustID != "" {
		t, _ := s.st.table(trusts).get(trustID)
		if t["trustee_user_id"] != userID {
			return 0, nil, forbidden("You are not authorized to perform the requested action.")
		}
		if t["impersonation"] == true {
			userID = str(t, "trustor_user_id")
		}
		scope = target{kind: "project", id: str(t, "project_id")}
		if n, ok := t["remaining_uses"].(float64); ok {
			if n <= 0 {
				return 0, nil, unauthorized("The request you have made requires authentication.")
			}
			t["remaining_uses"] = n - 1
		}
	}
	tok := s.issue(userID, methods, scope, parent)
	tok.trustID, tok.appCredID = trustID, appCredID
	if tok.scoped() && len(s.tokenRoles(tok)) == 0 {
		delete(s.st.tokens, tok.id)
		return 0, nil, errAuth()
	}
	c.header.Set("X-Subject-Token", tok.id)
	return http.StatusCreated, s.tokenBody(tok, !c.query.Has("nocatalog")), nil
}

// authScope reads the scope of a token request. Without one, the user's
// default project is used when the user has a role there.
func (s *V3Server) authScope(v any, u record) (target, string, error) {
	if v == "unscoped" {
		return target{}, "", nil
	}
	scope, _ := v.(map[string]any)
	switch {
	case scope["project"] != nil:
		p, err := s.lookupNamed(projects, scope["project"])
		if err != nil || !enabled(p) {
			return target{}, "", errAuth()
		}
		return target{kind: "project", id: str(p, "id")}, "", nil
	case scope["domain"] != nil:
		d, err := s.lookupNamed(domains, scope["domain"])
		if err != nil || !enabled(d) {
			return target{}, "", errAuth()
		}
		return target{kind: "domain", id: str(d, "id")}, "", nil
	case scope["system"] != nil:
		return target{kind: "system", id: "all"}, "", nil
	case scope["OS-TRUST:trust"] != nil:
		id := str(u0(scope["OS-TRUST:trust"]), "id")
		t, ok := s.st.table(trusts).get(id)
		if !ok || expired(s, t) {
			return target{}, "", errAuth()
		}
		return target{}, id, nil
	}
	if p := str(u, "default_project_id"); p != "" {
		if pr, ok := s.st.table(projects).get(p); ok && enabled(pr) &&
			len(s.effectiveRoles(str(u, "id"), target{kind: "project", id: p})) > 0 {
			return target{kind: "project", id: p}, "", nil
		}
	}
	return target{}, "", nil
}

// u0 reads a JSON object (nil when v is not one).
func u0(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func stringList(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// lookupNamed finds a resource by {"id"} or by {"name", "domain": {"id"|"name"}}.
func (s *V3Server) lookupNamed(k *kind, v any) (record, error) {
	ref := u0(v)
	if id := str(ref, "id"); id != "" {
		return s.st.find(k, id)
	}
	name := str(ref, "name")
	domainID := ""
	if k != domains {
		d, err := s.lookupNamed(domains, ref["domain"])
		if err != nil {
			return nil, err
		}
		domainID = str(d, "id")
	}
	for _, r := range s.st.table(k).all(nil) {
		if str(r, "name") == name && (k == domains || str(r, "domain_id") == domainID) {
			return r, nil
		}
	}
	return nil, couldNotFind(k.noun(), name)
}

func (s *V3Server) lookupUser(v any) (record, error) { return s.lookupNamed(users, v) }

func (s *V3Server) lookupAppCredential(in map[string]any) (record, error) {
	if id := str(in, "id"); id != "" {
		if a, ok := s.st.table(appCredentials).get(id); ok {
			return a, nil
		}
		return nil, notFound("Could not find Application Credential: %s.", id)
	}
	u, err := s.lookupUser(in["user"])
	if err != nil {
		return nil, errAuth()
	}
	for _, a := range s.st.table(appCredentials).all(nil) {
		if a["user_id"] == u["id"] && a["name"] == in["name"] {
			return a, nil
		}
	}
	return nil, unauthorized("Could not find application credential: %s", str(in, "name"))
}

// expired reads a resource's expires_at against the server's clock.
func expired(s *V3Server, r record) bool {
	e := str(r, "expires_at")
	if e == "" {
		return false
	}
	t, err := timestamp.Parse(e)
	return err == nil && !s.now().Before(t.Time)
}

func prepareAppCredential(c *call, r record) error {
	if c.caller.appCredID != "" || c.caller.trustID != "" {
		return forbidden("You are not authorized to perform the requested action.")
	}
	if c.caller.projectID == "" {
		return forbidden("You are not authorized to perform the requested action.")
	}
	id := newID()
	r["id"] = id
	secret := str(r, "secret")
	if secret == "" {
		secret = base64Secret()
	}
	c.s.st.secrets[id] = secret
	r["project_id"] = c.caller.projectID
	setDefault(r, "description", nil)
	setDefault(r, "expires_at", nil)
	setDefault(r, "unrestricted", false)
	setDefault(r, "system", nil)
	setDefault(r, "access_rules", []any{})
	held := c.s.tokenRoles(c.caller)
	var want []string
	if _, ok := r["roles"]; ok {
		for _, ref := range r["roles"].([]any) {
			role, err := c.s.lookupRole(ref)
			if err != nil {
				return err
			}
			want = append(want, str(role, "id"))
		}
	} else {
		want = held
	}
	for _, id := range want {
		if !slices.Contains(held, id) {
			return forbidden("Cannot create an application credential with unassigned role")
		}
	}
	r["roles"] = c.s.roleRefs(want)
	return nil
}

func base64Secret() string { return newTokenID()[6:92] }

// lookupRole finds a role by {"id"} or {"name"} (a global role).
func (s *V3Server) lookupRole(v any) (record, error) {
	ref := u0(v)
	if id := str(ref, "id"); id != "" {
		return s.st.find(roles, id)
	}
	for _, r := range s.st.table(roles).all(nil) {
		if r["name"] == ref["name"] && r["domain_id"] == nil {
			return r, nil
		}
	}
	return nil, couldNotFind("role", str(ref, "name"))
}

func (s *V3Server) roleRefs(ids []string) []any {
	out := []any{}
	for _, id := range ids {
		r, _ := s.st.table(roles).get(id)
		out = append(out, map[string]any{"id": id, "name": r["name"], "domain_id": r["domain_id"]})
	}
	return out
}

func prepareTrust(c *call, r record) error {
	if str(r, "trustor_user_id") != c.caller.userID {
		return forbidden("The authenticated user should match the trustor")
	}
	if _, err := c.s.st.find(users, str(r, "trustee_user_id")); err != nil {
		return notFound("Could not find user: %s.", str(r, "trustee_user_id"))
	}
	setDefault(r, "impersonation", false)
	setDefault(r, "expires_at", nil)
	setDefault(r, "remaining_uses", nil)
	setDefault(r, "project_id", nil)
	r["redelegation_count"] = 0
	delete(r, "allow_redelegation")
	var want []string
	if l, ok := r["roles"].([]any); ok {
		for _, ref := range l {
			role, err := c.s.lookupRole(ref)
			if err != nil {
				return err
			}
			want = append(want, str(role, "id"))
		}
	}
	if p := str(r, "project_id"); p != "" {
		if _, err := c.s.st.find(projects, p); err != nil {
			return err
		}
		held := c.s.effectiveRoles(c.caller.userID, target{kind: "project", id: p})
		for _, id := range want {
			if !slices.Contains(held, id) {
				return forbidden("At least one role should be specified")
			}
		}
	}
	r["roles"] = c.s.roleRefs(want)
	return nil
}

func showTrust(c *call, r record) record {
	var rs []any
	for _, ref := range r["roles"].([]any) {
		m := u0(ref)
		rs = append(rs, map[string]any{"id": m["id"], "name": m["name"], "domain_id": m["domain_id"],
			"links": map[string]any{"self": c.s.URL() + "/roles/" + str(m, "id")}})
	}
	if rs == nil {
		rs = []any{}
	}
	r["roles"] = rs
	r["roles_links"] = map[string]any{"self": c.s.URL() + "/OS-TRUST/trusts/" + str(r, "id") + "/roles", "next": nil, "previous": nil}
	return r
}

// trustRoleRoutes serves the roles a trust delegates, to its trustor and
// trustee.
func trustRoleRoutes(m map[string]handlerFunc) {
	delegated := func(c *call) ([]record, error) {
		t, err := trusts.member(c)
		if err != nil {
			return nil, err
		}
		var out []record
		for _, id := range roleIDs(t) {
			if r, ok := c.s.st.table(roles).get(id); ok {
				out = append(out, r)
			}
		}
		return out, nil
	}
	m["GET /OS-TRUST/trusts/{trust_id}/roles"] = func(c *call) (int, any, error) {
		rs, err := delegated(c)
		if err != nil {
			return 0, nil, err
		}
		out := []any{}
		for _, r := range rs {
			out = append(out, roles.view(c, r))
		}
		return http.StatusOK, map[string]any{"roles": out, "links": c.selfLinks()}, nil
	}
	one := func(c *call) (int, any, error) {
		rs, err := delegated(c)
		if err != nil {
			return 0, nil, err
		}
		for _, r := range rs {
			if r["id"] == c.param("role_id") {
				return http.StatusOK, map[string]any{"role": roles.view(c, r)}, nil
			}
		}
		return 0, nil, couldNotFind("role", c.param("role_id"))
	}
	m["GET /OS-TRUST/trusts/{trust_id}/roles/{role_id}"] = one
	m["HEAD /OS-TRUST/trusts/{trust_id}/roles/{role_id}"] = one
}
