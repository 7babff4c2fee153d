package cloudconfig

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// Load resolves the cloud called name, the way openstacksdk and the
// openstack CLI do (see the package documentation for the rules):
//
//   - name "" means the cloud OS_CLOUD names, else the cloud made of OS_*
//     variables when any are set, else the only cloud in clouds.yaml;
//   - clouds.yaml, secure.yaml and clouds-public.yaml are found on the
//     search path (SearchDirs) or where the options say;
//   - the OS_* variables the openstack CLI reads are laid over a cloud from
//     clouds.yaml that OS_CLOUD chose, and not over one named by name
//     (unless WithEnvOverNamedCloud says so, as the CLI does);
//   - the auth options are checked against AuthType's plugin.
//
// Every error is an *Error naming the file, the cloud and the key.
func Load(name string, opts ...Option) (*Cloud, error) {
	o := newOptions(opts)
	s, err := o.sources()
	if err != nil {
		return nil, err
	}
	return s.resolve(name)
}

// CloudNames lists the clouds that Load can resolve: those in clouds.yaml
// (with secure.yaml), and the environment's cloud when OS_* variables make
// one, sorted.
func CloudNames(opts ...Option) ([]string, error) {
	s, err := newOptions(opts).sources()
	if err != nil {
		return nil, err
	}
	var names []string
	if c := s.clouds(); c != nil {
		names = slices.Clone(c.keys)
	}
	if s.envCloud != nil {
		names = append(names, s.envName)
	}
	slices.Sort(names)
	return names, nil
}

// sources is what Load reads before it picks a cloud.
type sources struct {
	o          *options
	configFile string
	secureFile string
	doc        *node // clouds.yaml with secure.yaml merged over it
	secure     *node // secure.yaml alone
	envCloud   *node
	envName    string

	vendorRead bool
	vendorFile string
	vendor     *node
	vendorErr  error
}

func (o *options) sources() (*sources, error) {
	s := &sources{o: o}
	var err error
	var cfg, sec *node
	s.configFile, cfg, err = readFirst(o.candidates(configBase, o.configFiles, o.getenv("OS_CLIENT_CONFIG_FILE")))
	if err != nil {
		return nil, err
	}
	s.secureFile, sec, err = readFirst(o.candidates(secureBase, o.secureFiles, o.getenv("OS_CLIENT_SECURE_FILE")))
	if err != nil {
		return nil, err
	}
	s.secure = sec
	switch {
	case cfg != nil && sec != nil:
		s.doc = mergeDeep(cfg, sec)
	case cfg != nil:
		s.doc = cfg
	case sec != nil:
		s.doc = sec
	}
	if c := s.doc.get("clouds"); c != nil && c.kind != mapNode && c.kind != nullNode {
		return nil, errorAt(c, "", "must be a mapping of cloud names to clouds, not a %s", c.kindName())
	}
	s.envName = o.getenv("OS_CLOUD_NAME")
	if s.envName == "" {
		s.envName = EnvCloudName
	}
	if c := s.clouds().get(s.envName); c != nil {
		e := errorAt(c, s.envName, "the name %q is taken by the cloud made of OS_* variables (OS_CLOUD_NAME names it otherwise); rename one of them", s.envName)
		e.Key = "clouds." + s.envName
		return nil, e
	}
	s.envCloud = envCloud(o.environ())
	return s, nil
}

// clouds is the clouds: mapping, or nil.
func (s *sources) clouds() *node {
	c := s.doc.get("clouds")
	if c == nil || c.kind != mapNode {
		return nil
	}
	return c
}

// vendorProfiles reads clouds-public.yaml the first time a profile needs it.
func (s *sources) vendorProfiles() (string, *node, error) {
	if !s.vendorRead {
		s.vendorRead = true
		s.vendorFile, s.vendor, s.vendorErr = readFirst(s.o.candidates(vendorBase, s.o.vendorFiles, ""))
	}
	return s.vendorFile, s.vendor, s.vendorErr
}

// The variables that only pick a cloud or a region: set alone, they do not
// make a cloud of the environment.
var selectors = []string{"OS_CLOUD", "OS_REGION_NAME", "OS_CLIENT_CONFIG_FILE", "OS_CLIENT_SECURE_FILE", "OS_CLOUD_NAME"}

// envCloud is the cloud the OS_* variables make, as openstacksdk makes it:
// every OS_* variable (but OS_TEST*, OS_STD* and OS_LOG*, which test
// tools set) becomes the key of its name without OS_, in lower case:
// OS_AUTH_URL is auth_url, OS_INSECURE is insecure. Nil when only
// selectors are set.
func envCloud(env map[string]string) *node {
	n := newMap("", "", "")
	made := false
	names := slices.Sorted(maps.Keys(env))
	for _, k := range names {
		v := env[k]
		if !strings.HasPrefix(k, "OS_") || v == "" || strings.HasPrefix(k, "OS_TEST") ||
			strings.HasPrefix(k, "OS_STD") || strings.HasPrefix(k, "OS_LOG") {
			continue
		}
		if slices.Contains(selectors, k) {
			if k == "OS_REGION_NAME" {
				n.put("region_name", envNode(k, v))
			}
			continue
		}
		made = true
		n.put(strings.ToLower(k[3:]), envNode(k, v))
	}
	if !made {
		return nil
	}
	return n
}

// work is one cloud being resolved.
type work struct {
	s        *sources
	name     string
	fromEnv  bool
	askedBy  string // "OS_CLOUD" when the environment chose the cloud
	file     string // where the cloud is defined ("" for the environment)
	top      map[string]*node
	auth     map[string]*node
	profile  string
	profNode *node // the profile's entry in clouds-public.yaml
	vendor   string
	warnings []string
	// profileLost is set when the cloud names a profile that was not
	// found; errors about missing options mention it.
	profileLost string
}

func (s *sources) resolve(name string) (*Cloud, error) {
	asked, askedBy := name, ""
	if asked == "" {
		if asked = s.o.getenv("OS_CLOUD"); asked != "" {
			askedBy = "OS_CLOUD"
		}
	}
	clouds := s.clouds()
	w := &work{s: s, askedBy: askedBy, top: map[string]*node{}, auth: map[string]*node{}}
	var src *node
	switch {
	case asked != "" && asked == s.envName && s.envCloud != nil:
		w.name, w.fromEnv, src = asked, true, s.envCloud
	case asked != "":
		src = clouds.get(asked)
		if src == nil {
			e := &Error{File: s.configFile, Cloud: asked, Key: askedBy, Kind: invalidConfig}
			switch {
			case s.configFile == "":
				e.File = Environment
				e.Reason = fmt.Sprintf("cloud not found: no clouds.yaml in %s", strings.Join(s.o.searchPath(), ", "))
			default:
				e.Reason = "cloud not found; the file has " + orNone(clouds)
			}
			if s.envCloud != nil {
				e.Reason += fmt.Sprintf(" (the OS_* variables make the cloud %q)", s.envName)
			}
			return nil, e
		}
		w.name, w.file = asked, s.configFile
	case s.envCloud != nil:
		w.name, w.fromEnv, src = s.envName, true, s.envCloud
	case clouds != nil && len(clouds.keys) == 1:
		w.name, w.file = clouds.keys[0], s.configFile
		src = clouds.m[w.name]
	case clouds == nil || len(clouds.keys) == 0:
		e := &Error{File: Environment, Key: "OS_CLOUD", Kind: invalidConfig,
			Reason: "no cloud configured: no OS_* variables, and no clouds.yaml in " + strings.Join(s.o.searchPath(), ", ")}
		if s.configFile != "" {
			e.File, e.Key, e.Reason = s.configFile, "clouds", "no clouds defined, and no OS_* variables set"
		}
		return nil, e
	default:
		return nil, &Error{File: s.configFile, Key: "OS_CLOUD", Kind: invalidConfig,
			Reason: "the file has several clouds (" + strings.Join(clouds.keys, ", ") + ") and none was chosen: set OS_CLOUD or pass a name"}
	}
	if src.kind != mapNode {
		return nil, errorAt(src, w.name, "a cloud must be a mapping of settings, not a %s", src.kindName())
	}
	c, err := w.resolve(src)
	if err != nil {
		return nil, asError(err, w.name)
	}
	if !c.FromEnv && s.secure.get("clouds").get(w.name) != nil {
		c.SecureFile = s.secureFile
	}
	s.securityWarnings(c)
	return c, nil
}

func orNone(clouds *node) string {
	if clouds == nil || len(clouds.keys) == 0 {
		return "no clouds"
	}
	return "clouds " + strings.Join(clouds.keys, ", ")
}

// anchor is a stand-in node for a key that is not set, so that an error
// about it names the right file and key: the cloud's file and "auth.x", or
// the variable OS_X for the environment's cloud.
func (w *work) anchor(key string) *node {
	if w.fromEnv {
		return envNode("OS_"+strings.ToUpper(strings.TrimPrefix(key, "auth.")), "")
	}
	return &node{file: w.file, prefix: "clouds." + w.name, key: key}
}

// apply lays a cloud, profile or region's settings over what w has: every
// key replaces the one before, except auth, whose keys are merged one by
// one.
func (w *work) apply(m *node) error {
	for _, k := range m.keys {
		v := m.m[k]
		if k != "auth" {
			w.top[k] = v
			continue
		}
		if v.kind == nullNode {
			continue
		}
		if v.kind != mapNode {
			return errorAt(v, w.name, "must be a mapping of auth options, not a %s", v.kindName())
		}
		for _, ak := range v.keys {
			w.auth[ak] = v.m[ak]
		}
	}
	return nil
}

func (w *work) resolve(src *node) (*Cloud, error) {
	if err := w.expandProfile(src); err != nil {
		return nil, err
	}
	if err := w.apply(src); err != nil {
		return nil, err
	}
	delete(w.top, "cloud")
	regions, err := w.chooseRegion(src)
	if err != nil {
		return nil, err
	}
	// The environment is the configuration of a cloud it makes or chooses
	// (OS_CLOUD); a cloud a program names is the files' alone, as
	// openstacksdk's connect(cloud=...) resolves it, unless the program
	// imitates the CLI (WithEnvOverNamedCloud).
	if w.fromEnv || w.askedBy == "OS_CLOUD" || w.s.o.envOverNamed {
		w.layEnv()
	} else {
		w.defaultDomain()
	}
	if err := w.fixLegacyKeys(); err != nil {
		return nil, err
	}
	authType := w.cliHooks()
	specs, err := w.pluginOptions(authType)
	if err != nil {
		return nil, err
	}
	if err := w.collectAuth(authType, specs); err != nil {
		return nil, err
	}
	if err := w.ask(specs); err != nil {
		return nil, err
	}
	if err := w.formatTop(); err != nil {
		return nil, err
	}
	c, err := w.cloud(authType, regions)
	if err != nil {
		return nil, err
	}
	if _, err := c.Plugin(); err != nil {
		return nil, err
	}
	return c, nil
}

// expandProfile starts the cloud from its vendor profile in
// clouds-public.yaml ("profile", or the older "cloud").
func (w *work) expandProfile(src *node) error {
	p := src.get("profile")
	if !p.set() {
		if p = src.get("cloud"); p.set() {
			w.warnings = append(w.warnings, fmt.Sprintf("%s: cloud %q: the key \"cloud\" is deprecated; call it \"profile\"", p.where(), w.name))
		}
	}
	if !p.set() {
		return nil
	}
	name, ok := p.str()
	if !ok {
		return errorAt(p, w.name, "must be the name of a profile, not a %s", p.kindName())
	}
	w.profile = name
	if name == w.s.envName {
		return nil
	}
	file, doc, err := w.s.vendorProfiles()
	if err != nil {
		return err
	}
	var entry *node
	if pc := doc.get("public_clouds"); pc != nil {
		if pc.kind != mapNode {
			return errorAt(pc, w.name, "must be a mapping of profile names to profiles")
		}
		entry = pc.m[name]
	}
	if entry == nil {
		w.profileLost = name
		where := "no clouds-public.yaml was found"
		if file != "" {
			where = file + " has no such profile"
		}
		w.warnings = append(w.warnings, fmt.Sprintf("cloud %q: profile %q not found: %s (keystone-go does not carry openstacksdk's built-in vendor profiles)", w.name, name, where))
		return nil
	}
	if entry.kind != mapNode {
		return errorAt(entry, w.name, "a profile must be a mapping of settings, not a %s", entry.kindName())
	}
	w.vendor, w.profNode = file, entry
	if st, _ := entry.get("status").str(); st != "" && st != "active" {
		msg, _ := entry.get("message").str()
		if st == "shutdown" {
			return errorAt(entry.get("status"), w.name, "profile %q is of a cloud that no longer exists: %s", name, msg)
		}
		w.warnings = append(w.warnings, fmt.Sprintf("profile %q is %s: %s", name, st, msg))
	}
	if err := w.apply(entry); err != nil {
		return err
	}
	delete(w.top, "status")
	delete(w.top, "message")
	return nil
}

type region struct {
	name   string
	values *node
	from   *node
}

// regionsOf lists the regions a cloud (or profile) names: "regions", a
// list of names or of {name, values}; else "region_name", one name (a
// comma-separated list is deprecated) or a list. list is the node they
// were read from.
func (w *work) regionsOf(n *node) (out []region, list *node, err error) {
	if r := n.get("regions"); r.set() {
		items := []*node{r}
		if r.kind == listNode {
			items = r.list
		}
		for _, it := range items {
			switch it.kind {
			case scalarNode:
				out = append(out, region{name: it.text, from: it})
			case mapNode:
				nm, ok := it.get("name").str()
				if !ok || nm == "" {
					return nil, nil, errorAt(it, w.name, "a region needs a name")
				}
				for _, k := range it.keys {
					if k != "name" && k != "values" {
						return nil, nil, errorAt(it.m[k], w.name, "a region has only a name and values")
					}
				}
				v := it.get("values")
				if v != nil && v.kind != mapNode && v.kind != nullNode {
					return nil, nil, errorAt(v, w.name, "must be a mapping of settings")
				}
				out = append(out, region{name: nm, values: v, from: it})
			default:
				return nil, nil, errorAt(it, w.name, "a region is a name or a mapping with name and values")
			}
		}
		return out, r, nil
	}
	r := n.get("region_name")
	if !r.set() {
		return nil, nil, nil
	}
	switch r.kind {
	case listNode:
		for _, it := range r.list {
			s, ok := it.str()
			if !ok {
				return nil, nil, errorAt(it, w.name, "must be a region name")
			}
			out = append(out, region{name: s, from: it})
		}
	case scalarNode:
		parts := strings.Split(r.text, ",")
		if len(parts) > 1 {
			w.warnings = append(w.warnings, fmt.Sprintf("%s: cloud %q: a comma-separated region_name is deprecated; list them under regions", r.where(), w.name))
		}
		for _, p := range parts {
			out = append(out, region{name: p, from: r})
		}
	default:
		return nil, nil, errorAt(r, w.name, "must be a region name")
	}
	return out, r, nil
}

// chooseRegion picks the region asked for (WithRegion, OS_REGION_NAME),
// else the first the cloud knows, and applies its values.
func (w *work) chooseRegion(src *node) ([]string, error) {
	known, list, err := w.regionsOf(src)
	if err != nil {
		return nil, err
	}
	if len(known) == 0 && w.profNode != nil {
		if known, list, err = w.regionsOf(w.profNode); err != nil {
			return nil, err
		}
	}
	var asked *node
	if w.s.o.region != "" {
		asked = &node{kind: scalarNode, text: w.s.o.region, key: "WithRegion"}
	} else if v := w.s.o.getenv("OS_REGION_NAME"); v != "" {
		asked = envNode("OS_REGION_NAME", v)
	}
	names := make([]string, len(known))
	for i, r := range known {
		names[i] = r.name
	}
	var chosen region
	switch {
	case len(known) == 0 && asked != nil:
		chosen = region{name: asked.text, from: asked}
	case len(known) == 0:
	case asked == nil:
		chosen = known[0]
	default:
		i := slices.Index(names, asked.text)
		if i < 0 {
			return nil, errorAt(list, w.name, "region %q (from %s) is not one of the cloud's regions: %s (names are case-sensitive)",
				asked.text, asked.key, strings.Join(names, ", "))
		}
		chosen = known[i]
	}
	delete(w.top, "regions")
	if chosen.values.set() {
		if err := w.apply(chosen.values); err != nil {
			return nil, err
		}
	}
	if chosen.name != "" {
		n := *chosen.from
		n.kind, n.text, n.isNum, n.isBool = scalarNode, chosen.name, false, false
		w.top["region_name"] = &n
	} else {
		delete(w.top, "region_name")
	}
	return names, nil
}

// layEnv lays the OS_* variables the openstack CLI reads over the cloud
// (they are its command-line defaults, and the command line beats the
// file): OS_AUTH_TYPE, every auth plugin option (OS_AUTH_URL, OS_USERNAME,
// OS_PASSWORD, OS_PROJECT_NAME or OS_TENANT_NAME, ...), OS_INTERFACE,
// OS_CACERT, OS_CERT, OS_KEY, OS_IDENTITY_API_VERSION and
// OS_DEFAULT_DOMAIN (which defaults to "default"). They land at the top
// level: fixLegacyKeys and collectAuth decide which of them win.
func (w *work) layEnv() {
	o := w.s.o
	put := func(key, name string) {
		if v := o.getenv(name); v != "" {
			w.top[key] = envNode(name, v)
		}
	}
	put("auth_type", "OS_AUTH_TYPE")
	if v := o.getenv("OS_INTERFACE"); v != "" {
		w.top["interface"] = envNode("OS_INTERFACE", v)
		// The CLI reads OS_INTERFACE and not the older OS_ENDPOINT_TYPE,
		// which would otherwise win below.
		if et := w.top["endpoint_type"]; et != nil && et.file == "" {
			delete(w.top, "endpoint_type")
		}
	}
	put("cacert", "OS_CACERT")
	put("cert", "OS_CERT")
	put("key", "OS_KEY")
	put("identity_api_version", "OS_IDENTITY_API_VERSION")
	if v := o.getenv("OS_DEFAULT_DOMAIN"); v != "" {
		w.top["default_domain"] = envNode("OS_DEFAULT_DOMAIN", v)
	} else {
		w.defaultDomain()
	}
	for _, opt := range allOptionNames() {
		if !strings.Contains(opt, "tenant") {
			put(opt, "OS_"+strings.ToUpper(opt))
		}
	}
	for _, k := range []string{"project_id", "project_name"} {
		if _, ok := w.top[k]; !ok {
			put(k, "OS_TENANT_"+strings.ToUpper(strings.TrimPrefix(k, "project_")))
		}
	}
}

// defaultDomain is the CLI's --os-default-domain default, which applies
// whether or not the environment is laid over the cloud.
func (w *work) defaultDomain() {
	w.top["default_domain"] = &node{kind: scalarNode, text: "default", key: "OS_DEFAULT_DOMAIN"}
}

// isSet reports whether key holds a value at the top level or in auth.
func isSet(m map[string]*node, key string) bool { return m[key].set() }

// fixLegacyKeys renames what older configurations call otherwise, as
// openstacksdk does before it loads the plugin.
func (w *work) fixLegacyKeys() error {
	top, auth := w.top, w.auth
	// A passcode given on its own goes with the auth options.
	if p := top["passcode"]; p.set() {
		auth["passcode"] = p
		delete(top, "passcode")
	}
	// Old clients named their timeouts after their service; any of them
	// stands for api_timeout.
	for _, k := range slices.Sorted(maps.Keys(top)) {
		if strings.HasSuffix(k, "timeout") && k != "timeout" && k != "api_timeout" {
			top["api_timeout"] = top[k]
			delete(top, k)
		}
	}
	if v, ok := top["endpoint_type"]; ok {
		top["interface"] = v
		delete(top, "endpoint_type")
	}
	if v, ok := top["auth_plugin"]; ok {
		if !top["auth_type"].set() {
			top["auth_type"] = v
		}
		delete(top, "auth_plugin")
	}
	// Project, domain and token keys: the older spellings first, so that
	// the newer one wins; in each, the auth section beats the top level.
	authType, _ := top["auth_type"].str()
	renames := [][]string{
		{"domain_id"}, {"domain_name"}, {"user_domain_id"}, {"user_domain_name"},
		{"project_domain_id"}, {"project_domain_name"},
		{"token", "auth_token", "token"},
	}
	if authType == "v2password" {
		renames = append(renames, []string{"tenant_id", "project_id", "tenant_id"}, []string{"tenant_name", "project_name", "tenant_name"})
	} else {
		renames = append(renames, []string{"project_id", "tenant_id", "project_id"}, []string{"project_name", "tenant_name", "project_name"})
	}
	for _, r := range renames {
		target, from := r[0], r[1:]
		if len(from) == 0 {
			from = r
		}
		var win *node
		for _, k := range from {
			if v := top[k]; v.set() {
				win = v
			}
			delete(top, k)
			if v := auth[k]; v.set() {
				win = v
			}
			delete(auth, k)
		}
		if win != nil {
			auth[target] = win
		}
	}
	for _, k := range slices.Sorted(maps.Keys(top)) {
		if strings.HasSuffix(k, "endpoint_type") {
			top[strings.TrimSuffix(k, "endpoint_type")+"interface"] = top[k]
			delete(top, k)
		}
	}
	// domain_id and domain_name: with a project they are the project's and
	// the user's domain (when those are not given) and no scope of their
	// own; without one, they are the domain scope.
	projectScoped := isSet(top, "project_id") || isSet(top, "project_name") || isSet(auth, "project_id") || isSet(auth, "project_name")
	for _, d := range []struct{ target, user, project string }{
		{"domain_id", "user_domain_id", "project_domain_id"},
		{"domain_name", "user_domain_name", "project_domain_name"},
	} {
		if !projectScoped {
			if v := top[d.target]; v.set() && !isSet(auth, d.target) {
				auth[d.target] = v
			}
			delete(top, d.target)
			continue
		}
		if v := auth[d.target]; v.set() {
			for _, k := range []string{d.user, d.project} {
				if !isSet(auth, k) {
					auth[k] = v
				}
			}
		}
		delete(top, d.target)
		delete(auth, d.target)
	}
	for _, k := range []string{"insecure", "cache"} {
		if v, ok := top[k]; ok && v.kind != mapNode {
			if _, err := v.bool(); err != nil {
				return errorAt(v, w.name, "%v", err)
			}
		}
	}
	if u := auth["auth_url"]; u.set() {
		s, ok := u.str()
		if !ok {
			return errorAt(u, w.name, "must be a URL, not a %s", u.kindName())
		}
		f, err := w.format(s, u)
		if err != nil {
			return err
		}
		if f != s {
			c := *u
			c.text = f
			auth["auth_url"] = &c
		}
	}
	return nil
}

// cliHooks applies what the openstack CLI does to the auth options before
// it loads the plugin, and returns the auth type (default password).
func (w *work) cliHooks() string {
	top, auth := w.top, w.auth
	authType, _ := top["auth_type"].str()
	version, _ := top["identity_api_version"].str()
	if authType == "" {
		// The CLI's choice when none is given: a user name (from OS_USERNAME
		// or the top level of the cloud) picks the password plugin of the
		// identity API version; anything else the generic password plugin.
		authType = "password"
		if top["username"].set() {
			want := ""
			switch {
			case version == "3":
				want = "v3password"
			case strings.HasPrefix(version, "2"):
				want = "v2password"
			}
			// keystone-go may not have the version's plugin; the generic
			// one then discovers the version itself.
			if _, ok := pluginOptions(want); ok {
				authType = want
			}
		}
	}
	if strings.HasPrefix(authType, "v2") {
		if v := auth["project_id"]; v.set() {
			auth["tenant_id"] = v
		}
		if v := auth["project_name"]; v.set() {
			auth["tenant_name"] = v
		}
	}
	// Identity v2.0 has no domains: a password login drops them.
	if strings.HasPrefix(version, "2") && strings.HasSuffix(authType, "password") {
		for _, k := range []string{"project_domain_id", "project_domain_name", "user_domain_id", "user_domain_name"} {
			if auth[k].set() {
				w.warnings = append(w.warnings, fmt.Sprintf("cloud %q: %s ignored: identity API version 2.0 has no domains", w.name, k))
			}
			delete(auth, k)
		}
	}
	// OS_DEFAULT_DOMAIN (default "default") stands in for the user's and
	// the project's domain of a v3 password or TOTP login.
	if dd := top["default_domain"]; version == "3" && !strings.HasPrefix(authType, "v2") && dd.set() &&
		slices.Contains([]string{"password", "v3password", "v3totp"}, authType) {
		if !isSet(auth, "project_domain_id") && !isSet(auth, "project_domain_name") {
			auth["project_domain_id"] = dd
		}
		if !isSet(auth, "user_domain_id") && !isSet(auth, "user_domain_name") {
			auth["user_domain_id"] = dd
		}
	}
	switch authType {
	case "None":
		authType = "none"
	case "token_endpoint":
		// What users call it; keystoneauth calls it admin_token.
		authType = "admin_token"
	}
	return authType
}

func (w *work) pluginOptions(authType string) ([]optionSpec, error) {
	specs, ok := pluginOptions(authType)
	if ok {
		return specs, nil
	}
	n := w.top["auth_type"]
	if n == nil {
		n = w.anchor("auth_type")
	}
	return nil, errorAt(n, w.name, "unknown auth type %q (known: %s)", authType, strings.Join(pluginNames(), ", "))
}

// collectAuth gathers the plugin's options into auth: from the top level
// first (where the OS_* variables are), then from the auth section; under
// an option's name before its deprecated names. What is left in the auth
// section is not an option of the plugin, which keystoneauth refuses too.
func (w *work) collectAuth(authType string, specs []optionSpec) error {
	top, auth := w.top, w.auth
	out := map[string]*node{}
	for _, o := range specs {
		names := append([]string{o.Name}, o.Deprecated...)
		var win *node
		for _, m := range []map[string]*node{top, auth} {
			for _, k := range names {
				if v := m[k]; v.set() && win == nil {
					win = v
				}
			}
		}
		for _, k := range names {
			delete(top, k)
			delete(auth, k)
		}
		if win != nil {
			out[o.Name] = win
		}
	}
	for _, k := range slices.Sorted(maps.Keys(auth)) {
		v := auth[k]
		if !v.set() {
			continue
		}
		if strings.HasPrefix(authType, "v2") && (k == "project_id" || k == "project_name") {
			// Copied to tenant_id and tenant_name by cliHooks.
			continue
		}
		e := errorAt(v, w.name, "not an option of auth type %q (its options: %s)", authType, specNames(specs))
		e.Kind = invalidConfig
		if hint := w.hint(authType, k); hint != "" {
			e.Reason += "; " + hint
		}
		return e
	}
	w.auth = out
	return nil
}

// Prompted is what Cloud.Source says for an option WithPrompt supplied.
const Prompted = "prompt"

// ask prompts for a missing password or passcode (see WithPrompt).
func (w *work) ask(specs []optionSpec) error {
	fn := w.s.o.prompt
	if fn == nil {
		return nil
	}
	for _, s := range specs {
		text, ok := map[string]string{"password": "Password: ", "passcode": "TOTP passcode: "}[s.Name]
		if !ok || w.auth[s.Name].set() {
			continue
		}
		v, err := fn(s.Name, text)
		if err != nil {
			return errorAt(w.anchor("auth."+s.Name), w.name, "asking for it").with(err)
		}
		if v != "" {
			w.auth[s.Name] = &node{kind: scalarNode, text: v, file: Prompted, key: s.Name}
		}
	}
	return nil
}

func specNames(specs []optionSpec) string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// hint suggests the auth type an option belongs to.
func (w *work) hint(authType, key string) string {
	var want string
	switch {
	case strings.HasPrefix(key, "application_credential"):
		want = "v3applicationcredential"
	case key == "token":
		want = "v3token (or token)"
	case key == "passcode":
		want = "v3totp"
	}
	if want == "" || strings.HasPrefix(want, authType) {
		return ""
	}
	via := "auth_type"
	if w.fromEnv {
		via = "OS_AUTH_TYPE"
	}
	return fmt.Sprintf("set %s to %s to use it", via, want)
}

// formatTop fills in {key} references in the top-level strings (a
// profile's auth_url may say "https://identity.{region_name}.example").
func (w *work) formatTop() error {
	for _, k := range slices.Sorted(maps.Keys(w.top)) {
		v := w.top[k]
		// A secret is never formatted: a password holding a brace is not a
		// reference, and an error about it would show it.
		if isSecretKey(k) || v.kind != scalarNode || v.isBool || v.isNum || !strings.ContainsAny(v.text, "{}") {
			continue
		}
		f, err := w.format(v.text, v)
		if err != nil {
			return err
		}
		c := *v
		c.text = f
		w.top[k] = &c
	}
	return nil
}

// format replaces {key} with the top-level setting key, and {{ and }} with
// braces, as Python's str.format does with the cloud's settings.
func (w *work) format(s string, at *node) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			b.WriteByte('{')
			i++
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			b.WriteByte('}')
			i++
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", errorAt(at, w.name, "unmatched { in %q", s)
			}
			ref := s[i+1 : i+end]
			v, ok := w.top[ref].str()
			if !ok || w.top[ref] == nil || isSecretKey(ref) {
				return "", errorAt(at, w.name, "refers to {%s}, which the cloud does not set", ref)
			}
			b.WriteString(v)
			i += end
		case c == '}':
			return "", errorAt(at, w.name, "unmatched } in %q", s)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// typed are the top-level keys Cloud has fields for.
var typed = []string{"auth_type", "region_name", "interface", "verify", "insecure", "cacert", "cert", "key",
	"api_timeout", "identity_api_version", "profile"}

// cloud builds the Cloud from what w has resolved.
func (w *work) cloud(authType string, regions []string) (*Cloud, error) {
	c := &Cloud{
		Name:       w.name,
		FromEnv:    w.fromEnv,
		ConfigFile: w.file,
		VendorFile: w.vendor,
		Profile:    w.profile,
		AuthType:   authType,
		Auth:       map[string]string{},
		Regions:    regions,
		Config:     map[string]any{},
		sources:    map[string]*node{},
	}
	for k, v := range w.auth {
		s, err := authString(v)
		if err != nil {
			return nil, errorAt(v, w.name, "%v", err)
		}
		c.Auth[k] = s
		c.sources["auth."+k] = v
	}
	str := func(key string) (string, error) {
		v := w.top[key]
		s, ok := v.str()
		if !ok {
			return "", errorAt(v, w.name, "must be a string, not a %s", v.kindName())
		}
		if v.set() {
			c.sources[key] = v
		}
		return s, nil
	}
	var err error
	if c.RegionName, err = str("region_name"); err != nil {
		return nil, err
	}
	if c.IdentityAPIVersion, err = str("identity_api_version"); err != nil {
		return nil, err
	}
	iface, err := str("interface")
	if err != nil {
		return nil, err
	}
	c.Interface = normalizeInterface(iface)
	switch c.Interface {
	case "":
		c.Interface = "public"
	case "public", "internal", "admin":
	default:
		return nil, errorAt(w.top["interface"], w.name, "unknown interface %q (want public, internal or admin)", iface)
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"cacert", &c.CACert}, {"cert", &c.Cert}, {"key", &c.Key}} {
		s, err := str(f.key)
		if err != nil {
			return nil, err
		}
		*f.dst = w.s.o.expandUser(s)
	}
	if v := w.top["verify"]; v.set() {
		c.sources["verify"] = v
		b, err := v.bool()
		switch {
		case err == nil:
			c.Verify = &b
		case v.kind == scalarNode && !v.isNum:
			// requests takes a path as verify: the CA bundle to trust.
			t := true
			c.Verify = &t
			if c.CACert == "" {
				c.CACert = w.s.o.expandUser(v.text)
				c.sources["cacert"] = v
			}
		default:
			return nil, errorAt(v, w.name, "want true, false or the path of a CA bundle")
		}
	}
	if v := w.top["insecure"]; v.set() {
		if b, _ := v.bool(); b {
			f := false
			c.Verify = &f
			c.sources["verify"] = v
		}
	}
	if c.Verify != nil && !*c.Verify && c.CACert != "" {
		c.Warnings = append(c.Warnings, fmt.Sprintf("cloud %q: cacert is set but certificates are not verified (verify: false or insecure: true)", w.name))
	}
	if v := w.top["api_timeout"]; v.set() {
		s, ok := v.str()
		secs, perr := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if !ok || perr != nil || secs < 0 || secs > 1e9 {
			return nil, errorAt(v, w.name, "want a number of seconds, got %q", s)
		}
		c.APITimeout = time.Duration(secs * float64(time.Second))
		c.sources["api_timeout"] = v
	}
	if v := w.top["profile"]; v.set() {
		c.sources["profile"] = v
	}
	if v := w.top["auth_type"]; v.set() {
		c.sources["auth_type"] = v
	}
	secret := allOptionNames()
	for k, v := range w.top {
		if slices.Contains(secret, k) && v.set() {
			c.stray = append(c.stray, k)
		}
		if slices.Contains(typed, k) || slices.Contains(secret, k) || k == "auth" || v == nil {
			continue
		}
		c.Config[k] = v.value()
		c.sources[k] = v
	}
	c.Warnings = append(slices.Clip(w.warnings), c.Warnings...)
	c.lost = w.profileLost
	return c, nil
}

// authString reads an auth option: a scalar, or a list (auth_methods)
// joined with commas.
func authString(v *node) (string, error) {
	if s, ok := v.str(); ok {
		return s, nil
	}
	if v.kind == listNode {
		parts := make([]string, len(v.list))
		for i, it := range v.list {
			s, ok := it.str()
			if !ok {
				return "", fmt.Errorf("must be a string or a list of strings")
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	return "", fmt.Errorf("must be a string, not a %s", v.kindName())
}

// missingOption is the error for an option the plugin needs: it names the
// key in the cloud's file, or the variable for the environment's cloud.
func (c *Cloud) missingOption(option string) *Error {
	keys := optionKeys(option)
	file, shown := c.ConfigFile, make([]string, len(keys))
	for i, k := range keys {
		if c.FromEnv {
			shown[i] = "OS_" + strings.ToUpper(k)
		} else {
			shown[i] = "auth." + k
		}
	}
	if c.FromEnv || file == "" {
		file = Environment
	}
	e := &Error{File: file, Cloud: c.Name, Key: strings.Join(shown, " or "), Kind: apierror.ErrMissingAuthOption,
		Reason: fmt.Sprintf("not set, and auth type %q needs it", c.AuthType)}
	if !c.FromEnv {
		env := make([]string, len(keys))
		for i, k := range keys {
			env[i] = "OS_" + strings.ToUpper(k)
		}
		e.Reason += " (set it in the file, in secure.yaml, or as " + strings.Join(env, " or ") + ")"
	}
	if c.lost != "" {
		e.Reason += fmt.Sprintf("; the profile %q that may hold it was not found", c.lost)
	}
	if c.AuthType == "password" || c.AuthType == "v3password" {
		for _, k := range c.stray {
			if strings.HasPrefix(k, "application_credential") {
				via := "auth_type"
				if c.FromEnv {
					via = "OS_AUTH_TYPE"
				}
				e.Reason += fmt.Sprintf("; %s is set: for an application credential set %s to v3applicationcredential", k, via)
				break
			}
		}
	}
	return e
}

// optionKeys picks the option names out of a plugin's description of what
// is missing ("user_id or username", "user_domain_id or
// user_domain_name (a user named without its domain)").
func optionKeys(option string) []string {
	if i := strings.Index(option, " ("); i >= 0 {
		option = option[:i]
	}
	var keys []string
	for _, p := range strings.Split(option, " or ") {
		p = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(p), "auth."))
		if f := strings.Fields(p); len(f) > 0 {
			keys = append(keys, normalizeKey(f[0]))
		}
	}
	if len(keys) == 0 {
		keys = []string{option}
	}
	return keys
}
