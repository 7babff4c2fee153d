package keystonetest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// record is one resource as Keystone shows it (without links): a JSON
// object, so that the extra attributes Keystone keeps survive, and the
// answers are held to the spec rather than to Go types of the fake's own.
type record = map[string]any

// table holds the resources of one kind in creation order, the order
// Keystone's sqlite backend lists them in.
type table struct {
	rows  map[string]record
	order []string
}

func (t *table) get(id string) (record, bool) {
	r, ok := t.rows[id]
	return r, ok
}

func (t *table) put(id string, r record) {
	if _, ok := t.rows[id]; !ok {
		t.order = append(t.order, id)
	}
	t.rows[id] = r
}

func (t *table) del(id string) {
	delete(t.rows, id)
	t.order = slices.DeleteFunc(t.order, func(s string) bool { return s == id })
}

// all returns the rows that keep says to keep, in order.
func (t *table) all(keep func(record) bool) []record {
	var out []record
	for _, id := range t.order {
		if r := t.rows[id]; keep == nil || keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// v3State is everything the V3Server knows; its mu guards it.
type v3State struct {
	tables    map[string]*table    // by kind name
	passwords map[string]string    // by user id
	secrets   map[string]string    // application credential secrets by id
	members   map[[2]string]bool   // {group id, user id}
	grants    map[grant3]bool      // role assignments as granted
	implies   map[[2]string]bool   // {prior role id, implied role id}
	tokens    map[string]*v3Token  // by token id
	revokedAt map[string]time.Time // a user's tokens issued before are revoked
	revoked   map[string]bool      // token ids revoked one by one
}

func newV3State() *v3State {
	st := &v3State{
		tables:    map[string]*table{},
		passwords: map[string]string{},
		secrets:   map[string]string{},
		members:   map[[2]string]bool{},
		grants:    map[grant3]bool{},
		implies:   map[[2]string]bool{},
		tokens:    map[string]*v3Token{},
		revokedAt: map[string]time.Time{},
		revoked:   map[string]bool{},
	}
	for _, k := range kinds {
		st.tables[k.name] = &table{rows: map[string]record{}}
	}
	return st
}

func (st *v3State) table(k *kind) *table { return st.tables[k.name] }

// find returns the resource of kind k with this id, or Keystone's 404.
func (st *v3State) find(k *kind, id string) (record, error) {
	if r, ok := st.table(k).get(id); ok {
		return r, nil
	}
	return nil, couldNotFind(k.noun(), id)
}

// kind describes one resource collection; the generic handlers below serve
// its list, create, get, update and delete operations.
type kind struct {
	name       string // the member key ("project"), also the 404's noun
	plural     string // the collection key ("projects")
	path       string // the spec's collection path
	idParam    string // the path parameter of a member ("project_id")
	parent     string // a path parameter of the collection copied into members ("user_id")
	filters    []string
	noIDCreate bool // POST may not name the id (Keystone generates it)
	immutable  bool // no PATCH: a member is created and deleted, never changed

	// prepare fills in a new member's defaults and checks it; it may set "id".
	prepare func(c *call, r record) error
	// unique is the key no two members may share ("" for none).
	unique func(r record) string
	// change checks a PATCH (old is the stored member, patch the request's).
	change func(c *call, old, patch record) error
	// remove checks a delete and removes what depends on the member.
	remove func(c *call, r record) error
	// show adds what Keystone shows but does not store (derived fields).
	show func(c *call, r record) record
	// visible says whether the caller may see a member in a list.
	visible func(c *call, r record) bool
}

func (k *kind) noun() string { return strings.ReplaceAll(k.name, "_", " ") }

// selfURL is the link of a member under the collection's path.
func (k *kind) selfURL(s *V3Server, r record) string {
	p := k.path
	if k.parent != "" {
		p = strings.Replace(p, "{"+k.parent+"}", fmt.Sprint(r[k.parent]), 1)
	}
	return s.URL() + p + "/" + fmt.Sprint(r["id"])
}

func (k *kind) view(c *call, r record) record {
	out := maps.Clone(r)
	if k.show != nil {
		out = k.show(c, out)
	}
	out["links"] = map[string]any{"self": k.selfURL(c.s, r)}
	return out
}

// routes registers the generic operations of k.
func (k *kind) routes(m map[string]handlerFunc) {
	member := k.path + "/{" + k.idParam + "}"
	m["GET "+k.path] = k.list
	m["POST "+k.path] = k.create
	m["GET "+member] = k.get
	if !k.immutable {
		m["PATCH "+member] = k.update
	}
	m["DELETE "+member] = k.delete
}

func (k *kind) list(c *call) (int, any, error) {
	out := []any{}
	for _, r := range c.s.st.table(k).all(func(r record) bool { return k.matches(c, r) }) {
		out = append(out, k.view(c, r))
	}
	self := c.s.URL() + c.r.URL.Path[len("/v3"):]
	if q := c.r.URL.RawQuery; q != "" {
		self += "?" + q
	}
	return http.StatusOK, map[string]any{k.plural: out, "links": map[string]any{"self": self, "next": nil, "previous": nil}}, nil
}

// matches applies the collection's parent and the list's filters.
func (k *kind) matches(c *call, r record) bool {
	if k.parent != "" && r[k.parent] != c.param(k.parent) {
		return false
	}
	for _, f := range k.filters {
		if want, ok := c.query[f]; ok && !sameValue(r[f], want[0]) {
			return false
		}
	}
	for q, want := range c.query {
		if op, ok := strings.CutPrefix(q, "name__"); ok && !nameMatches(op, str(r, "name"), want[0]) {
			return false
		}
	}
	return k.visible == nil || k.visible(c, r)
}

// nameMatches applies one of Keystone's name__ filters; a leading i makes
// it case-insensitive.
func nameMatches(op, name, want string) bool {
	if rest, ok := strings.CutPrefix(op, "i"); ok {
		op, name, want = rest, strings.ToLower(name), strings.ToLower(want)
	}
	switch op {
	case "contains":
		return strings.Contains(name, want)
	case "startswith":
		return strings.HasPrefix(name, want)
	case "endswith":
		return strings.HasSuffix(name, want)
	default: // equals
		return name == want
	}
}

// sameValue compares a stored attribute with a query value as Keystone
// does: booleans accept true/false in any case and 1/0.
func sameValue(v any, q string) bool {
	switch v := v.(type) {
	case bool:
		return v == (strings.EqualFold(q, "true") || q == "1")
	case nil:
		return q == "" || strings.EqualFold(q, "none")
	default:
		return fmt.Sprint(v) == q
	}
}

func (k *kind) create(c *call) (int, any, error) {
	in, ok := c.body[k.name].(map[string]any)
	if !ok {
		return 0, nil, badRequest("Invalid input for field '%s': it is required.", k.name)
	}
	r := maps.Clone(in)
	if k.noIDCreate {
		delete(r, "id")
	}
	if k.parent != "" {
		r[k.parent] = c.param(k.parent)
	}
	if k.prepare != nil {
		if err := k.prepare(c, r); err != nil {
			return 0, nil, err
		}
	}
	if id, _ := r["id"].(string); id == "" {
		r["id"] = newID()
	}
	if err := c.s.store(k, r, true); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{k.name: k.view(c, r)}, nil
}

// store saves r, refusing a duplicate id or unique key with Keystone's 409.
func (s *V3Server) store(k *kind, r record, isNew bool) error {
	t := s.st.table(k)
	id := fmt.Sprint(r["id"])
	if _, exists := t.get(id); exists && isNew {
		return conflict("Conflict occurred attempting to store %s - Duplicate ID, %s.", k.noun(), id)
	}
	if k.unique != nil {
		if key := k.unique(r); key != "" {
			for _, other := range t.all(nil) {
				if other["id"] != r["id"] && k.unique(other) == key {
					return conflict("Conflict occurred attempting to store %s - Duplicate entry found with name %v.", k.noun(), r["name"])
				}
			}
		}
	}
	t.put(id, r)
	return nil
}

func (k *kind) member(c *call) (record, error) {
	r, err := c.s.st.find(k, c.param(k.idParam))
	if err != nil {
		return nil, err
	}
	if k.parent != "" && r[k.parent] != c.param(k.parent) {
		return nil, couldNotFind(k.noun(), c.param(k.idParam))
	}
	if k.visible != nil && !k.visible(c, r) {
		return nil, forbidden("You are not authorized to perform the requested action: identity:%s.", snake(c.op.id))
	}
	return r, nil
}

func (k *kind) get(c *call) (int, any, error) {
	r, err := k.member(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{k.name: k.view(c, r)}, nil
}

func (k *kind) update(c *call) (int, any, error) {
	old, err := k.member(c)
	if err != nil {
		return 0, nil, err
	}
	patch, ok := c.body[k.name].(map[string]any)
	if !ok {
		return 0, nil, badRequest("Invalid input for field '%s': it is required.", k.name)
	}
	if id, ok := patch["id"]; ok && id != old["id"] {
		return 0, nil, badRequest("Cannot change ID")
	}
	if k.change != nil {
		if err := k.change(c, old, patch); err != nil {
			return 0, nil, err
		}
	}
	r := maps.Clone(old)
	for name, v := range patch {
		r[name] = v
	}
	if err := c.s.store(k, r, false); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{k.name: k.view(c, r)}, nil
}

func (k *kind) delete(c *call) (int, any, error) {
	r, err := k.member(c)
	if err != nil {
		return 0, nil, err
	}
	if k.remove != nil {
		if err := k.remove(c, r); err != nil {
			return 0, nil, err
		}
	}
	c.s.st.table(k).del(fmt.Sprint(r["id"]))
	return http.StatusNoContent, nil, nil
}

// str reads a string attribute ("" when absent or null).
func str(r record, name string) string {
	s, _ := r[name].(string)
	return s
}

// enabled reads an enabled attribute (absent means enabled).
func enabled(r record) bool {
	b, ok := r["enabled"].(bool)
	return !ok || b
}

// setDefault sets r[name] when the request left it out.
func setDefault(r record, name string, v any) {
	if _, ok := r[name]; !ok {
		r[name] = v
	}
}
