package cloudconfig

import (
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/keystone-go/keystone/pkg/apierror"
)

var invalidConfig = apierror.ErrInvalidConfig

// The names openstacksdk looks for in each directory, in this order.
var (
	suffixes    = []string{".yaml", ".yml", ".json"}
	configBase  = "clouds"
	secureBase  = "secure"
	vendorBase  = "clouds-public"
	maxFileSize = int64(16 << 20)
)

// Option changes where Load looks and what it reads.
type Option func(*options)

type options struct {
	env         map[string]string // nil: the process environment
	workDir     string
	goos        string
	searchDirs  []string
	configFiles []string
	secureFiles []string
	vendorFiles []string
	region      string
	prompt      func(option, prompt string) (string, error)
	logger      *slog.Logger
	// envOverNamed lays the OS_* variables over a cloud named by the
	// caller, as the openstack CLI does with its argument defaults.
	envOverNamed bool
}

// WithEnvOverNamedCloud lays the OS_* variables over a cloud named by the
// name given to Load, as the openstack CLI does (its options default to
// the variables, whichever cloud --os-cloud names). Without it a named
// cloud is what the files say, as with openstacksdk's connect(cloud=...),
// so an openrc left in the shell does not change it; a cloud OS_CLOUD
// chooses always has the variables laid over it.
func WithEnvOverNamedCloud() Option { return func(o *options) { o.envOverNamed = true } }

// WithEnv reads the variables from env instead of the process environment:
// the OS_* variables and the HOME, XDG_CONFIG_HOME, XDG_CONFIG_DIRS and
// SNAP_REAL_HOME the search path is made of. An empty map means no
// variables at all.
func WithEnv(env map[string]string) Option {
	return func(o *options) {
		if env == nil {
			env = map[string]string{}
		}
		o.env = env
	}
}

// WithWorkDir is the "current directory" that is searched first (default:
// the process's).
func WithWorkDir(dir string) Option { return func(o *options) { o.workDir = dir } }

// WithSearchDirs replaces the directories searched for clouds.yaml,
// secure.yaml and clouds-public.yaml (see SearchDirs). With none, no file
// is searched for.
func WithSearchDirs(dirs ...string) Option {
	return func(o *options) { o.searchDirs = nonNil(dirs) }
}

// WithConfigFiles replaces the search for clouds.yaml: the first of paths
// that exists is read. OS_CLIENT_CONFIG_FILE still comes first, as it does
// for openstacksdk.
func WithConfigFiles(paths ...string) Option {
	return func(o *options) { o.configFiles = nonNil(paths) }
}

// WithSecureFiles replaces the search for secure.yaml (OS_CLIENT_SECURE_FILE
// still comes first).
func WithSecureFiles(paths ...string) Option {
	return func(o *options) { o.secureFiles = nonNil(paths) }
}

// WithVendorFiles replaces the search for clouds-public.yaml.
func WithVendorFiles(paths ...string) Option {
	return func(o *options) { o.vendorFiles = nonNil(paths) }
}

// WithRegion picks the region, as --os-region-name does: it must be one of
// the cloud's regions when the cloud lists any. It wins over OS_REGION_NAME.
func WithRegion(name string) Option { return func(o *options) { o.region = name } }

// WithPrompt asks fn for a password or TOTP passcode that the cloud's
// auth plugin takes and the configuration leaves out (openstacksdk's
// pw_func): fn gets the option's name ("password", "passcode") and a
// prompt to show ("Password: "). An empty answer leaves the option unset.
func WithPrompt(fn func(option, prompt string) (string, error)) Option {
	return func(o *options) { o.prompt = fn }
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

func newOptions(opts []Option) *options {
	o := &options{goos: runtime.GOOS}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// getenv reads a variable; an empty value counts as unset, as it does for
// the openstack CLI.
func (o *options) getenv(name string) string {
	if o.env != nil {
		return o.env[name]
	}
	return os.Getenv(name)
}

// environ lists the variables as a map.
func (o *options) environ() map[string]string {
	if o.env != nil {
		return o.env
	}
	m := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

func (o *options) home() string {
	if h := o.getenv("HOME"); h != "" {
		return h
	}
	if o.goos == "windows" {
		if h := o.getenv("USERPROFILE"); h != "" {
			return h
		}
	}
	if o.env == nil {
		h, _ := os.UserHomeDir()
		return h
	}
	return ""
}

// expandUser replaces a leading ~ with the home directory, as Python's
// os.path.expanduser does for cacert, cert and key.
func (o *options) expandUser(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") || (o.goos == "windows" && strings.HasPrefix(p, `~\`)) {
		if h := o.home(); h != "" {
			return h + p[1:]
		}
	}
	return p
}

// SearchDirs returns the directories searched for clouds.yaml, secure.yaml
// and clouds-public.yaml, in openstacksdk's order: the current directory,
// the user's configuration directory ($XDG_CONFIG_HOME/openstack, else
// ~/.config/openstack), ~/.config/openstack ($SNAP_REAL_HOME/.config/openstack
// in a snap), the site directories ($XDG_CONFIG_DIRS/openstack, else
// /etc/xdg/openstack) and /etc/openstack. (On macOS and Windows the user and
// site directories are the platform's application-support and
// program-data directories.)
//
// Within a directory clouds.yaml comes before clouds.yml and clouds.json;
// the first file found is the only one read.
func SearchDirs(opts ...Option) []string {
	return newOptions(opts).searchPath()
}

func (o *options) searchPath() []string {
	if o.searchDirs != nil {
		return slices.Clone(o.searchDirs)
	}
	wd := o.workDir
	if wd == "" {
		wd, _ = os.Getwd()
	}
	home := o.home()
	var dirs []string
	add := func(d string) {
		if d != "" && !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	add(wd)
	unixUser := ""
	if home != "" {
		unixUser = filepath.Join(home, ".config", "openstack")
	}
	if snap := o.getenv("SNAP_REAL_HOME"); snap != "" {
		unixUser = filepath.Join(snap, ".config", "openstack")
	}
	switch o.goos {
	case "darwin":
		if home != "" {
			add(filepath.Join(home, "Library", "Application Support", "openstack"))
		}
		add(unixUser)
		add("/Library/Application Support/openstack")
	case "windows":
		if d := o.getenv("LOCALAPPDATA"); d != "" {
			add(filepath.Join(d, "OpenStack", "openstack"))
		}
		add(unixUser)
		if d := o.getenv("ALLUSERSPROFILE"); d != "" {
			add(filepath.Join(d, "OpenStack", "openstack"))
		}
	default:
		if x := o.getenv("XDG_CONFIG_HOME"); x != "" {
			add(filepath.Join(x, "openstack"))
		} else if home != "" {
			add(filepath.Join(home, ".config", "openstack"))
		}
		add(unixUser)
		// openstacksdk asks for all of XDG_CONFIG_DIRS but then joins them
		// into one unusable path when there are several; each one is
		// searched here, in order.
		sys := o.getenv("XDG_CONFIG_DIRS")
		if sys == "" {
			sys = "/etc/xdg"
		}
		for _, d := range filepath.SplitList(sys) {
			add(filepath.Join(strings.TrimRight(d, "/"), "openstack"))
		}
	}
	add("/etc/openstack")
	return dirs
}

// candidates lists the files to try for one kind, in order.
func (o *options) candidates(base string, explicit []string, override string) []string {
	var list []string
	if override != "" {
		list = append(list, override)
	}
	if explicit != nil {
		return append(list, explicit...)
	}
	for _, d := range o.searchPath() {
		for _, s := range suffixes {
			list = append(list, filepath.Join(d, base+s))
		}
	}
	return list
}

// readFirst parses the first of paths that exists and can be read.
// A file that cannot be read for lack of permission is skipped, as
// openstacksdk skips it; any other failure is an error.
func readFirst(paths []string) (string, *node, error) {
	for _, p := range paths {
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if errors.Is(err, fs.ErrPermission) {
			continue
		}
		if err != nil {
			return "", nil, &Error{File: p, Reason: "cannot read", Err: err, Kind: invalidConfig}
		}
		st, err := f.Stat()
		if err == nil && st.IsDir() {
			f.Close()
			return "", nil, &Error{File: p, Reason: "is a directory", Kind: invalidConfig}
		}
		if err == nil && st.Size() > maxFileSize {
			f.Close()
			return "", nil, &Error{File: p, Reason: "larger than 16 MiB", Kind: invalidConfig}
		}
		data, err := readAll(f)
		f.Close()
		if err != nil {
			return "", nil, &Error{File: p, Reason: "cannot read", Err: err, Kind: invalidConfig}
		}
		n, err := parseFile(p, data)
		if err != nil {
			return "", nil, err
		}
		if n.kind == nullNode {
			n = newMap(p, "", "")
		}
		if n.kind != mapNode {
			return "", nil, &Error{File: p, Line: n.line, Reason: "the document must be a mapping (with a clouds: key)", Kind: invalidConfig}
		}
		return p, n, nil
	}
	return "", nil, nil
}

func readAll(f *os.File) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err == nil && int64(len(data)) > maxFileSize {
		return nil, errors.New("larger than 16 MiB")
	}
	return data, err
}
