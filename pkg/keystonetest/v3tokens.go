package keystonetest

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"slices"
	"time"

	"github.com/keystone-go/keystone/pkg/timestamp"
)

// v3Token is an issued token. Its roles are worked out again at each use,
// as Keystone does for fernet tokens: a revoked grant ends a token.
type v3Token struct {
	id              string
	userID          string // the user the token acts as
	methods         []string
	issued, expires time.Time
	auditIDs        []string
	projectID       string
	domainID        string
	system          bool
	trustID         string
	appCredID       string
}

func (t *v3Token) scoped() bool { return t.projectID != "" || t.domainID != "" || t.system }

// errAuth is Keystone's answer to any failed authentication: it says no
// more than that, by design.
func errAuth() error { return unauthorized("The request you have made requires authentication.") }

// authenticate finds the valid token behind an X-Auth-Token.
func (s *V3Server) authenticate(id string) (*v3Token, error) {
	if id == "" {
		return nil, errAuth()
	}
	tok, err := s.checkToken(id, false)
	if err != nil {
		return nil, errAuth()
	}
	return tok, nil
}

// checkToken returns the token if it is still valid: not expired (unless
// allowExpired), not revoked, and its user, scope, roles, trust and
// application credential all still there.
func (s *V3Server) checkToken(id string, allowExpired bool) (*v3Token, error) {
	tok, ok := s.st.tokens[id]
	if !ok || s.st.revoked[id] {
		return nil, couldNotFind("token", id)
	}
	if !allowExpired && !s.now().Before(tok.expires) {
		return nil, couldNotFind("token", id)
	}
	if at, ok := s.st.revokedAt[tok.userID]; ok && !tok.issued.After(at) {
		return nil, couldNotFind("token", id)
	}
	if _, err := s.activeUser(tok.userID); err != nil {
		return nil, couldNotFind("token", id)
	}
	if tok.trustID != "" {
		if _, ok := s.st.table(trusts).get(tok.trustID); !ok {
			return nil, couldNotFind("token", id)
		}
	}
	if tok.appCredID != "" {
		if _, ok := s.st.table(appCredentials).get(tok.appCredID); !ok {
			return nil, couldNotFind("token", id)
		}
	}
	if tok.projectID != "" {
		if p, ok := s.st.table(projects).get(tok.projectID); !ok || !enabled(p) {
			return nil, couldNotFind("token", id)
		}
	}
	if tok.scoped() && len(s.tokenRoles(tok)) == 0 {
		return nil, couldNotFind("token", id)
	}
	return tok, nil
}

// activeUser returns an enabled user of an enabled domain.
func (s *V3Server) activeUser(id string) (record, error) {
	u, err := s.st.find(users, id)
	if err != nil {
		return nil, err
	}
	d, _ := s.st.table(domains).get(str(u, "domain_id"))
	if !enabled(u) || d == nil || !enabled(d) {
		return nil, errAuth()
	}
	return u, nil
}

// tokenRoles are the role ids the token carries.
func (s *V3Server) tokenRoles(tok *v3Token) []string {
	// A delegation carries its roles and the roles they imply.
	if tok.trustID != "" {
		t, _ := s.st.table(trusts).get(tok.trustID)
		return s.implied(roleIDs(t))
	}
	if tok.appCredID != "" {
		a, _ := s.st.table(appCredentials).get(tok.appCredID)
		held := s.effectiveRoles(tok.userID, targetOf(tok))
		return s.implied(slices.DeleteFunc(roleIDs(a), func(id string) bool { return !slices.Contains(held, id) }))
	}
	if !tok.scoped() {
		return nil
	}
	return s.effectiveRoles(tok.userID, targetOf(tok))
}

// roleIDs reads the "roles" list of a trust or application credential.
func roleIDs(r record) []string {
	var out []string
	if l, ok := r["roles"].([]any); ok {
		for _, v := range l {
			if m, ok := v.(map[string]any); ok {
				out = append(out, str(m, "id"))
			}
		}
	}
	return out
}

func targetOf(tok *v3Token) target {
	switch {
	case tok.projectID != "":
		return target{kind: "project", id: tok.projectID}
	case tok.domainID != "":
		return target{kind: "domain", id: tok.domainID}
	default:
		return target{kind: "system", id: "all"}
	}
}

// isAdmin is the fake's policy: the admin role, on whatever the token is
// scoped to, may do anything (Keystone's default policy without enforced
// scopes); anyone else only what is theirs.
func (c *call) isAdmin() bool {
	if c.caller == nil {
		return false
	}
	for _, id := range c.s.tokenRoles(c.caller) {
		if r, ok := c.s.st.table(roles).get(id); ok && str(r, "name") == "admin" {
			return true
		}
	}
	return false
}

// selfService are the operations a user may call without the admin role,
// on their own user (the user_id path parameter, where there is one) or on
// what the handler checks is theirs.
var selfService = map[string]bool{
	"validateToken": true, "checkToken": true, "revokeToken": true, "getAuthCatalog": true,
	"listAuthProjects": true, "listAuthDomains": true, "listAuthSystem": true,
	"getUser": true, "listUserProjects": true, "listUserGroups": true, "changeUserPassword": true,
	"listApplicationCredentials": true, "createApplicationCredential": true,
	"getApplicationCredential": true, "deleteApplicationCredential": true,
	"createTrust": true, "listTrusts": true, "getTrust": true, "deleteTrust": true,
	"listTrustRoles": true, "getTrustRole": true, "checkTrustRole": true,
	"listCredentials": true, "getProject": true,
}

func (s *V3Server) authorize(c *call) error {
	if c.isAdmin() {
		return nil
	}
	if !selfService[c.op.id] {
		return forbidden("You are not authorized to perform the requested action: identity:%s.", snake(c.op.id))
	}
	if u, ok := c.op.params["user_id"]; ok && u != c.caller.userID {
		return forbidden("You are not authorized to perform the requested action: identity:%s.", snake(c.op.id))
	}
	if c.op.id == "getProject" && !slices.ContainsFunc(s.userProjects(c.caller.userID), func(p record) bool {
		return p["id"] == c.param("project_id")
	}) {
		return forbidden("You are not authorized to perform the requested action: identity:get_project.")
	}
	return nil
}

// snake turns an operation id into Keystone's policy name style.
func snake(id string) string {
	var out []byte
	for i := 0; i < len(id); i++ {
		ch := id[i]
		if ch >= 'A' && ch <= 'Z' {
			out = append(out, '_')
			ch += 'a' - 'A'
		}
		out = append(out, ch)
	}
	return string(out)
}

// newTokenID makes an opaque id of a fernet token's length.
func newTokenID() string {
	return "gAAAAA" + base64.RawURLEncoding.EncodeToString(randomBytes(128))
}

func (s *V3Server) issue(userID string, methods []string, scope target, parent *v3Token) *v3Token {
	now := s.now().Truncate(time.Second)
	tok := &v3Token{id: newTokenID(), userID: userID, methods: methods, issued: now,
		expires: now.Add(s.opts.tokenTTL), auditIDs: []string{newAuditID()}}
	switch scope.kind {
	case "project":
		tok.projectID = scope.id
	case "domain":
		tok.domainID = scope.id
	case "system":
		tok.system = true
	}
	if parent != nil {
		// A token from a token keeps its expiry and audit chain.
		tok.expires = parent.expires
		tok.auditIDs = append(tok.auditIDs, parent.auditIDs[len(parent.auditIDs)-1])
	}
	s.st.tokens[tok.id] = tok
	return tok
}

// revokeUser ends every token of the user issued until now.
func (s *V3Server) revokeUser(userID string) {
	s.st.revokedAt[userID] = s.now()
}

// body is the token as Keystone shows it.
func (s *V3Server) tokenBody(tok *v3Token, catalog bool) map[string]any {
	u, _ := s.st.table(users).get(tok.userID)
	t := map[string]any{
		"methods":    tok.methods,
		"audit_ids":  tok.auditIDs,
		"issued_at":  timestamp.Time{Time: tok.issued}.String(),
		"expires_at": timestamp.Time{Time: tok.expires}.String(),
		"user": map[string]any{
			"id": tok.userID, "name": u["name"], "domain": s.domainRef(str(u, "domain_id")),
			"password_expires_at": nil,
		},
	}
	var roleList []any
	for _, id := range s.tokenRoles(tok) {
		r, _ := s.st.table(roles).get(id)
		roleList = append(roleList, map[string]any{"id": id, "name": r["name"]})
	}
	switch {
	case tok.projectID != "":
		p, _ := s.st.table(projects).get(tok.projectID)
		t["project"] = map[string]any{"id": p["id"], "name": p["name"], "domain": s.domainRef(str(p, "domain_id"))}
		t["is_domain"] = false
	case tok.domainID != "":
		t["domain"] = s.domainRef(tok.domainID)
	case tok.system:
		t["system"] = map[string]any{"all": true}
	}
	if tok.scoped() {
		t["roles"] = roleList
		if catalog {
			t["catalog"] = s.catalog()
		}
	}
	if tok.trustID != "" {
		tr, _ := s.st.table(trusts).get(tok.trustID)
		t["OS-TRUST:trust"] = map[string]any{
			"id": tok.trustID, "impersonation": tr["impersonation"],
			"trustor_user": map[string]any{"id": tr["trustor_user_id"]},
			"trustee_user": map[string]any{"id": tr["trustee_user_id"]},
		}
	}
	if tok.appCredID != "" {
		a, _ := s.st.table(appCredentials).get(tok.appCredID)
		t["application_credential"] = map[string]any{"id": a["id"], "name": a["name"], "restricted": a["unrestricted"] != true}
	}
	return map[string]any{"token": t}
}

func (s *V3Server) domainRef(id string) map[string]any {
	d, _ := s.st.table(domains).get(id)
	return map[string]any{"id": id, "name": d["name"]}
}

// catalog is every enabled service with its enabled endpoints.
func (s *V3Server) catalog() []any {
	out := []any{}
	for _, svc := range s.st.table(services).all(enabled) {
		eps := []any{}
		for _, e := range s.st.table(endpoints).all(func(e record) bool { return enabled(e) && e["service_id"] == svc["id"] }) {
			eps = append(eps, map[string]any{"id": e["id"], "interface": e["interface"], "region": e["region"],
				"region_id": e["region_id"], "url": e["url"]})
		}
		out = append(out, map[string]any{"id": svc["id"], "type": svc["type"], "name": svc["name"], "endpoints": eps})
	}
	return out
}

func tokenRoutes(m map[string]handlerFunc) {
	m["POST /auth/tokens"] = issueToken
	subject := func(c *call) (*v3Token, error) {
		id := c.r.Header.Get("X-Subject-Token")
		tok, err := c.s.checkToken(id, c.query.Get("allow_expired") == "true" || c.query.Get("allow_expired") == "1")
		if err != nil {
			return nil, err
		}
		if !c.isAdmin() && tok.userID != c.caller.userID {
			return nil, forbidden("You are not authorized to perform the requested action: identity:validate_token.")
		}
		return tok, nil
	}
	m["GET /auth/tokens"] = func(c *call) (int, any, error) {
		tok, err := subject(c)
		if err != nil {
			return 0, nil, err
		}
		c.header.Set("X-Subject-Token", tok.id)
		return http.StatusOK, c.s.tokenBody(tok, !c.query.Has("nocatalog")), nil
	}
	m["HEAD /auth/tokens"] = func(c *call) (int, any, error) {
		tok, err := subject(c)
		if err != nil {
			return 0, nil, err
		}
		c.header.Set("X-Subject-Token", tok.id)
		return http.StatusOK, nil, nil
	}
	m["DELETE /auth/tokens"] = func(c *call) (int, any, error) {
		tok, err := subject(c)
		if err != nil {
			return 0, nil, err
		}
		c.s.st.revoked[tok.id] = true
		return http.StatusNoContent, nil, nil
	}
	m["GET /auth/catalog"] = func(c *call) (int, any, error) {
		if !c.caller.scoped() {
			return 0, nil, forbidden("The authenticated token is not scoped to a project, domain or system.")
		}
		return http.StatusOK, map[string]any{"catalog": c.s.catalog(), "links": c.selfLinks()}, nil
	}
	m["GET /auth/projects"] = func(c *call) (int, any, error) {
		return c.projectList(c.s.userProjects(c.caller.userID))
	}
	m["GET /auth/domains"] = func(c *call) (int, any, error) {
		out := []any{}
		for _, d := range c.s.st.table(domains).all(enabled) {
			if len(c.s.effectiveRoles(c.caller.userID, target{kind: "domain", id: str(d, "id")})) > 0 {
				out = append(out, domains.view(c, d))
			}
		}
		return http.StatusOK, map[string]any{"domains": out, "links": c.selfLinks()}, nil
	}
	m["GET /auth/system"] = func(c *call) (int, any, error) {
		out := []any{}
		if len(c.s.effectiveRoles(c.caller.userID, target{kind: "system", id: "all"})) > 0 {
			out = append(out, map[string]any{"all": true})
		}
		return http.StatusOK, map[string]any{"system": out, "links": c.selfLinks()}, nil
	}
}

func (c *call) selfLinks() map[string]any {
	return map[string]any{"self": c.s.URL() + c.r.URL.Path[len("/v3"):], "next": nil, "previous": nil}
}

func (c *call) projectList(list []record) (int, any, error) {
	out := []any{}
	for _, p := range list {
		out = append(out, projects.view(c, p))
	}
	return http.StatusOK, map[string]any{"projects": out, "links": c.selfLinks()}, nil
}

// callerDomain is the domain new users, groups and projects go to when the
// request names none: the token's domain, or its project's.
func (c *call) callerDomain() string {
	if c.caller == nil {
		return DefaultDomainID
	}
	if c.caller.domainID != "" {
		return c.caller.domainID
	}
	if p, ok := c.s.st.table(projects).get(c.caller.projectID); ok {
		return str(p, "domain_id")
	}
	return DefaultDomainID
}

// secretEqual compares secrets in constant time.
func secretEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
