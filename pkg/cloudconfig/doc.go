// Package cloudconfig reads OpenStack client configuration the way
// openstacksdk and the openstack command-line client do: clouds.yaml,
// secure.yaml, clouds-public.yaml and the OS_* environment variables. A
// program built on keystone-go finds its cloud where its users already
// keep it.
//
//	cloud, err := cloudconfig.Load("")      // OS_CLOUD, else the OS_* variables
//	cloud, err := cloudconfig.Load("prod")  // the cloud "prod" of clouds.yaml
//	sess, err := cloud.NewSession()         // its auth plugin, TLS, timeout, region
//
// identity.FromCloud does both steps and returns an Identity client too.
//
// The rules below were checked against openstacksdk 0.101 and
// python-openstackclient 6.0 (openstack/config/loader.py and
// osc_lib/cli/client_config.py); the tests hold the cases.
//
// # Files
//
// Three files are looked for, each in the same directories, in this order
// (SearchDirs):
//
//  1. the current directory;
//  2. the user's configuration directory: $XDG_CONFIG_HOME/openstack, or
//     ~/.config/openstack;
//  3. ~/.config/openstack (in a snap, $SNAP_REAL_HOME/.config/openstack);
//  4. the site directories: $XDG_CONFIG_DIRS/openstack, or /etc/xdg/openstack;
//  5. /etc/openstack.
//
// In each directory NAME.yaml comes before NAME.yml and NAME.json. The
// first file found is the only one read: files in later directories are not
// merged in. OS_CLIENT_CONFIG_FILE and OS_CLIENT_SECURE_FILE name a file to
// try before all others. A file that cannot be read for lack of
// permission is skipped; one that cannot be parsed is an error.
//
//   - clouds.yaml holds the clouds: "clouds: {NAME: {auth: {...}, ...}}".
//   - secure.yaml has the same shape and is merged over clouds.yaml, deeply
//     (a cloud's auth.password from secure.yaml joins the rest of its auth
//     section), so that secrets can live in a file of their own. As for
//     openstacksdk, the two are found independently; when they come from
//     different directories of the search path (a clouds.yaml left in a
//     checked-out repository, the working directory, and the user's own
//     ~/.config/openstack/secure.yaml) the secrets still go to that
//     clouds.yaml's auth_url, so Load warns (Cloud.Warnings, and slog at
//     warn level, see WithLogger) naming both files. Files named with
//     OS_CLIENT_CONFIG_FILE, OS_CLIENT_SECURE_FILE or the options are the
//     user's choice and give no warning. An auth_url of plain http to
//     another host than this one, with a password or secret among the auth
//     options, is warned about the same way.
//   - A secret setting (a password, secret, token or passcode, under any
//     key) is never read for {key} references nor referred to by one, and
//     never shown in an error.
//   - clouds-public.yaml holds vendor profiles, "public-clouds: {NAME: {...}}".
//     A cloud that says "profile: NAME" (or, deprecated, "cloud: NAME")
//     starts from that profile: the cloud's settings replace the profile's,
//     except the auth section, whose keys are merged one by one. keystone-go
//     does not carry openstacksdk's built-in vendor profiles; a profile not
//     found in clouds-public.yaml gives a warning (Cloud.Warnings), and an
//     error about a missing option mentions it.
//
// Files are YAML (anchors and "<<" merge keys included) or, by the .json
// suffix, JSON. Keys may be spelled with "-" or "_" ("project-name" is
// project_name). Values keep the text they were written with: a project ID
// of digits is not turned into a number.
//
// # Which cloud
//
// Load(name) resolves the cloud called name. With name "", it is the cloud
// OS_CLOUD names; else, when OS_* variables are set, the cloud they make;
// else the only cloud of clouds.yaml. Several clouds and no choice is an
// error, as is a name that is not there.
//
// # The environment
//
// The OS_* variables make a cloud of their own, called "envvars" (or what
// OS_CLOUD_NAME says; a cloud of that name in clouds.yaml is an error). As
// openstacksdk does, every OS_* variable becomes the key of its name in
// lower case without OS_: OS_AUTH_URL is auth_url, OS_INSECURE is insecure,
// OS_API_TIMEOUT is api_timeout, OS_ENDPOINT_TYPE is endpoint_type (an older
// name of interface). OS_CLOUD, OS_REGION_NAME, OS_CLIENT_CONFIG_FILE,
// OS_CLIENT_SECURE_FILE and OS_CLOUD_NAME only choose: set alone, they make
// no cloud. Variables whose value is empty count as unset.
//
// A cloud the program names (Load's name) is what the files say, as
// openstacksdk's connect(cloud=...) resolves it: an openrc left in the
// shell does not turn an application-credential cloud into a password
// login to another project. When OS_CLOUD picks a cloud of clouds.yaml (or
// the program asks for the CLI's behaviour with WithEnvOverNamedCloud),
// the variables the openstack CLI reads are laid over it, because the CLI
// takes them as the
// defaults of its command-line options and the command line beats the
// file: OS_AUTH_TYPE, the options of every auth plugin (OS_AUTH_URL,
// OS_USERNAME, OS_USER_ID, OS_PASSWORD, OS_TOKEN, OS_SYSTEM_SCOPE,
// OS_TRUST_ID, OS_APPLICATION_CREDENTIAL_ID, OS_PASSCODE, ...),
// OS_PROJECT_ID/NAME (or the v2 OS_TENANT_ID/NAME), OS_REGION_NAME,
// OS_INTERFACE, OS_CACERT, OS_CERT, OS_KEY, OS_IDENTITY_API_VERSION and
// OS_DEFAULT_DOMAIN. So OS_CLOUD=prod OS_PASSWORD=... works with a
// clouds.yaml that keeps no password. Where the file and a variable both set
// an option, the variable wins, except for the project, domain and token
// keys (project_id, project_name, domain_id, domain_name, user_domain_*,
// project_domain_*, token), where what the cloud's auth section says wins
// (an artefact of openstacksdk's renaming of older keys that the CLI shows
// too). The variables the CLI does not read (OS_INSECURE, OS_API_TIMEOUT,
// OS_ENDPOINT_TYPE, ...) count only for the environment's own cloud.
//
// # Domains
//
// The user's domain (user_domain_id/name, OS_USER_DOMAIN_ID/NAME), the
// project's domain (project_domain_id/name) and the domain to scope to
// (domain_id/name, OS_DOMAIN_ID/NAME) are separate settings. Only when a
// project is given do domain_id and domain_name stand in for the user's and
// the project's domain, where those are not set, and then they are no
// scope of their own: this is openstacksdk's rule. Without a project,
// domain_id/name is the domain scope and says nothing about the user's
// domain.
//
// OS_DEFAULT_DOMAIN (default "default") fills in the user's and the
// project's domain ID of a password or TOTP login when identity_api_version
// is 3 and neither is given, as the CLI does. The keystoneauth options
// default_domain_id and default_domain_name (OS_DEFAULT_DOMAIN_ID/NAME) go
// to the generic password and token plugins, which use them the same way.
//
// # Auth type
//
// auth_type (or the older auth_plugin; OS_AUTH_TYPE) names the plugin by
// keystoneauth's name: password, v3password, token, v3token,
// v3applicationcredential, v3totp, v3multifactor, admin_token (also
// "token_endpoint"), none, ... (auth.PluginNames; the federated types,
// v3oidcpassword and the others, once the program imports package
// github.com/keystone-go/keystone/pkg/auth/federation). Without one it is
// password, or v3password (v2password) when a user name is given outside
// the auth section and identity_api_version is 3 (2.x), as the CLI chooses.
// With identity_api_version 2.x a password login drops the domains, and
// v2 plugins get the project as the tenant. Neither
// openstacksdk nor the CLI infers v3applicationcredential from
// application_credential_* keys, and neither does this package: the error
// about the missing user name says to set the auth type.
//
// The auth options are then sorted out for the plugin (auth.Options): an
// option given outside the auth section (password: at the top of a cloud,
// or OS_PASSWORD) joins it; a deprecated name (tenant_name, user_name) is
// renamed; and an option the plugin does not take is an error, as it is for
// keystoneauth. Cloud.Auth holds exactly the plugin's options that are set,
// and Load builds the plugin to check them (Cloud.Plugin).
//
// A string at the top of a cloud, and auth_url, may refer to other
// settings: auth_url "https://identity.{region_name}.example/v3" is filled
// in with the region chosen.
//
// # Regions
//
// "regions" lists a cloud's regions, as names or as {name, values}, where
// values are settings for that region only; "region_name" names one (or,
// deprecated, several separated by commas). WithRegion or OS_REGION_NAME
// picks one, which must be listed when the cloud lists any; otherwise the
// first is used.
//
// # Transport
//
// verify: false or insecure: true turns off certificate verification;
// cacert (OS_CACERT, or a path given as verify) is the CA bundle to trust;
// cert and key (OS_CERT, OS_KEY) the client certificate. A leading ~ is
// the home directory. api_timeout (OS_API_TIMEOUT; an older *_timeout key
// too) bounds each request, in seconds. interface (OS_INTERFACE, or the
// older endpoint_type; publicURL and the like are understood) and
// region_name choose catalog endpoints. Cloud.SessionOptions turns these
// into auth.Session options, Cloud.Service gives the per-service keys
// (identity_interface, identity_endpoint_override, ...).
//
// # Errors
//
// Every error is an *Error that names the file (or Environment), the cloud
// and the key (auth.password in a file, OS_PASSWORD for the environment),
// with the line when the file is YAML. errors.Is(err,
// apierror.ErrInvalidConfig) holds for all of them, and
// errors.Is(err, apierror.ErrMissingAuthOption) when an option the auth
// plugin needs is missing. A YAML syntax error names the file and the line
// only: the document could not be read far enough to know more.
//
// # Where keystone-go differs
//
// insecure (OS_INSECURE) must be true or false (or YAML's yes, no, on,
// off); openstacksdk takes anything but "true" as false, so that
// OS_INSECURE=1 would silently verify. Several XDG_CONFIG_DIRS are each searched
// (openstacksdk joins them into one path that matches nothing). Missing
// options are found by Load, not at the first request. Built-in vendor
// profiles are not carried. Nothing is cached: Load reads the files each
// time.
package cloudconfig
