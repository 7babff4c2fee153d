package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// Version is one API version a server offers.
type Version struct {
	ID         string // "v3.14", "v2.0"
	Status     string // stable, current, supported, experimental, deprecated
	Updated    string
	SelfURL    string // the version's root URL, from its "self" link
	MinVersion string // microversion range, where the service has one
	MaxVersion string
}

// Major and Minor are the version numbers of ID ("v3.14" → 3, 14).
func (v Version) Major() int { m, _ := parseVersionID(v.ID); return m }

// Minor is the minor number of ID.
func (v Version) Minor() int { _, n := parseVersionID(v.ID); return n }

var versionID = regexp.MustCompile(`^v?(\d+)(?:\.(\d+))?$`)

func parseVersionID(id string) (major, minor int) {
	m := versionID.FindStringSubmatch(id)
	if m == nil {
		return -1, -1
	}
	major, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		minor, _ = strconv.Atoi(m[2])
	}
	return major, minor
}

type rawVersion struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Updated string `json:"updated"`
	Links   []struct {
		Rel  string `json:"rel"`
		Href string `json:"href"`
	} `json:"links"`
	MinVersion string `json:"min_version"`
	Version    string `json:"version"`
}

func (r rawVersion) version() Version {
	v := Version{ID: r.ID, Status: strings.ToLower(r.Status), Updated: r.Updated, MinVersion: r.MinVersion, MaxVersion: r.Version}
	for _, l := range r.Links {
		if l.Rel == "self" {
			v.SelfURL = l.Href
		}
	}
	return v
}

// ParseVersions reads any version document OpenStack services publish: a
// list ({"versions": {"values": [...]}} as Keystone writes it, or
// {"versions": [...]}) or a single version ({"version": {...}}).
func ParseVersions(data []byte) ([]Version, error) {
	var doc struct {
		Versions json.RawMessage `json:"versions"`
		Version  *rawVersion     `json:"version"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: version document: %w", apierror.ErrDiscoveryFailure, err)
	}
	var raws []rawVersion
	switch {
	case len(doc.Versions) > 0 && doc.Versions[0] == '{':
		var wrapped struct {
			Values []rawVersion `json:"values"`
		}
		if err := json.Unmarshal(doc.Versions, &wrapped); err != nil {
			return nil, fmt.Errorf("%w: version list: %w", apierror.ErrDiscoveryFailure, err)
		}
		raws = wrapped.Values
	case len(doc.Versions) > 0 && doc.Versions[0] == '[':
		if err := json.Unmarshal(doc.Versions, &raws); err != nil {
			return nil, fmt.Errorf("%w: version list: %w", apierror.ErrDiscoveryFailure, err)
		}
	case doc.Version != nil:
		raws = []rawVersion{*doc.Version}
	default:
		return nil, fmt.Errorf("%w: the document lists no versions", apierror.ErrDiscoveryFailure)
	}
	out := make([]Version, 0, len(raws))
	for _, r := range raws {
		if r.ID != "" {
			out = append(out, r.version())
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: the document lists no versions", apierror.ErrDiscoveryFailure)
	}
	return out, nil
}

// Choose picks the newest usable version with the given major number
// (deprecated ones only when nothing else matches). A major of 0 means the
// newest major version on offer.
func Choose(versions []Version, major int) (Version, error) {
	best, found := Version{}, false
	better := func(v Version) bool {
		if !found {
			return true
		}
		if (best.Status == "deprecated") != (v.Status == "deprecated") {
			return best.Status == "deprecated"
		}
		if v.Major() != best.Major() {
			return v.Major() > best.Major()
		}
		return v.Minor() > best.Minor()
	}
	for _, v := range versions {
		if v.Major() < 0 || (major != 0 && v.Major() != major) {
			continue
		}
		if better(v) {
			best, found = v, true
		}
	}
	if !found {
		ids := make([]string, len(versions))
		for i, v := range versions {
			ids[i] = v.ID
		}
		return Version{}, fmt.Errorf("%w: v%d is not offered (the server offers %s)",
			apierror.ErrVersionNotAvailable, major, strings.Join(ids, ", "))
	}
	return best, nil
}

var versionSuffix = regexp.MustCompile(`/v(\d+)(?:\.\d+)?/?$`)

// VersionOfURL returns the major version a URL's path ends in ("/v3" → 3),
// or -1 when it names none.
func VersionOfURL(u string) int {
	parsed, err := url.Parse(u)
	if err != nil {
		return -1
	}
	m := versionSuffix.FindStringSubmatch(parsed.Path)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// Doer sends an HTTP request.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Discovery fetches version documents and remembers them for a while. One
// Discovery can serve many sessions and clients; it is safe for concurrent use.
type Discovery struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]discoveryEntry
}

type discoveryEntry struct {
	versions []Version
	expires  time.Time
}

// NewDiscovery returns a Discovery whose answers are reused for ttl.
func NewDiscovery(ttl time.Duration) *Discovery {
	return &Discovery{ttl: ttl, now: time.Now, entries: map[string]discoveryEntry{}}
}

// maxVersionDocument bounds what is read of a version document.
const maxVersionDocument = 1 << 20

// Versions returns the versions the document at u lists, from the cache when
// it has a fresh answer.
func (d *Discovery) Versions(ctx context.Context, client Doer, u string) ([]Version, error) {
	key := strings.TrimSuffix(u, "/")
	d.mu.Lock()
	e, ok := d.entries[key]
	d.mu.Unlock()
	if ok && d.now().Before(e.expires) {
		return e.versions, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", apierror.ErrDiscoveryFailure, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %w", apierror.ErrDiscoveryFailure, u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxVersionDocument))
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %w", apierror.ErrDiscoveryFailure, u, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusMultipleChoices {
		return nil, fmt.Errorf("%w: GET %s: %d", apierror.ErrDiscoveryFailure, u, resp.StatusCode)
	}
	versions, err := ParseVersions(body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	d.mu.Lock()
	d.entries[key] = discoveryEntry{versions: versions, expires: d.now().Add(d.ttl)}
	d.mu.Unlock()
	return versions, nil
}

// VersionedURL turns u (a catalog or auth URL, versioned or not) into the
// root URL of the given major version. A URL that already ends in that
// version is returned as it is, without a request.
func (d *Discovery) VersionedURL(ctx context.Context, client Doer, u string, major int) (string, error) {
	u = strings.TrimSuffix(u, "/")
	if VersionOfURL(u) == major {
		return u, nil
	}
	versions, err := d.Versions(ctx, client, u)
	if err != nil {
		// A versioned URL of another version: its parent may list them all.
		if VersionOfURL(u) >= 0 {
			root := versionSuffix.ReplaceAllString(u, "")
			if versions, err2 := d.Versions(ctx, client, root); err2 == nil {
				return pick(versions, major, root)
			}
		}
		return "", err
	}
	return pick(versions, major, u)
}

func pick(versions []Version, major int, base string) (string, error) {
	v, err := Choose(versions, major)
	if err != nil {
		return "", err
	}
	if v.SelfURL == "" {
		return base + "/v" + strconv.Itoa(v.Major()), nil
	}
	return strings.TrimSuffix(v.SelfURL, "/"), nil
}
