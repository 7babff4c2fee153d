package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// Version is one API version a server offers.
type Version struct {
	ID      string // "v3.14", "v2.0"
	Status  string // lower case: stable, current, supported, experimental, deprecated
	Updated string
	// SelfURL is the version's root URL, from its "self" link. Versions
	// returned by Discovery.Resolve have it absolute, on the host and under
	// the path prefix the document was fetched from.
	SelfURL string
	// CollectionURL is the "collection" link (the unversioned root), if any.
	CollectionURL string
	// MinVersion and MaxVersion are the microversion range, where the
	// service has one (max_version, or version in older documents).
	MinVersion string
	MaxVersion string
}

// Major is the major number of ID ("v3.14" → 3), or -1 if ID is not a
// version number.
func (v Version) Major() int { return v.Number().Major }

// Minor is the minor number of ID ("v3.14" → 14).
func (v Version) Minor() int { return v.Number().Minor }

// Number is ID as a VersionNumber ({-1, -1} if ID is not one).
func (v Version) Number() VersionNumber {
	n, err := ParseVersionNumber(v.ID)
	if err != nil || n.Major == Latest || n.Minor == Latest {
		return VersionNumber{-1, -1}
	}
	return n
}

// Latest stands for "the newest" in a VersionNumber.
const Latest = math.MaxInt32

// VersionNumber is a major.minor API version. Either part may be Latest.
type VersionNumber struct {
	Major, Minor int
}

// ParseVersionNumber reads "3", "v3", "3.14", "v2.0", "latest" or
// "3.latest" (the forms keystoneauth accepts; a third part is ignored).
func ParseVersionNumber(s string) (VersionNumber, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "v")
	if t == "latest" {
		return VersionNumber{Latest, Latest}, nil
	}
	parts := strings.SplitN(t, ".", 3)
	var n [2]int
	for i := range min(len(parts), 2) {
		p := parts[i]
		if p == "latest" {
			n[i] = Latest
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v >= Latest || p == "" || p[0] == '+' {
			return VersionNumber{}, fmt.Errorf("%w: %q is not a version number", apierror.ErrInvalidConfig, s)
		}
		n[i] = v
	}
	if n[0] == Latest && n[1] != Latest && len(parts) > 1 {
		return VersionNumber{}, fmt.Errorf("%w: %q: latest.N is not a version", apierror.ErrInvalidConfig, s)
	}
	return VersionNumber{n[0], n[1]}, nil
}

// Compare orders version numbers (Latest above every number).
func (v VersionNumber) Compare(o VersionNumber) int {
	if v.Major != o.Major {
		return cmpInt(v.Major, o.Major)
	}
	return cmpInt(v.Minor, o.Minor)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (v VersionNumber) String() string {
	part := func(n int) string {
		if n == Latest {
			return "latest"
		}
		return strconv.Itoa(n)
	}
	if v.Major == Latest && v.Minor == Latest {
		return "latest"
	}
	return part(v.Major) + "." + part(v.Minor)
}

// VersionRange says which API versions a caller can use, as keystoneauth's
// min_version and max_version do: Min and Max are version numbers ("3",
// "3.10", "3.latest", "latest") or empty. Only Min means "Min or newer";
// only Max, "up to Max"; neither, the newest on offer. A Min of "3.latest"
// (or "latest") asks for the newest 3.x (or the newest of all).
type VersionRange struct {
	Min, Max string
}

// MajorVersion is the range of every minor version of one major version:
// {Min: "3", Max: "3.latest"}.
func MajorVersion(major int) VersionRange {
	return VersionRange{Min: strconv.Itoa(major), Max: strconv.Itoa(major) + ".latest"}
}

type bounds struct {
	lo, hi       VersionNumber
	hasLo, hasHi bool
	soft         bool // lo has Latest in it: take the newest that fits its major
}

func (r VersionRange) bounds() (bounds, error) {
	var b bounds
	var err error
	if r.Min != "" {
		if b.lo, err = ParseVersionNumber(r.Min); err != nil {
			return b, err
		}
		b.hasLo = true
		b.soft = b.lo.Minor == Latest
		if b.soft && r.Max != "" && r.Max != "latest" && r.Max != r.Min {
			return b, fmt.Errorf("%w: min_version %q allows max_version to be only latest", apierror.ErrInvalidConfig, r.Min)
		}
	}
	if r.Max != "" {
		if b.hi, err = ParseVersionNumber(r.Max); err != nil {
			return b, err
		}
		b.hasHi = true
	} else if b.hasLo {
		b.hi, b.hasHi = VersionNumber{Latest, Latest}, true
	}
	if b.hasLo && b.hasHi && !b.soft && b.hi.Compare(b.lo) < 0 {
		return b, fmt.Errorf("%w: min_version %s is above max_version %s", apierror.ErrInvalidConfig, r.Min, r.Max)
	}
	return b, nil
}

func (b bounds) contains(v VersionNumber) bool {
	if b.soft {
		return b.lo.Major == Latest || v.Major == b.lo.Major
	}
	if b.hasLo && v.Compare(b.lo) < 0 {
		return false
	}
	return !b.hasHi || v.Compare(b.hi) <= 0
}

func (r VersionRange) String() string {
	switch {
	case r.Min == "" && r.Max == "":
		return "any version"
	case r.Max == "":
		return r.Min + " or newer"
	case r.Min == "":
		return "up to " + r.Max
	}
	return r.Min + " to " + r.Max
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
	MaxVersion string `json:"max_version"`
	Version    string `json:"version"`
}

func (r rawVersion) version() Version {
	v := Version{ID: r.ID, Status: strings.ToLower(r.Status), Updated: r.Updated,
		MinVersion: r.MinVersion, MaxVersion: r.MaxVersion}
	if v.MaxVersion == "" {
		v.MaxVersion = r.Version
	}
	for _, l := range r.Links {
		switch strings.ToLower(l.Rel) {
		case "self":
			v.SelfURL = l.Href
		case "collection":
			v.CollectionURL = l.Href
		}
	}
	return v
}

// ParseVersions reads any version document OpenStack services publish: a
// list ({"versions": {"values": [...]}} as Keystone writes it, or
// {"versions": [...]}), a single version ({"version": {...}}), or a bare
// version object ({"id": "v1", ...}) as older Ironic answered. A JSON list at
// the top (Swift's account listing) is not a version document.
func ParseVersions(data []byte) ([]Version, error) {
	var doc struct {
		Versions json.RawMessage `json:"versions"`
		Version  *rawVersion     `json:"version"`
		ID       string          `json:"id"`
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
	case doc.ID != "":
		var bare rawVersion
		if err := json.Unmarshal(data, &bare); err != nil {
			return nil, fmt.Errorf("%w: version: %w", apierror.ErrDiscoveryFailure, err)
		}
		if bare.Status == "" {
			bare.Status = "current"
		}
		raws = []rawVersion{bare}
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
// newest version on offer.
func Choose(versions []Version, major int) (Version, error) {
	if major == 0 {
		return ChooseRange(versions, VersionRange{})
	}
	return ChooseRange(versions, MajorVersion(major))
}

// ChooseRange picks the newest version in r. Deprecated versions are used
// only when no other version fits, experimental ones never, as keystoneauth
// does.
func ChooseRange(versions []Version, r VersionRange) (Version, error) {
	b, err := r.bounds()
	if err != nil {
		return Version{}, err
	}
	best, found := Version{}, false
	for _, v := range versions {
		n := v.Number()
		if n.Major < 0 || v.Status == "experimental" || !b.contains(n) {
			continue
		}
		switch {
		case !found:
		case (best.Status == "deprecated") != (v.Status == "deprecated"):
			if v.Status == "deprecated" {
				continue
			}
		case n.Compare(best.Number()) <= 0:
			continue
		}
		best, found = v, true
	}
	if !found {
		ids := make([]string, len(versions))
		for i, v := range versions {
			ids[i] = v.ID
		}
		return Version{}, fmt.Errorf("%w: %s is not offered (the server offers %s)",
			apierror.ErrVersionNotAvailable, r.describe(), strings.Join(ids, ", "))
	}
	return best, nil
}

// describe names a range in an error: "v3", or the range.
func (r VersionRange) describe() string {
	if n, err := strconv.Atoi(r.Min); err == nil && r.Max == r.Min+".latest" {
		return "v" + strconv.Itoa(n)
	}
	return "version " + r.String()
}

// segmentVersion reads a path segment of the form v<major>[.<minor>]
// ("v3", "v2.0"). It runs for every auth URL a token request starts from,
// hence no regular expression.
func segmentVersion(seg string) (VersionNumber, bool) {
	rest, ok := strings.CutPrefix(seg, "v")
	if !ok {
		return VersionNumber{}, false
	}
	major, minor, hasMinor := strings.Cut(rest, ".")
	if !asciiDigits(major) || (hasMinor && !asciiDigits(minor)) {
		return VersionNumber{}, false
	}
	n, err := ParseVersionNumber(seg)
	return n, err == nil
}

func asciiDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// VersionOfURL returns the major version a URL's path ends in ("/v3" → 3,
// "/identity/v2.0/" → 2), or -1 when it names none.
func VersionOfURL(u string) int {
	p, err := splitVersionedURL(u)
	if err != nil || !p.versioned || p.project != "" {
		return -1
	}
	return p.version.Major
}

// versionedURL is a catalog URL taken apart: scheme and host, the path
// before the version segment (the service's prefix, such as /identity), the
// version segment itself, and a project id after it.
type versionedURL struct {
	base      *url.URL // without version and project
	version   VersionNumber
	segment   string
	versioned bool
	project   string
}

func splitVersionedURL(u string) (versionedURL, error) {
	parsed, err := url.Parse(strings.TrimRight(u, "/"))
	if err != nil {
		return versionedURL{}, err
	}
	parts := strings.Split(parsed.Path, "/")
	var p versionedURL
	if n := len(parts); n >= 2 {
		if _, ok := segmentVersion(parts[n-2]); ok {
			if _, ok := segmentVersion(parts[n-1]); !ok {
				p.project = parts[n-1]
				parts = parts[:n-1]
			}
		}
	}
	if last := parts[len(parts)-1]; last != "" {
		if v, ok := segmentVersion(last); ok {
			p.version, p.segment, p.versioned = v, last, true
			parts = parts[:len(parts)-1]
		}
	}
	base := *parsed
	base.Path = strings.Join(parts, "/")
	base.RawPath = ""
	p.base = &base
	return p, nil
}

// withProject puts a project id taken off a catalog URL back on the URL of
// the version chosen.
func (p versionedURL) withProject(u string) string {
	u = strings.TrimRight(u, "/")
	if p.project == "" {
		return u
	}
	return u + "/" + p.project
}

// Doer sends an HTTP request.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// DefaultDiscoveryTimeout bounds one version-document request made on behalf
// of several callers at once.
const DefaultDiscoveryTimeout = 60 * time.Second

// Discovery fetches version documents and remembers them for a while. One
// Discovery can serve many sessions and clients; it is safe for concurrent use,
// and concurrent lookups of one URL make one request.
type Discovery struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]discoveryEntry
	flight  singleflight.Group
}

type discoveryEntry struct {
	versions []Version
	expires  time.Time
}

// NewDiscovery returns a Discovery whose answers are reused for ttl (0: not
// at all).
func NewDiscovery(ttl time.Duration) *Discovery {
	return &Discovery{ttl: ttl, now: time.Now, entries: map[string]discoveryEntry{}}
}

// Clear forgets every document.
func (d *Discovery) Clear() {
	d.mu.Lock()
	clear(d.entries)
	d.mu.Unlock()
}

// Forget drops the document of one URL, so that the next lookup asks again.
func (d *Discovery) Forget(u string) {
	d.mu.Lock()
	delete(d.entries, cacheKey(u))
	d.mu.Unlock()
}

// cacheKey treats "http://h/x/" and "http://h/x" as one document.
func cacheKey(u string) string { return strings.TrimRight(u, "/") }

// maxVersionDocument bounds what is read of a version document.
const maxVersionDocument = 1 << 20

// Versions returns the versions the document at u lists (links as the
// document has them), from the cache when it has a fresh answer.
func (d *Discovery) Versions(ctx context.Context, client Doer, u string) ([]Version, error) {
	key := cacheKey(u)
	d.mu.Lock()
	e, ok := d.entries[key]
	d.mu.Unlock()
	if ok && d.now().Before(e.expires) {
		return e.versions, nil
	}
	ch := d.flight.DoChan(key, func() (any, error) {
		// The request serves every caller waiting for this URL: one of them
		// giving up must not fail it for the others.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultDiscoveryTimeout)
		defer cancel()
		versions, err := fetchVersions(fctx, client, u)
		if err != nil {
			return nil, err
		}
		d.mu.Lock()
		d.entries[key] = discoveryEntry{versions: versions, expires: d.now().Add(d.ttl)}
		d.mu.Unlock()
		return versions, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.([]Version), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: GET %s: %w", apierror.ErrDiscoveryFailure, u, ctx.Err())
	}
}

func fetchVersions(ctx context.Context, client Doer, u string) ([]Version, error) {
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
	return versions, nil
}

// VersionedURL turns u (a catalog or auth URL, versioned or not) into the
// root URL of the given major version. A URL that already ends in that
// version is returned as it is, without a request.
func (d *Discovery) VersionedURL(ctx context.Context, client Doer, u string, major int) (string, error) {
	v, err := d.Resolve(ctx, client, u, MajorVersion(major))
	if err != nil {
		return "", err
	}
	return v.SelfURL, nil
}

// Resolve finds the API version r asks for behind u and returns it with
// SelfURL set to its root URL (without a trailing slash). u is a catalog or
// auth URL: unversioned ("https://cloud/identity"), versioned
// ("https://cloud/identity/v3"), or versioned with a project id
// ("https://cloud/compute/v2.1/<project id>", which the chosen URL keeps).
//
// As keystoneauth does: a URL whose version is in r and of r's highest major
// version is used without a request. Otherwise the unversioned root is asked
// first, then u itself; links in a document are taken relative to where it
// was fetched, and a link to another host (a proxy's back end, typically) is
// moved onto the fetched URL's host and path prefix. When no document can be
// had but u's own version is in r, u is used.
func (d *Discovery) Resolve(ctx context.Context, client Doer, u string, r VersionRange) (Version, error) {
	b, err := r.bounds()
	if err != nil {
		return Version{}, err
	}
	p, err := splitVersionedURL(u)
	if err != nil {
		return Version{}, fmt.Errorf("%w: URL %q: %w", apierror.ErrInvalidConfig, u, err)
	}
	versionedRoot := strings.TrimRight(u, "/")
	if p.project != "" {
		versionedRoot = strings.TrimSuffix(versionedRoot, "/"+p.project)
	}
	inRange := p.versioned && b.contains(p.version)
	if p.versioned && (!b.hasLo && !b.hasHi || inRange && b.hasHi && b.hi.Major == p.version.Major) {
		return Version{ID: p.segment, SelfURL: strings.TrimRight(u, "/")}, nil
	}
	candidates := []string{versionedRoot}
	if p.versioned {
		candidates = []string{strings.TrimRight(p.base.String(), "/"), versionedRoot}
		if candidates[0] == "" || p.base.Host == "" {
			candidates = candidates[1:]
		}
	}
	var fetchErr, chooseErr error
	for _, cand := range candidates {
		versions, err := d.Versions(ctx, client, cand)
		if err != nil {
			fetchErr = err
			if ctx.Err() != nil {
				break
			}
			continue
		}
		resolved := make([]Version, len(versions))
		for i, v := range versions {
			if v.SelfURL != "" {
				v.SelfURL = strings.TrimRight(combineURL(cand, v.SelfURL), "/")
			}
			if v.CollectionURL != "" {
				v.CollectionURL = strings.TrimRight(combineURL(cand, v.CollectionURL), "/")
			}
			resolved[i] = v
		}
		v, err := ChooseRange(resolved, r)
		if err != nil {
			chooseErr = err
			continue
		}
		if v.SelfURL == "" {
			// No self link: the version lives under the URL asked, by the
			// usual convention.
			if cand == versionedRoot && p.versioned {
				v.SelfURL = cand
			} else {
				v.SelfURL = cand + "/v" + strconv.Itoa(v.Major())
			}
		}
		v.SelfURL = p.withProject(v.SelfURL)
		return v, nil
	}
	if inRange && ctx.Err() == nil {
		return Version{ID: p.segment, SelfURL: strings.TrimRight(u, "/")}, nil
	}
	if chooseErr != nil {
		return Version{}, fmt.Errorf("%s: %w", u, chooseErr)
	}
	return Version{}, fetchErr
}

// combineURL resolves a version link against the URL its document came
// from. Services behind a proxy often advertise their internal address
// ("http://10.0.0.5:5000/v3/") while being reached as
// "https://cloud.example/identity": a link to another host keeps only its
// last path segment (the version) and goes under the fetched URL.
func combineURL(docURL, href string) string {
	base, err := url.Parse(strings.TrimRight(docURL, "/") + "/")
	if err != nil {
		return href
	}
	ref, err := url.Parse(href)
	if err != nil {
		return href
	}
	joined := base.ResolveReference(ref)
	if joined.Host == base.Host {
		joined.Scheme = base.Scheme
		return joined.String()
	}
	segs := strings.Split(strings.TrimRight(ref.Path, "/"), "/")
	version := segs[len(segs)-1]
	path := strings.TrimRight(base.Path, "/")
	if !strings.HasSuffix(path, version) {
		path += "/" + version
		if strings.HasSuffix(ref.Path, "/") {
			path += "/"
		}
	}
	out := url.URL{Scheme: base.Scheme, Host: base.Host, User: base.User, Path: path, RawQuery: joined.RawQuery}
	return out.String()
}
