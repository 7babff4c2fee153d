// Command runner is the process-level benchmark against a real Keystone:
// it seeds the projects, runs each client program (bench/cmd/sdkclient,
// gopherclient, rawclient and python/ksclient.py) as a child process in
// every mode, repeatedly and interleaved, reads each child's rusage (CPU
// time, peak RSS) when it exits, measures cold starts (in this process and
// as new processes), deletes what it created and writes every raw figure
// as JSON for cmd/report.
//
//	runner -bin DIR -out results/process.json     (OS_AUTH_URL etc. from the environment)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/keystone-go/keystone/bench/internal/proc"
	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/catalog"
	"github.com/keystone-go/keystone/pkg/identity"
)

// Run is one child process.
type Run struct {
	Client string `json:"client"`
	// Variant is "" for the comparison runs, else the cold-start variant.
	Variant string `json:"variant,omitempty"`
	Mode    string `json:"mode"`
	Repeat  int    `json:"repeat"`
	// SpawnToFirstCallNs is from just before the process was started to
	// the end of its first authenticated call.
	SpawnToFirstCallNs int64 `json:"spawn_to_first_call_ns"`
	WallNs             int64 `json:"wall_ns"` // start to exit
	UserNs             int64 `json:"user_ns"`
	SysNs              int64 `json:"sys_ns"`
	// RusageMaxRSSKiB is ru_maxrss from wait4: never below this runner's
	// own RSS (Go starts children with vfork); Child.PeakRSSKiB is the
	// child's real peak.
	RusageMaxRSSKiB int64       `json:"rusage_max_rss_kib"`
	Child           proc.Result `json:"child"`
}

// ColdStart is one in-process cold start: a new Session (and a new
// connection) up to the end of its first authenticated call.
type ColdStart struct {
	Variant    string `json:"variant"`
	Repeat     int    `json:"repeat"`
	RoundTrips int64  `json:"round_trips"`
	Ns         int64  `json:"ns"`
}

// Output is everything the runner measured.
type Output struct {
	Started         time.Time   `json:"started"`
	Finished        time.Time   `json:"finished"`
	AuthURL         string      `json:"auth_url"`
	KeystoneAPI     string      `json:"keystone_api"`
	ProjectsListed  int         `json:"projects_listed"`
	Calls           int         `json:"calls"`
	AuthCalls       int         `json:"auth_calls"`
	Repeats         int         `json:"repeats"`
	Commands        []string    `json:"commands"`
	Runs            []Run       `json:"runs"`
	ColdStartInProc []ColdStart `json:"cold_start_in_process"`
}

type config struct {
	authURL, user, password, project, domain string
	bin, python, pyscript, out, cacheDir     string
	repeats, calls, authCalls, projects      int
	coldRepeats                              int
	clients, modes                           []string
}

func main() {
	var c config
	var clients, modes string
	flag.StringVar(&c.authURL, "auth-url", os.Getenv("OS_AUTH_URL"), "Keystone v3 URL (loopback)")
	flag.StringVar(&c.user, "user", envOr("OS_USERNAME", "admin"), "")
	flag.StringVar(&c.password, "password", envOr("OS_PASSWORD", "secret"), "")
	flag.StringVar(&c.project, "project", envOr("OS_PROJECT_NAME", "admin"), "")
	flag.StringVar(&c.domain, "domain", envOr("OS_USER_DOMAIN_ID", "default"), "")
	flag.StringVar(&c.bin, "bin", "", "directory with sdkclient, gopherclient, rawclient")
	flag.StringVar(&c.python, "python", "/usr/bin/python3", "Debian's Python (with python3-keystoneclient)")
	flag.StringVar(&c.pyscript, "pyscript", "python/ksclient.py", "")
	flag.StringVar(&c.out, "out", "results/process.json", "")
	flag.StringVar(&c.cacheDir, "cache-dir", "", "token file cache directory for the cold-start runs (default: a temporary one)")
	flag.IntVar(&c.repeats, "repeats", 5, "runs of each client in each mode")
	flag.IntVar(&c.calls, "calls", 1000, "GETs per run after the first (list, validate)")
	flag.IntVar(&c.authCalls, "auth-calls", 200, "authentications per run after the first (auth)")
	flag.IntVar(&c.projects, "projects", 50, "projects the list returns (seeded up to this)")
	flag.IntVar(&c.coldRepeats, "cold-repeats", 7, "cold starts of each variant")
	flag.StringVar(&clients, "clients", "sdk,gophercloud,raw,python", "")
	flag.StringVar(&modes, "modes", "list,validate,auth", "")
	flag.Parse()
	c.clients, c.modes = strings.Split(clients, ","), strings.Split(modes, ",")
	if !strings.HasPrefix(c.authURL, "http://127.0.0.1:") && !strings.HasPrefix(c.authURL, "http://localhost:") {
		log.Fatalf("runner: loopback Keystone only, got %q", c.authURL)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c); err != nil {
		log.Fatalf("runner: %v", err)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, c config) (err error) {
	out := Output{Started: time.Now().UTC(), AuthURL: c.authURL, Calls: c.calls, AuthCalls: c.authCalls, Repeats: c.repeats}
	admin, err := adminClient(c)
	if err != nil {
		return err
	}
	if out.KeystoneAPI, err = apiVersion(ctx, c.authURL); err != nil {
		return err
	}
	created, listed, err := seed(ctx, admin, c.projects)
	defer func() {
		// The projects go even when the run fails or is interrupted.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		if cerr := cleanup(cctx, admin, created); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()
	if err != nil {
		return err
	}
	out.ProjectsListed = listed
	log.Printf("runner: %d projects listed (%d seeded); %d repeats × %v × %v", listed, len(created), c.repeats, c.modes, c.clients)

	for rep := range c.repeats {
		for _, mode := range c.modes {
			// A different client goes first in each repeat, so that a
			// drift in the machine's load does not favour one.
			for k := range c.clients {
				client := c.clients[(k+rep)%len(c.clients)]
				n := c.calls
				if mode == "auth" {
					n = c.authCalls
				}
				r, cmdline, err := spawn(ctx, c, client, mode, n, c.authURL, "")
				if err != nil {
					return err
				}
				if mode == "list" && r.Child.Items != listed {
					return fmt.Errorf("%s listed %d projects, want %d", client, r.Child.Items, listed)
				}
				r.Repeat = rep
				out.Runs = append(out.Runs, r)
				if rep == 0 {
					out.Commands = append(out.Commands, cmdline)
				}
				log.Printf("runner: %-11s %-8s #%d: %6.3f ms/call wall, %6.3f ms/call CPU, %5.1f MiB max RSS",
					client, mode, rep, float64(r.Child.LoopWallNs)/float64(max(n, 1))/1e6,
					float64(r.Child.LoopUserNs+r.Child.LoopSysNs)/float64(max(n, 1))/1e6, float64(r.Child.PeakRSSKiB)/1024)
			}
		}
	}

	// Cold starts of new processes: the SDK with and without its token file
	// cache, with a versioned and an unversioned auth URL (the latter needs
	// version discovery unless the token comes from the cache).
	cacheDir := c.cacheDir
	if cacheDir == "" {
		if cacheDir, err = os.MkdirTemp("", "keystone-go-bench-cache-"); err != nil {
			return err
		}
		defer os.RemoveAll(cacheDir)
	}
	unversioned := strings.TrimSuffix(strings.TrimSuffix(c.authURL, "/"), "/v3")
	variants := []struct{ name, url, cache string }{
		{"sdk, versioned auth URL, no cache", c.authURL, ""},
		{"sdk, unversioned auth URL, no cache", unversioned, ""},
		{"sdk, versioned auth URL, token file cache", c.authURL, filepath.Join(cacheDir, "v")},
		{"sdk, unversioned auth URL, token file cache", unversioned, filepath.Join(cacheDir, "u")},
	}
	for _, v := range variants {
		if v.cache != "" {
			// Fill the cache first.
			if _, _, err := spawn(ctx, c, "sdk", "list", 0, v.url, v.cache); err != nil {
				return err
			}
		}
	}
	for rep := range c.coldRepeats {
		for _, v := range variants {
			r, cmdline, err := spawn(ctx, c, "sdk", "list", 0, v.url, v.cache)
			if err != nil {
				return err
			}
			r.Variant, r.Repeat = v.name, rep
			out.Runs = append(out.Runs, r)
			if rep == 0 {
				out.Commands = append(out.Commands, cmdline)
			}
		}
	}

	// Cold starts inside one process.
	if out.ColdStartInProc, err = coldStarts(ctx, c, cacheDir); err != nil {
		return err
	}
	out.Finished = time.Now().UTC()
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(c.out, append(data, '\n'), 0o644)
}

// spawn runs one client program and reads its rusage.
func spawn(ctx context.Context, c config, client, mode string, n int, authURL, cache string) (Run, string, error) {
	args := []string{"-auth-url", authURL, "-mode", mode, "-n", fmt.Sprint(n)}
	var name string
	switch client {
	case "sdk":
		name = filepath.Join(c.bin, "sdkclient")
		if cache != "" {
			args = append(args, "-file-cache", cache)
		}
	case "sdk-fixed":
		// sdkclient built from a copy of the tree with bench/fixes/*.patch.
		name = filepath.Join(c.bin, "sdkclient-fixed")
	case "gophercloud":
		name = filepath.Join(c.bin, "gopherclient")
	case "raw":
		name = filepath.Join(c.bin, "rawclient")
	case "python":
		name, args = c.python, append([]string{c.pyscript}, args...)
	default:
		return Run{}, "", fmt.Errorf("unknown client %q", client)
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "OS_USERNAME="+c.user, "OS_PASSWORD="+c.password,
		"OS_PROJECT_NAME="+c.project, "OS_USER_DOMAIN_ID="+c.domain)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmdline := strings.Join(append([]string{name}, args...), " ")
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return Run{}, cmdline, fmt.Errorf("%s: %w: %s", cmdline, err, strings.TrimSpace(stderr.String()))
	}
	wall := time.Since(t0)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return Run{}, cmdline, fmt.Errorf("%s: no rusage", cmdline)
	}
	r := Run{Client: client, Mode: mode, WallNs: wall.Nanoseconds(), UserNs: ru.Utime.Nano(), SysNs: ru.Stime.Nano(),
		RusageMaxRSSKiB: ru.Maxrss}
	if err := json.Unmarshal(stdout.Bytes(), &r.Child); err != nil {
		return Run{}, cmdline, fmt.Errorf("%s: output %q: %w", cmdline, stdout.String(), err)
	}
	r.SpawnToFirstCallNs = r.Child.FirstCallUnixNs - t0.UnixNano()
	return r, cmdline, nil
}

func adminClient(c config) (*identity.Client, error) {
	return identity.NewV3(auth.New(&auth.Password{AuthURL: c.authURL, Username: c.user, UserDomainID: c.domain,
		Password: c.password, Scope: auth.Scope{ProjectName: c.project, ProjectDomainID: c.domain}}))
}

// apiVersion is the id of the version document at the v3 URL ("v3.14").
func apiVersion(ctx context.Context, authURL string) (string, error) {
	v, err := catalog.NewDiscovery(0).Versions(ctx, http.DefaultClient, authURL)
	if err != nil {
		return "", err
	}
	if len(v) == 0 {
		return "", errors.New("no version at the auth URL")
	}
	return v[0].ID, nil
}

// seedPrefix names the projects the runner creates (and finds again after
// a run that could not clean up).
const seedPrefix = "kgbench-"

// seed creates projects until the list holds want, after deleting what an
// earlier, interrupted run left. It returns the ids it created and the size
// of the list.
func seed(ctx context.Context, admin *identity.Client, want int) ([]string, int, error) {
	var created, stale []string
	listed := 0
	for p, err := range admin.Projects(ctx, nil) {
		if err != nil {
			return nil, 0, err
		}
		if strings.HasPrefix(p.Name, seedPrefix) {
			stale = append(stale, p.ID)
			continue
		}
		listed++
	}
	if err := cleanup(ctx, admin, stale); err != nil {
		return nil, 0, err
	}
	tag := fmt.Sprintf("%s%d-", seedPrefix, os.Getpid())
	for i := 0; listed < want; i++ {
		desc := fmt.Sprintf("keystone-go benchmark project %d", i)
		p, err := admin.CreateProject(ctx, identityv3.ProjectCreate{Name: fmt.Sprintf("%s%02d", tag, i),
			Description: nullable.NewNullableWithValue(desc), Tags: []string{"bench"}})
		if err != nil {
			return created, 0, fmt.Errorf("seeding: %w", err)
		}
		created = append(created, p.ID)
		listed++
	}
	return created, listed, nil
}

func cleanup(ctx context.Context, admin *identity.Client, ids []string) error {
	var errs []error
	for _, id := range ids {
		if err := admin.DeleteProject(ctx, id); err != nil && !errors.Is(err, identity.ErrNotFound) {
			errs = append(errs, fmt.Errorf("deleting project %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}
