package specdrift

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/keystone-go/keystone/pkg/specvalidate"
)

// MediaType is JSON-home's media type.
const MediaType = "application/json-home"

// Home is a JSON-home document: Keystone's resources by relation.
type Home struct {
	Resources map[string]Resource `json:"resources"`
}

// Resource is one relation of a JSON-home document.
type Resource struct {
	Href         string            `json:"href,omitempty"`
	HrefTemplate string            `json:"href-template,omitempty"`
	HrefVars     map[string]string `json:"href-vars,omitempty"`
	Hints        struct {
		Status string `json:"status,omitempty"`
	} `json:"hints"`
}

// Path is the resource's path, relative to the version root.
func (r Resource) Path() string { return cmp.Or(r.HrefTemplate, r.Href) }

// Doer sends a request; *auth.Session and *http.Client are Doers.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Fetch reads the JSON-home document of the v3 endpoint (such as
// "https://keystone.example/v3").
func Fetch(ctx context.Context, d Doer, endpoint string) (*Home, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/"), nil)
	if err != nil {
		return nil, fmt.Errorf("specdrift: %w", err)
	}
	req.Header.Set("Accept", MediaType)
	resp, err := d.Do(req)
	if err != nil {
		return nil, fmt.Errorf("specdrift: reading the JSON-home document: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("specdrift: reading the JSON-home document: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("specdrift: GET %s answered %d, not a JSON-home document", endpoint, resp.StatusCode)
	}
	return Parse(body)
}

// Parse decodes a JSON-home document.
func Parse(data []byte) (*Home, error) {
	var h Home
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("specdrift: not a JSON-home document: %w", err)
	}
	if len(h.Resources) == 0 {
		return nil, errors.New("specdrift: the JSON-home document lists no resources")
	}
	return &h, nil
}

// Kind says which side a Finding is missing from.
type Kind string

const (
	// Undocumented is a route Keystone announces that the spec lacks.
	Undocumented Kind = "undocumented"
	// Unrouted is a spec path Keystone does not announce.
	Unrouted Kind = "unrouted"
	// OutOfRelease is a route Keystone announces that the spec limits to
	// other series than the one given to Compare.
	OutOfRelease Kind = "out-of-release"
)

// Finding is one path on which Keystone and the spec differ.
type Finding struct {
	Kind Kind `json:"kind"`
	// Path is the full path template, /v3 included.
	Path string `json:"path"`
	// Operations are the spec's operations on the path ("GET listProjects").
	Operations []string `json:"operations,omitempty"`
	// Relations are the JSON-home relations of the path.
	Relations []string `json:"relations,omitempty"`
	// Releases are the series the spec's operations on the path apply to.
	Releases []string `json:"releases,omitempty"`
	// Expected is true when the difference is known and explained by
	// Reason; false is drift someone has to look at.
	Expected bool   `json:"expected"`
	Reason   string `json:"reason,omitempty"`
}

// Report is the outcome of Compare.
type Report struct {
	// Series is the Keystone series compared for ("" when unknown).
	Series string `json:"series,omitempty"`
	// Routes is how many distinct paths the JSON-home document announces,
	// Paths how many the spec describes.
	Routes   int       `json:"routes"`
	Paths    int       `json:"paths"`
	Findings []Finding `json:"findings"`
}

// Unexpected are the findings no known reason explains.
func (r *Report) Unexpected() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if !f.Expected {
			out = append(out, f)
		}
	}
	return out
}

// Known are the paths Keystone serves but leaves out of its JSON-home
// document, or that the spec describes although Keystone serves no route,
// with the reason (normalized templates under /v3, parameters as {}).
var Known = map[string]string{
	"/v3/": "the version document itself (GET /v3), where JSON-home is served; " +
		"JSON-home lists the resources below it",
	"/v3/OS-FEDERATION/projects": "an alternate URL of /v3/auth/projects that Keystone routes; its JSON-home " +
		"relation (OS-FEDERATION/1.0/rel/projects) gives the href of /auth/projects",
	"/v3/OS-FEDERATION/domains": "an alternate URL of /v3/auth/domains that Keystone routes; its JSON-home " +
		"relation (OS-FEDERATION/1.0/rel/domains) gives the href of /auth/domains",
	"/v3/projects/{}/tags": "Keystone routes it, but it shares the relation project_tags with " +
		"/v3/projects/{}/tags/{}, and JSON-home keeps one href per relation",
	"/v3/policies/{}/OS-ENDPOINT-POLICY/policy": "documented by the api-ref but not routed by Keystone (404): the " +
		"spec describes it to say so (see getPolicyForEndpoint for the real route)",
}

var param = regexp.MustCompile(`\{[^}]*\}`)

// normalize turns a path template into a key with unnamed parameters and no
// trailing slash (except the root's).
func normalize(p string) string {
	p = param.ReplaceAllString(p, "{}")
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return p
}

// Compare sets the v3 operations of v against home. series is the Keystone
// series the server runs ("2025.1"), or "" when unknown: then a spec path
// whose operations apply to some series only is an expected absence, and
// an announced one is not questioned.
func Compare(v *specvalidate.Validator, home *Home, series string) *Report {
	type specPath struct {
		path     string
		ops      []string
		releases []string
		limited  bool
	}
	all := map[string]bool{}
	spec := map[string]*specPath{}
	for op := range v.Operations() {
		if op.Path != "/v3/" && !strings.HasPrefix(op.Path, "/v3/") {
			continue
		}
		for _, r := range op.Releases {
			all[r] = true
		}
		key := normalize(op.Path)
		if op.Path == "/v3/" {
			key = "/v3/"
		}
		sp := spec[key]
		if sp == nil {
			sp = &specPath{path: op.Path}
			spec[key] = sp
		}
		sp.ops = append(sp.ops, op.Method+" "+op.ID)
		for _, r := range op.Releases {
			if !slices.Contains(sp.releases, r) {
				sp.releases = append(sp.releases, r)
			}
		}
	}
	for _, sp := range spec {
		slices.Sort(sp.releases)
		sp.limited = len(sp.releases) < len(all)
	}

	routes := map[string][]string{} // normalized path -> relations
	display := map[string]string{}
	for rel, res := range home.Resources {
		p := res.Path()
		if p == "" {
			continue
		}
		key := normalize("/v3" + p)
		routes[key] = append(routes[key], rel)
		if _, ok := display[key]; !ok {
			display[key] = "/v3" + p
		}
	}

	rep := &Report{Series: series, Routes: len(routes), Paths: len(spec)}
	for key, rels := range routes {
		slices.Sort(rels)
		sp := spec[key]
		switch {
		case sp == nil:
			f := Finding{Kind: Undocumented, Path: display[key], Relations: rels}
			f.Reason, f.Expected = Known[key], Known[key] != ""
			rep.Findings = append(rep.Findings, f)
		case series != "" && !slices.Contains(sp.releases, series):
			rep.Findings = append(rep.Findings, Finding{Kind: OutOfRelease, Path: sp.path, Operations: sp.ops,
				Relations: rels, Releases: sp.releases})
		}
	}
	for key, sp := range spec {
		if _, ok := routes[key]; ok {
			continue
		}
		f := Finding{Kind: Unrouted, Path: sp.path, Operations: sp.ops, Releases: sp.releases}
		switch {
		case Known[key] != "":
			f.Expected, f.Reason = true, Known[key]
		case series != "" && !slices.Contains(sp.releases, series):
			f.Expected, f.Reason = true, "the spec limits it to "+strings.Join(sp.releases, ", ")
		case series == "" && sp.limited:
			f.Expected, f.Reason = true, "the spec limits it to "+strings.Join(sp.releases, ", ")+
				" (pass the server's series to check it)"
		}
		rep.Findings = append(rep.Findings, f)
	}
	slices.SortFunc(rep.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Path, b.Path))
	})
	return rep
}
