package auth

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// OptionSpec describes one option of a plugin, as keystoneauth declares it,
// so that clouds.yaml auth sections, OS_* variables and --os-* flags map
// onto plugins by the same names as in Python.
type OptionSpec struct {
	// Name is keystoneauth's option name ("user-domain-id"); the command
	// line flag is "--os-" + Name.
	Name string
	// Dest is the key in a clouds.yaml auth section and in NewPlugin's map
	// ("user_domain_id"); the environment variable is EnvVar().
	Dest string
	Help string
	// Required options must be given. Options needed only in some
	// combinations (user_id or username, ...) are not marked; NewPlugin
	// names them when they are missing.
	Required bool
	// Secret options hold passwords, tokens and keys: never log them.
	Secret bool
	// Deprecated are older names accepted for the option, spelled like
	// Dest ("user_name" for username).
	Deprecated []string
	// Default is the value used when the option is not given.
	Default string
}

// EnvVar is the environment variable of the option ("OS_USER_DOMAIN_ID").
func (o OptionSpec) EnvVar() string { return "OS_" + strings.ToUpper(o.Dest) }

// registration is one row of the plugin table: the name, its options and
// the function that builds the plugin from their values. A new plugin of
// this package is a file with its type and a build function, and one row in
// builtinPlugins; a plugin of another package calls Register.
type registration struct {
	name    string
	options []OptionSpec
	build   func(o *PluginOptions) (Plugin, error)
}

// builtinPlugins are the plugins of this package.
var builtinPlugins = []registration{
	{"password", genericPasswordOptions, buildGenericPassword},
	{"token", genericTokenOptions, buildGenericToken},
	{"v3password", v3PasswordOptions, buildV3Password},
	{"v3token", v3TokenOptions, buildV3Token},
	{"v3applicationcredential", v3AppCredOptions, buildV3AppCred},
	{"v3totp", v3TOTPOptions, buildV3TOTP},
	{"v3multifactor", v3MultiFactorOptions, buildV3MultiFactor},
	{"v3oauth1", v3OAuth1Options, buildV3OAuth1},
	{"v3oauth2clientcredential", v3OAuth2Options, buildV3OAuth2},
	{"v3oauth2mtlsclientcredential", v3OAuth2MTLSOptions, buildV3OAuth2MTLS},
	{"v3tokenlessauth", v3TokenlessOptions, buildV3Tokenless},
	{"admin_token", adminTokenOptions, buildAdminToken},
	{"http_basic", httpBasicOptions, buildHTTPBasic},
	{"none", noAuthOptions, buildNoAuth},
	{"v2password", v2PasswordOptions, buildV2Password},
	{"v2token", v2TokenOptions, buildV2Token},
}

var (
	registryMu sync.RWMutex
	// plugins are builtinPlugins and those registered since.
	plugins = slices.Clone(builtinPlugins)
)

// Register makes a plugin of another package known to NewPlugin, and so
// loadable by name from clouds.yaml (auth_type) and OS_AUTH_TYPE, as
// keystoneauth's plugin entry points do. The package calls it from an init
// function, so that a program links the plugin, and what the plugin
// imports, only when it imports that package: the federation plugins of
// package federation register themselves this way.
//
// options declare what the plugin takes (Dest fills itself from Name when
// empty); build turns their values into the plugin, and names what is
// missing or wrong with the PluginOptions methods. Register panics when name
// is empty or already taken, since two plugins under one name would make
// clouds.yaml mean one or the other depending on what is linked.
func Register(name string, options []OptionSpec, build func(o *PluginOptions) (Plugin, error)) {
	if name == "" || build == nil {
		panic("auth: Register needs a name and a build function")
	}
	options = slices.Clone(options)
	for i := range options {
		if options[i].Dest == "" {
			options[i].Dest = strings.ReplaceAll(options[i].Name, "-", "_")
		}
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if slices.ContainsFunc(plugins, func(r registration) bool { return r.name == name }) {
		panic("auth: Register called twice for plugin " + name)
	}
	plugins = append(plugins, registration{name: name, options: options, build: build})
}

func lookupPlugin(name string) (registration, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	i := slices.IndexFunc(plugins, func(r registration) bool { return r.name == name })
	if i < 0 {
		return registration{}, false
	}
	return plugins[i], true
}

// PluginNames lists the names NewPlugin knows, sorted: this package's
// plugins and those registered by the packages the program imports.
func PluginNames() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, len(plugins))
	for i, r := range plugins {
		names[i] = r.name
	}
	slices.Sort(names)
	return names
}

// federationPlugins are the names package federation registers: a program
// that does not import it gets an error saying so, not a bare "no plugin".
var federationPlugins = []string{"v3oidcpassword", "v3oidcclientcredentials", "v3oidcauthcode",
	"v3oidcaccesstoken", "v3oidcdeviceauthz", "v3samlpassword", "v3adfspassword", "v3k2k", "v3federatedheaders"}

// federationPackage is the import path of package federation.
const federationPackage = "github.com/keystone-go/keystone/pkg/auth/federation"

// Options lists the options of the plugin called name, in keystoneauth's
// order; nil for an unknown name. The slice is the caller's.
func Options(name string) []OptionSpec {
	r, ok := lookupPlugin(name)
	if !ok {
		return nil
	}
	out := make([]OptionSpec, len(r.options))
	for i, o := range r.options {
		o.Deprecated = slices.Clone(o.Deprecated)
		out[i] = o
	}
	return out
}

// NewPlugin builds the plugin called name (keystoneauth's auth_type:
// "password", "v3applicationcredential", ...) from options keyed as in a
// clouds.yaml auth section ("auth_url", "username", "project_domain_id",
// ...). Keys are matched without regard to case and with "-" taken as "_",
// and deprecated names are accepted. An empty value counts as not given.
//
// The errors name what is wrong: an unknown plugin (*UnknownPluginError,
// apierror.ErrNoMatchingPlugin), an option the plugin does not take
// (*UnknownOptionError, apierror.ErrInvalidConfig), a missing one
// (*MissingOptionError, apierror.ErrMissingAuthOption), or a bad value
// (*InvalidOptionError, apierror.ErrInvalidConfig).
func NewPlugin(name string, opts map[string]string) (Plugin, error) {
	r, ok := lookupPlugin(name)
	if !ok {
		return nil, &UnknownPluginError{Name: name}
	}
	o, err := parseOptions(r, opts)
	if err != nil {
		return nil, err
	}
	p, err := r.build(o)
	if err != nil {
		// Errors of the shared helpers do not know which plugin they are for.
		if me, ok := err.(*MissingOptionError); ok && me.Plugin == "" {
			me.Plugin = name
		}
		return nil, err
	}
	return p, nil
}

// PluginOptions are the options given to NewPlugin, by Dest, as a build
// function of Register gets them: every spelling and deprecated name is
// folded onto its Dest, empty values are left out, defaults are filled in
// and required options are present.
type PluginOptions struct {
	plugin string
	values map[string]string
}

// Plugin is the name of the plugin being built.
func (o *PluginOptions) Plugin() string { return o.plugin }

// Get is the value of the option dest ("" when not given).
func (o *PluginOptions) Get(dest string) string { return o.values[dest] }

// Has reports whether any of the options dest is given.
func (o *PluginOptions) Has(dest ...string) bool {
	return slices.ContainsFunc(dest, func(d string) bool { return o.values[d] != "" })
}

// Missing is the error of a missing option (or combination, "user_id or
// username"), naming the plugin: a *MissingOptionError.
func (o *PluginOptions) Missing(option string) error {
	return &MissingOptionError{Option: option, Plugin: o.plugin}
}

func normalizeKey(k string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "-", "_")
}

func parseOptions(r registration, opts map[string]string) (*PluginOptions, error) {
	dest := map[string]string{} // any accepted spelling → Dest
	for _, spec := range r.options {
		dest[normalizeKey(spec.Dest)] = spec.Dest
		dest[normalizeKey(spec.Name)] = spec.Dest
		for _, d := range spec.Deprecated {
			dest[normalizeKey(d)] = spec.Dest
		}
	}
	o := &PluginOptions{plugin: r.name, values: map[string]string{}}
	from := map[string]string{} // Dest → the key it was given as
	var unknown []string
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		v := opts[k]
		if v == "" {
			continue
		}
		d, ok := dest[normalizeKey(k)]
		if !ok {
			unknown = append(unknown, k)
			continue
		}
		if prev, dup := o.values[d]; dup && prev != v {
			return nil, &InvalidOptionError{Plugin: r.name, Option: k,
				Reason: fmt.Sprintf("conflicts with %s, another name of the same option", from[d])}
		}
		o.values[d], from[d] = v, k
	}
	if len(unknown) > 0 {
		return nil, &UnknownOptionError{Plugin: r.name, Options: unknown}
	}
	for _, spec := range r.options {
		if o.values[spec.Dest] == "" && spec.Default != "" {
			o.values[spec.Dest] = spec.Default
		}
		if spec.Required && o.values[spec.Dest] == "" {
			return nil, o.Missing(spec.Dest)
		}
	}
	return o, nil
}

// UnknownPluginError is a plugin name NewPlugin does not know. It matches
// apierror.ErrNoMatchingPlugin.
type UnknownPluginError struct {
	Name string
}

func (e *UnknownPluginError) Error() string {
	if slices.Contains(federationPlugins, e.Name) {
		return fmt.Sprintf("auth: plugin %q is in package %s, which registers it: import it (import _ %q)",
			e.Name, federationPackage, federationPackage)
	}
	return fmt.Sprintf("auth: no plugin named %q (known: %s)", e.Name, strings.Join(PluginNames(), ", "))
}

// Is matches apierror.ErrNoMatchingPlugin.
func (e *UnknownPluginError) Is(target error) bool { return apierror.ErrNoMatchingPlugin.Is(target) }

// UnknownOptionError lists options a plugin does not take. It matches
// apierror.ErrInvalidConfig and apierror.ErrUnsupportedParameters.
type UnknownOptionError struct {
	Plugin  string
	Options []string
}

func (e *UnknownOptionError) Error() string {
	return fmt.Sprintf("auth: plugin %s does not take the option(s) %s", e.Plugin, strings.Join(e.Options, ", "))
}

// Is matches apierror.ErrInvalidConfig and apierror.ErrUnsupportedParameters.
func (e *UnknownOptionError) Is(target error) bool {
	return apierror.ErrInvalidConfig.Is(target) || apierror.ErrUnsupportedParameters.Is(target)
}

// InvalidOptionError is an option whose value (or combination with
// another) a plugin cannot use. It matches apierror.ErrInvalidConfig and
// apierror.ErrOption.
type InvalidOptionError struct {
	Plugin string
	Option string
	Reason string
}

func (e *InvalidOptionError) Error() string {
	return fmt.Sprintf("auth: plugin %s: option %s: %s", e.Plugin, e.Option, e.Reason)
}

// Is matches apierror.ErrInvalidConfig and apierror.ErrOption.
func (e *InvalidOptionError) Is(target error) bool {
	return apierror.ErrInvalidConfig.Is(target) || apierror.ErrOption.Is(target)
}

// The option groups keystoneauth's loaders share.

func opt(name, help string) OptionSpec {
	return OptionSpec{Name: name, Dest: strings.ReplaceAll(name, "-", "_"), Help: help}
}

func required(o OptionSpec) OptionSpec { o.Required = true; return o }
func secret(o OptionSpec) OptionSpec   { o.Secret = true; return o }
func deprecated(o OptionSpec, names ...string) OptionSpec {
	o.Deprecated = names
	return o
}

// BaseV3Options are the options of keystoneauth's BaseV3Loader, which
// every v3 plugin takes: auth_url and the scope (read with
// PluginOptions.Scope). The slice is the caller's.
func BaseV3Options() []OptionSpec {
	return slices.Concat([]OptionSpec{authURLOption}, v3ScopeOptions)
}

var (
	authURLOption = required(opt("auth-url", "Authentication URL"))

	v3ScopeOptions = []OptionSpec{
		opt("system-scope", `Scope for system operations ("all")`),
		opt("domain-id", "Domain ID to scope to"),
		opt("domain-name", "Domain name to scope to"),
		opt("project-id", "Project ID to scope to"),
		opt("project-name", "Project name to scope to"),
		opt("project-domain-id", "Domain ID containing project"),
		opt("project-domain-name", "Domain name containing project"),
		opt("trust-id", "ID of the trust to use as a trustee use"),
	}

	genericScopeOptions = []OptionSpec{
		opt("system-scope", `Scope for system operations ("all")`),
		opt("domain-id", "Domain ID to scope to"),
		opt("domain-name", "Domain name to scope to"),
		deprecated(opt("project-id", "Project ID to scope to"), "tenant_id"),
		deprecated(opt("project-name", "Project name to scope to"), "tenant_name"),
		opt("project-domain-id", "Domain ID containing project"),
		opt("project-domain-name", "Domain name containing project"),
		opt("trust-id", "ID of the trust to use as a trustee use"),
		opt("default-domain-id", "Optional domain ID to use with v3 and v2 parameters. It will be used for both the user and project domain in v3 and ignored in v2 authentication."),
		opt("default-domain-name", "Optional domain name to use with v3 API and v2 parameters. It will be used for both the user and project domain in v3 and ignored in v2 authentication."),
	}

	userOptions = []OptionSpec{
		opt("user-id", "User ID"),
		deprecated(opt("username", "Username"), "user_name"),
		opt("user-domain-id", "User's domain id"),
		opt("user-domain-name", "User's domain name"),
	}

	passwordOption = secret(opt("password", "User's password"))
	tokenOption    = secret(opt("token", "Token to authenticate with"))
	passcodeOption = secret(opt("passcode", "User's TOTP passcode"))

	appCredOptions = []OptionSpec{
		secret(opt("application_credential_secret", "Application credential auth secret")),
		opt("application_credential_id", "Application credential ID"),
		opt("application_credential_name", "Application credential name"),
	}

	genericPasswordOptions = slices.Concat([]OptionSpec{authURLOption}, genericScopeOptions, userOptions, []OptionSpec{passwordOption})
	genericTokenOptions    = slices.Concat([]OptionSpec{authURLOption}, genericScopeOptions, []OptionSpec{tokenOption})
	v3PasswordOptions      = slices.Concat([]OptionSpec{authURLOption}, v3ScopeOptions, userOptions, []OptionSpec{passwordOption})
	v3TokenOptions         = slices.Concat([]OptionSpec{authURLOption}, v3ScopeOptions, []OptionSpec{tokenOption})
	v3TOTPOptions          = slices.Concat([]OptionSpec{authURLOption}, v3ScopeOptions, userOptions, []OptionSpec{passcodeOption})
	// keystoneauth marks the secret required; it is checked in the builder
	// instead so that the error can name the whole credential.
	v3AppCredOptions = slices.Concat([]OptionSpec{authURLOption}, v3ScopeOptions, userOptions, appCredOptions)
	// The union of the options of every method auth_methods may name.
	v3MultiFactorOptions = slices.Concat([]OptionSpec{authURLOption}, v3ScopeOptions,
		[]OptionSpec{required(opt("auth_methods", `Methods to authenticate with, comma-separated ("v3password,v3totp")`))},
		userOptions, []OptionSpec{passwordOption, passcodeOption, tokenOption}, appCredOptions)
	v3OAuth1Options = []OptionSpec{
		authURLOption,
		required(opt("consumer-key", "OAuth Consumer ID/Key")),
		secret(required(opt("consumer-secret", "OAuth Consumer Secret"))),
		required(opt("access-key", "OAuth Access Key")),
		secret(required(opt("access-secret", "OAuth Access Secret"))),
	}
	v3OAuth2Options = slices.Concat([]OptionSpec{authURLOption}, v3ScopeOptions, []OptionSpec{
		opt("oauth2_endpoint", "Endpoint for OAuth2.0 (default: the auth URL's /v3/OS-OAUTH2/token)"),
		required(opt("oauth2_client_id", "Client id for OAuth2.0")),
		secret(required(opt("oauth2_client_secret", "Client secret for OAuth2.0"))),
	})
	v3OAuth2MTLSOptions = slices.Concat([]OptionSpec{authURLOption}, v3ScopeOptions, []OptionSpec{
		opt("oauth2-endpoint", "Endpoint for OAuth2.0 Mutual-TLS Authorization (default: the auth URL's /v3/OS-OAUTH2/token)"),
		required(opt("oauth2-client-id", "Client credential ID for OAuth2.0 Mutual-TLS Authorization")),
	})
	v3TokenlessOptions = []OptionSpec{
		authURLOption,
		opt("domain-id", "Domain ID to scope to"),
		opt("domain-name", "Domain name to scope to"),
		opt("project-id", "Project ID to scope to"),
		opt("project-name", "Project name to scope to"),
		opt("project-domain-id", "Domain ID containing project"),
		opt("project-domain-name", "Domain name containing project"),
	}
	adminTokenOptions = []OptionSpec{
		deprecated(opt("endpoint", "The endpoint that will always be used"), "url"),
		secret(required(opt("token", "The token that will always be used"))),
	}
	httpBasicOptions = []OptionSpec{
		deprecated(required(opt("username", "Username")), "user_name"),
		passwordOption,
		opt("endpoint", "The endpoint that will always be used"),
	}
	noAuthOptions = []OptionSpec{opt("endpoint", "The endpoint that will always be used")}
)

// Scope reads the v3 scope options (those of BaseV3Options). Like
// keystoneauth it refuses a project named without its domain and more than
// one scope.
func (o *PluginOptions) Scope() (Scope, error) {
	s, err := o.anyScope()
	if err == nil && s.ProjectName != "" && s.ProjectID == "" && s.ProjectDomainID == "" && s.ProjectDomainName == "" {
		err = o.Missing("project_domain_id or project_domain_name (project_name is unique only within its domain)")
	}
	return s, err
}

// anyScope reads the scope options, leaving the project's domain to the
// caller (the generic plugins fill it from default_domain_*, or go to v2.0).
func (o *PluginOptions) anyScope() (Scope, error) {
	s := Scope{
		ProjectID: o.Get("project_id"), ProjectName: o.Get("project_name"),
		ProjectDomainID: o.Get("project_domain_id"), ProjectDomainName: o.Get("project_domain_name"),
		DomainID: o.Get("domain_id"), DomainName: o.Get("domain_name"), TrustID: o.Get("trust_id"),
	}
	switch v := o.Get("system_scope"); strings.ToLower(v) {
	case "":
	case "all":
		s.System = true
	default:
		return s, &InvalidOptionError{Plugin: o.plugin, Option: "system_scope", Reason: fmt.Sprintf(`%q: Keystone knows only "all"`, v)}
	}
	var targets, given []string
	for _, t := range []struct {
		target string
		dests  []string
	}{
		{"project", []string{"project_id", "project_name"}},
		{"domain", []string{"domain_id", "domain_name"}},
		{"system", []string{"system_scope"}},
		{"trust", []string{"trust_id"}},
	} {
		if o.Has(t.dests...) {
			targets = append(targets, t.target)
			for _, d := range t.dests {
				if o.Has(d) {
					given = append(given, d)
				}
			}
		}
	}
	if len(targets) > 1 {
		return s, &InvalidOptionError{Plugin: o.plugin, Option: strings.Join(given, ", "),
			Reason: "a token is scoped to one target only, not " + strings.Join(targets, " and ")}
	}
	return s, nil
}

// NoScope refuses scope options, for plugins whose tokens are scoped by
// their credential (Keystone would refuse the request); why says so.
func (o *PluginOptions) NoScope(why string) error {
	for _, d := range []string{"system_scope", "domain_id", "domain_name", "project_id", "project_name", "project_domain_id", "project_domain_name", "trust_id"} {
		if o.Has(d) {
			return &InvalidOptionError{Plugin: o.plugin, Option: d, Reason: why}
		}
	}
	return nil
}

// user reads the user options; a username needs its domain (v3).
func (o *PluginOptions) user() (id, name, domainID, domainName string, err error) {
	id, name = o.Get("user_id"), o.Get("username")
	domainID, domainName = o.Get("user_domain_id"), o.Get("user_domain_name")
	if id == "" && name != "" && domainID == "" && domainName == "" {
		err = o.Missing("user_domain_id or user_domain_name (username is unique only within its domain)")
	}
	return
}

func (o *PluginOptions) needUser() (id, name, domainID, domainName string, err error) {
	id, name, domainID, domainName, err = o.user()
	if err == nil && id == "" && name == "" {
		err = o.Missing("user_id or username")
	}
	return
}

func buildGenericPassword(o *PluginOptions) (Plugin, error) {
	p := &GenericPassword{AuthURL: o.Get("auth_url"), UserID: o.Get("user_id"), Username: o.Get("username"),
		UserDomainID: o.Get("user_domain_id"), UserDomainName: o.Get("user_domain_name"), Password: o.Get("password"),
		DefaultDomainID: o.Get("default_domain_id"), DefaultDomainName: o.Get("default_domain_name")}
	if p.UserID == "" && p.Username == "" {
		return nil, o.Missing("user_id or username")
	}
	if p.Password == "" {
		return nil, o.Missing("password")
	}
	var err error
	if p.Scope, err = o.anyScope(); err != nil {
		return nil, err
	}
	return p, nil
}

func buildGenericToken(o *PluginOptions) (Plugin, error) {
	p := &GenericToken{AuthURL: o.Get("auth_url"), Token: o.Get("token"),
		DefaultDomainID: o.Get("default_domain_id"), DefaultDomainName: o.Get("default_domain_name")}
	if p.Token == "" {
		return nil, o.Missing("token")
	}
	var err error
	if p.Scope, err = o.anyScope(); err != nil {
		return nil, err
	}
	return p, nil
}

func buildV3Password(o *PluginOptions) (Plugin, error) {
	id, name, did, dname, err := o.needUser()
	if err != nil {
		return nil, err
	}
	if !o.Has("password") {
		return nil, o.Missing("password")
	}
	s, err := o.Scope()
	if err != nil {
		return nil, err
	}
	return &Password{AuthURL: o.Get("auth_url"), UserID: id, Username: name, UserDomainID: did,
		UserDomainName: dname, Password: o.Get("password"), Scope: s}, nil
}

func buildV3Token(o *PluginOptions) (Plugin, error) {
	if !o.Has("token") {
		return nil, o.Missing("token")
	}
	s, err := o.Scope()
	if err != nil {
		return nil, err
	}
	return &Token{AuthURL: o.Get("auth_url"), Token: o.Get("token"), Scope: s}, nil
}

func buildV3AppCred(o *PluginOptions) (Plugin, error) {
	if err := o.NoScope("an application credential's token is scoped to the credential's project"); err != nil {
		return nil, err
	}
	p, err := o.appCredMethod()
	if err != nil {
		return nil, err
	}
	return &ApplicationCredential{AuthURL: o.Get("auth_url"), ID: p.ID, Name: p.Name, Secret: p.Secret,
		UserID: p.UserID, Username: p.Username, UserDomainID: p.UserDomainID, UserDomainName: p.UserDomainName}, nil
}

func (o *PluginOptions) appCredMethod() (*ApplicationCredentialMethod, error) {
	id, name, did, dname, err := o.user()
	if err != nil {
		return nil, err
	}
	m := &ApplicationCredentialMethod{ID: o.Get("application_credential_id"), Name: o.Get("application_credential_name"),
		Secret: o.Get("application_credential_secret"), UserID: id, Username: name, UserDomainID: did, UserDomainName: dname}
	switch {
	case m.ID == "" && m.Name == "":
		return nil, o.Missing("application_credential_id or application_credential_name")
	case m.ID == "" && id == "" && name == "":
		return nil, o.Missing("user_id or username (an application credential named without its user)")
	case m.Secret == "":
		return nil, o.Missing("application_credential_secret")
	}
	return m, nil
}

func buildV3TOTP(o *PluginOptions) (Plugin, error) {
	id, name, did, dname, err := o.needUser()
	if err != nil {
		return nil, err
	}
	if !o.Has("passcode") {
		return nil, o.Missing("passcode")
	}
	s, err := o.Scope()
	if err != nil {
		return nil, err
	}
	return &TOTP{AuthURL: o.Get("auth_url"), UserID: id, Username: name, UserDomainID: did,
		UserDomainName: dname, Passcode: o.Get("passcode"), Scope: s}, nil
}

// multiFactorMethods are the methods auth_methods may name (as keystoneauth
// plugin names or as Keystone method names) and the options each uses.
type multiFactorMethod struct {
	names   []string
	options []string
	build   func(o *PluginOptions) (Method, error)
}

var multiFactorMethods = []multiFactorMethod{
	{[]string{"v3password", "password"}, []string{"user_id", "username", "user_domain_id", "user_domain_name", "password"},
		func(o *PluginOptions) (Method, error) {
			id, name, did, dname, err := o.needUser()
			if err == nil && !o.Has("password") {
				err = o.Missing("password")
			}
			return &PasswordMethod{UserID: id, Username: name, UserDomainID: did, UserDomainName: dname, Password: o.Get("password")}, err
		}},
	{[]string{"v3totp", "totp"}, []string{"user_id", "username", "user_domain_id", "user_domain_name", "passcode"},
		func(o *PluginOptions) (Method, error) {
			id, name, did, dname, err := o.needUser()
			if err == nil && !o.Has("passcode") {
				err = o.Missing("passcode")
			}
			return &TOTPMethod{UserID: id, Username: name, UserDomainID: did, UserDomainName: dname, Passcode: o.Get("passcode")}, err
		}},
	{[]string{"v3token", "token"}, []string{"token"},
		func(o *PluginOptions) (Method, error) {
			if !o.Has("token") {
				return nil, o.Missing("token")
			}
			return &TokenMethod{Token: o.Get("token")}, nil
		}},
	{[]string{"v3applicationcredential", "application_credential"},
		[]string{"user_id", "username", "user_domain_id", "user_domain_name", "application_credential_id", "application_credential_name", "application_credential_secret"},
		func(o *PluginOptions) (Method, error) { return o.appCredMethod() }},
}

func buildV3MultiFactor(o *PluginOptions) (Plugin, error) {
	s, err := o.Scope()
	if err != nil {
		return nil, err
	}
	p := &MultiFactor{AuthURL: o.Get("auth_url"), Scope: s}
	used := map[string]bool{}
	for _, raw := range strings.Split(o.Get("auth_methods"), ",") {
		name := strings.TrimSpace(raw)
		if name == "" {
			continue
		}
		i := slices.IndexFunc(multiFactorMethods, func(m multiFactorMethod) bool { return slices.Contains(m.names, name) })
		if i < 0 {
			return nil, &InvalidOptionError{Plugin: o.plugin, Option: "auth_methods",
				Reason: fmt.Sprintf("unknown method %q (v3password, v3totp, v3token or v3applicationcredential)", name)}
		}
		m, err := multiFactorMethods[i].build(o)
		if err != nil {
			return nil, err
		}
		p.Methods = append(p.Methods, m)
		for _, d := range multiFactorMethods[i].options {
			used[d] = true
		}
	}
	if len(p.Methods) == 0 {
		return nil, o.Missing("auth_methods")
	}
	used["auth_url"], used["auth_methods"] = true, true
	for _, spec := range v3ScopeOptions {
		used[spec.Dest] = true
	}
	var unused []string
	for _, d := range slices.Sorted(maps.Keys(o.values)) {
		if !used[d] {
			unused = append(unused, d)
		}
	}
	if len(unused) > 0 {
		return nil, &UnknownOptionError{Plugin: o.plugin + " with auth_methods " + o.Get("auth_methods"), Options: unused}
	}
	return p, nil
}

func buildV3OAuth1(o *PluginOptions) (Plugin, error) {
	return &OAuth1{AuthURL: o.Get("auth_url"), ConsumerKey: o.Get("consumer_key"), ConsumerSecret: o.Get("consumer_secret"),
		AccessKey: o.Get("access_key"), AccessSecret: o.Get("access_secret")}, nil
}

const oauth2NoScope = "an OAuth 2.0 token is scoped like its application credential"

func buildV3OAuth2(o *PluginOptions) (Plugin, error) {
	if err := o.NoScope(oauth2NoScope); err != nil {
		return nil, err
	}
	return &OAuth2ClientCredential{AuthURL: o.Get("auth_url"), Endpoint: o.Get("oauth2_endpoint"),
		ClientID: o.Get("oauth2_client_id"), ClientSecret: o.Get("oauth2_client_secret")}, nil
}

func buildV3OAuth2MTLS(o *PluginOptions) (Plugin, error) {
	if err := o.NoScope(oauth2NoScope); err != nil {
		return nil, err
	}
	return &OAuth2MTLSClientCredential{AuthURL: o.Get("auth_url"), Endpoint: o.Get("oauth2_endpoint"),
		ClientID: o.Get("oauth2_client_id")}, nil
}

func buildV3Tokenless(o *PluginOptions) (Plugin, error) {
	p := &TokenlessAuth{AuthURL: o.Get("auth_url"), Scope: Scope{
		ProjectID: o.Get("project_id"), ProjectName: o.Get("project_name"),
		ProjectDomainID: o.Get("project_domain_id"), ProjectDomainName: o.Get("project_domain_name"),
		DomainID: o.Get("domain_id"), DomainName: o.Get("domain_name"),
	}}
	if _, err := p.headers(); err != nil {
		if !o.Has("project_id", "project_name", "domain_id", "domain_name") {
			return nil, o.Missing("project_id, project_name, domain_id or domain_name")
		}
		return nil, o.Missing("project_domain_id or project_domain_name (project_name is unique only within its domain)")
	}
	return p, nil
}

func buildAdminToken(o *PluginOptions) (Plugin, error) {
	return &TokenEndpoint{Endpoint: o.Get("endpoint"), Token: o.Get("token")}, nil
}

func buildHTTPBasic(o *PluginOptions) (Plugin, error) {
	return &HTTPBasic{Username: o.Get("username"), Password: o.Get("password"), Endpoint: o.Get("endpoint")}, nil
}

func buildNoAuth(o *PluginOptions) (Plugin, error) {
	return &NoAuth{Endpoint: o.Get("endpoint")}, nil
}
