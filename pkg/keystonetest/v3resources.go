package keystonetest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The collections the generic handlers serve. They are set up in init
// because their hooks refer to one another.
var (
	domains, projects, users, groups, roles   *kind
	services, endpoints, regions, credentials *kind
	appCredentials, trusts                    *kind
	kinds                                     []*kind
)

func init() {
	domains = &kind{name: "domain", plural: "domains", path: "/domains", idParam: "domain_id",
		filters: []string{"name", "enabled"}, noIDCreate: true,
		prepare: func(_ *call, r record) error {
			setDefault(r, "enabled", true)
			setDefault(r, "description", "")
			setDefault(r, "tags", []any{})
			setDefault(r, "options", map[string]any{})
			return nil
		},
		unique: func(r record) string { return str(r, "name") },
		remove: removeDomain,
	}
	projects = &kind{name: "project", plural: "projects", path: "/projects", idParam: "project_id",
		filters: []string{"name", "domain_id", "enabled", "parent_id", "is_domain"}, noIDCreate: true,
		prepare: prepareProject,
		unique:  func(r record) string { return str(r, "domain_id") + "\x00" + str(r, "name") },
		change: func(_ *call, old, patch record) error {
			if d, ok := patch["domain_id"]; ok && d != old["domain_id"] {
				return badRequest("Cannot change Domain ID")
			}
			if p, ok := patch["parent_id"]; ok && p != old["parent_id"] {
				return forbidden("Update of `parent_id` is not allowed.")
			}
			return nil
		},
		remove:  removeProject,
		visible: matchTags,
	}
	users = &kind{name: "user", plural: "users", path: "/users", idParam: "user_id",
		filters: []string{"name", "domain_id", "enabled"}, noIDCreate: true,
		prepare: func(c *call, r record) error {
			if err := inDomain(c, r); err != nil {
				return err
			}
			setDefault(r, "enabled", true)
			setDefault(r, "options", map[string]any{})
			r["password_expires_at"] = nil
			r["id"] = newID()
			if pw, ok := r["password"].(string); ok {
				c.s.st.passwords[str(r, "id")] = pw
			}
			delete(r, "password")
			return nil
		},
		unique: func(r record) string { return str(r, "domain_id") + "\x00" + str(r, "name") },
		change: changeUser,
		remove: removeUser,
	}
	groups = &kind{name: "group", plural: "groups", path: "/groups", idParam: "group_id",
		filters: []string{"name", "domain_id"}, noIDCreate: true,
		prepare: func(c *call, r record) error {
			setDefault(r, "description", "")
			return inDomain(c, r)
		},
		unique: func(r record) string { return str(r, "domain_id") + "\x00" + str(r, "name") },
		remove: func(c *call, r record) error {
			id := str(r, "id")
			for m := range c.s.st.members {
				if m[0] == id {
					delete(c.s.st.members, m)
				}
			}
			c.s.dropGrants(func(g grant3) bool { return g.group && g.actor == id })
			return nil
		},
	}
	roles = &kind{name: "role", plural: "roles", path: "/roles", idParam: "role_id",
		filters: []string{"name", "domain_id"}, noIDCreate: true,
		prepare: func(_ *call, r record) error {
			setDefault(r, "domain_id", nil)
			setDefault(r, "description", nil)
			setDefault(r, "options", map[string]any{})
			return nil
		},
		unique: func(r record) string { return fmt.Sprint(r["domain_id"]) + "\x00" + str(r, "name") },
		remove: func(c *call, r record) error {
			id := str(r, "id")
			c.s.dropGrants(func(g grant3) bool { return g.role == id })
			for rule := range c.s.st.implies {
				if rule[0] == id || rule[1] == id {
					delete(c.s.st.implies, rule)
				}
			}
			return nil
		},
	}
	services = &kind{name: "service", plural: "services", path: "/services", idParam: "service_id",
		filters: []string{"type", "name"}, noIDCreate: true,
		prepare: func(_ *call, r record) error {
			setDefault(r, "enabled", true)
			return nil
		},
		remove: func(c *call, r record) error {
			for _, e := range c.s.st.table(endpoints).all(func(e record) bool { return e["service_id"] == r["id"] }) {
				c.s.st.table(endpoints).del(str(e, "id"))
			}
			return nil
		},
	}
	endpoints = &kind{name: "endpoint", plural: "endpoints", path: "/endpoints", idParam: "endpoint_id",
		filters: []string{"interface", "service_id", "region_id"}, noIDCreate: true,
		prepare: func(c *call, r record) error {
			setDefault(r, "enabled", true)
			if _, err := c.s.st.find(services, str(r, "service_id")); err != nil {
				return badRequest("Could not find service: %s.", str(r, "service_id"))
			}
			region := str(r, "region_id")
			if region == "" {
				region = str(r, "region")
			}
			if region != "" {
				if _, err := c.s.st.find(regions, region); err != nil {
					return badRequest("Could not find region: %s.", region)
				}
			}
			r["region_id"], r["region"] = nilIfEmpty(region), nilIfEmpty(region)
			return nil
		},
	}
	regions = &kind{name: "region", plural: "regions", path: "/regions", idParam: "region_id",
		filters: []string{"parent_region_id"},
		prepare: func(c *call, r record) error {
			setDefault(r, "description", "")
			setDefault(r, "parent_region_id", nil)
			if p := str(r, "parent_region_id"); p != "" {
				if _, err := c.s.st.find(regions, p); err != nil {
					return notFound("Could not find region: %s.", p)
				}
			}
			return nil
		},
		remove: func(c *call, r record) error {
			if len(c.s.st.table(regions).all(func(o record) bool { return o["parent_region_id"] == r["id"] })) > 0 {
				return forbidden("Unable to delete region %s because it or its child regions have associated endpoints.", r["id"])
			}
			return nil
		},
	}
	credentials = &kind{name: "credential", plural: "credentials", path: "/credentials", idParam: "credential_id",
		filters: []string{"user_id", "type"}, noIDCreate: true,
		prepare: func(c *call, r record) error {
			if _, err := c.s.st.find(users, str(r, "user_id")); err != nil {
				return err
			}
			setDefault(r, "project_id", nil)
			if str(r, "type") == "ec2" {
				// Keystone names an EC2 credential after its access key.
				var blob struct{ Access string }
				if json.Unmarshal([]byte(str(r, "blob")), &blob) != nil || blob.Access == "" {
					return badRequest("Invalid blob in credential")
				}
				sum := sha256.Sum256([]byte(blob.Access))
				r["id"] = hex.EncodeToString(sum[:])
			}
			return nil
		},
		visible: func(c *call, r record) bool { return c.isAdmin() || r["user_id"] == c.caller.userID },
	}
	appCredentials = &kind{name: "application_credential", plural: "application_credentials",
		path: "/users/{user_id}/application_credentials", idParam: "application_credential_id",
		parent: "user_id", filters: []string{"name"}, noIDCreate: true, immutable: true,
		prepare: prepareAppCredential,
		unique:  func(r record) string { return str(r, "user_id") + "\x00" + str(r, "name") },
		show: func(c *call, r record) record {
			if c.r.Method == http.MethodPost { // the secret is shown once, by the create
				r["secret"] = c.s.st.secrets[str(r, "id")]
			}
			return r
		},
	}
	trusts = &kind{name: "trust", plural: "trusts", path: "/OS-TRUST/trusts", idParam: "trust_id",
		filters: []string{"trustor_user_id", "trustee_user_id"}, noIDCreate: true, immutable: true,
		prepare: prepareTrust,
		show:    showTrust,
		remove: func(c *call, r record) error {
			if !c.isAdmin() && r["trustor_user_id"] != c.caller.userID {
				return forbidden("Only the trustor can delete a trust.")
			}
			return nil
		},
		visible: func(c *call, r record) bool {
			return c.isAdmin() || r["trustor_user_id"] == c.caller.userID || r["trustee_user_id"] == c.caller.userID
		},
	}
	kinds = []*kind{domains, projects, users, groups, roles, services, endpoints, regions, credentials,
		appCredentials, trusts}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// inDomain defaults a new member's domain to the caller's and checks it.
func inDomain(c *call, r record) error {
	if str(r, "domain_id") == "" {
		r["domain_id"] = c.callerDomain()
	}
	_, err := c.s.st.find(domains, str(r, "domain_id"))
	return err
}

func prepareProject(c *call, r record) error {
	if p := str(r, "parent_id"); p != "" {
		parent, err := c.s.st.find(projects, p)
		if err != nil {
			return err
		}
		if str(r, "domain_id") == "" {
			r["domain_id"] = parent["domain_id"]
		}
		if parent["domain_id"] != r["domain_id"] {
			return badRequest("Cannot create project, since it specifies its domain_id %s, but specifies a parent in a different domain (%s).",
				r["domain_id"], parent["domain_id"])
		}
	}
	if err := inDomain(c, r); err != nil {
		return err
	}
	setDefault(r, "enabled", true)
	setDefault(r, "description", "")
	setDefault(r, "tags", []any{})
	setDefault(r, "options", map[string]any{})
	setDefault(r, "is_domain", false)
	if str(r, "parent_id") == "" {
		r["parent_id"] = r["domain_id"] // as Keystone stores a top-level project
	}
	r["name"] = strings.TrimSpace(str(r, "name"))
	return nil
}

func removeProject(c *call, r record) error {
	id := str(r, "id")
	if len(c.s.st.table(projects).all(func(o record) bool { return o["parent_id"] == id })) > 0 {
		return forbidden("Cannot delete the project %s since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.", id)
	}
	c.s.dropGrants(func(g grant3) bool { return g.target == id })
	return nil
}

func removeDomain(c *call, r record) error {
	if enabled(r) {
		return forbidden("Cannot delete a domain that is enabled, please disable it first.")
	}
	id := str(r, "id")
	inside := func(o record) bool { return o["domain_id"] == id }
	// Leaves first, as Keystone deletes a domain's project tree.
	for {
		ps := c.s.st.table(projects).all(inside)
		if len(ps) == 0 {
			break
		}
		for _, p := range ps {
			if len(c.s.st.table(projects).all(func(o record) bool { return o["parent_id"] == p["id"] })) == 0 {
				_ = removeProject(c, p)
				c.s.st.table(projects).del(str(p, "id"))
			}
		}
	}
	for _, u := range c.s.st.table(users).all(inside) {
		_ = removeUser(c, u)
		c.s.st.table(users).del(str(u, "id"))
	}
	for _, g := range c.s.st.table(groups).all(inside) {
		_ = groups.remove(c, g)
		c.s.st.table(groups).del(str(g, "id"))
	}
	c.s.dropGrants(func(g grant3) bool { return g.target == id })
	return nil
}

func changeUser(c *call, old, patch record) error {
	id := str(old, "id")
	if pw, ok := patch["password"].(string); ok {
		c.s.st.passwords[id] = pw
		delete(patch, "password")
		c.s.revokeUser(id)
	}
	if e, ok := patch["enabled"].(bool); ok && !e {
		c.s.revokeUser(id)
	}
	if d, ok := patch["domain_id"]; ok && d != old["domain_id"] {
		return badRequest("Cannot change Domain ID")
	}
	return nil
}

func removeUser(c *call, r record) error {
	id := str(r, "id")
	for m := range c.s.st.members {
		if m[1] == id {
			delete(c.s.st.members, m)
		}
	}
	c.s.dropGrants(func(g grant3) bool { return !g.group && g.actor == id })
	for _, k := range []*kind{appCredentials, credentials} {
		for _, o := range c.s.st.table(k).all(func(o record) bool { return o["user_id"] == id }) {
			c.s.st.table(k).del(str(o, "id"))
		}
	}
	delete(c.s.st.passwords, id)
	c.s.revokeUser(id)
	return nil
}

// matchTags applies the tag filters of GET /projects.
func matchTags(c *call, r record) bool {
	has := map[string]bool{}
	if tags, ok := r["tags"].([]any); ok {
		for _, t := range tags {
			has[fmt.Sprint(t)] = true
		}
	}
	split := func(name string) ([]string, bool) {
		v := c.query.Get(name)
		if v == "" {
			return nil, false
		}
		return strings.Split(v, ","), true
	}
	count := func(list []string) int {
		n := 0
		for _, t := range list {
			if has[t] {
				n++
			}
		}
		return n
	}
	if l, ok := split("tags"); ok && count(l) != len(l) {
		return false
	}
	if l, ok := split("tags-any"); ok && count(l) == 0 {
		return false
	}
	if l, ok := split("not-tags"); ok && count(l) == len(l) {
		return false
	}
	if l, ok := split("not-tags-any"); ok && count(l) > 0 {
		return false
	}
	return true
}

// projectTags serves /projects/{project_id}/tags and its members.
func projectTags(m map[string]handlerFunc) {
	tags := func(r record) []string {
		var out []string
		if l, ok := r["tags"].([]any); ok {
			for _, t := range l {
				out = append(out, fmt.Sprint(t))
			}
		}
		return out
	}
	set := func(r record, list []string) {
		out := make([]any, 0, len(list))
		for _, t := range list {
			out = append(out, t)
		}
		r["tags"] = out
	}
	answer := func(r record) (int, any, error) {
		return http.StatusOK, map[string]any{"tags": anySlice(tags(r))}, nil
	}
	m["GET /projects/{project_id}/tags"] = func(c *call) (int, any, error) {
		r, err := c.s.st.find(projects, c.param("project_id"))
		if err != nil {
			return 0, nil, err
		}
		return answer(r)
	}
	m["PUT /projects/{project_id}/tags"] = func(c *call) (int, any, error) {
		r, err := c.s.st.find(projects, c.param("project_id"))
		if err != nil {
			return 0, nil, err
		}
		var list []string
		if l, ok := c.body["tags"].([]any); ok {
			for _, t := range l {
				if !slices.Contains(list, fmt.Sprint(t)) {
					list = append(list, fmt.Sprint(t))
				}
			}
		}
		set(r, list)
		return answer(r)
	}
	m["DELETE /projects/{project_id}/tags"] = func(c *call) (int, any, error) {
		r, err := c.s.st.find(projects, c.param("project_id"))
		if err != nil {
			return 0, nil, err
		}
		set(r, nil)
		return http.StatusNoContent, nil, nil
	}
	m["GET /projects/{project_id}/tags/{tag}"] = func(c *call) (int, any, error) {
		r, err := c.s.st.find(projects, c.param("project_id"))
		if err != nil {
			return 0, nil, err
		}
		if !slices.Contains(tags(r), c.param("tag")) {
			return 0, nil, notFound("Tag %s not found", c.param("tag"))
		}
		return http.StatusNoContent, nil, nil
	}
	m["PUT /projects/{project_id}/tags/{tag}"] = func(c *call) (int, any, error) {
		r, err := c.s.st.find(projects, c.param("project_id"))
		if err != nil {
			return 0, nil, err
		}
		if l := tags(r); !slices.Contains(l, c.param("tag")) {
			set(r, append(l, c.param("tag")))
		}
		c.header.Set("Location", c.s.URL()+"/projects/"+c.param("project_id")+"/tags/"+c.param("tag"))
		return http.StatusCreated, nil, nil
	}
	m["DELETE /projects/{project_id}/tags/{tag}"] = func(c *call) (int, any, error) {
		r, err := c.s.st.find(projects, c.param("project_id"))
		if err != nil {
			return 0, nil, err
		}
		l := tags(r)
		if !slices.Contains(l, c.param("tag")) {
			return 0, nil, notFound("Tag %s not found", c.param("tag"))
		}
		set(r, slices.DeleteFunc(l, func(t string) bool { return t == c.param("tag") }))
		return http.StatusNoContent, nil, nil
	}
}

func anySlice[T any](in []T) []any {
	out := make([]any, 0, len(in))
	for _, v := range in {
		out = append(out, v)
	}
	return out
}
