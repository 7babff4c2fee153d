// Package bench holds the benchmarks of keystone-go: per-call overhead
// against raw net/http, token refresh under contention, catalog lookup and
// token decoding (the testing.B benchmarks of this package), and the
// process-level comparison against a real Keystone (cmd/runner, which runs
// the clients under cmd/ and python/ as child processes).
//
// It is a module of its own so that gophercloud, which it compares against,
// stays out of the SDK's go.mod; a replace directive makes it measure the
// SDK tree it sits in. `make bench` (hack/bench.sh) runs everything and
// rewrites docs/benchmarks.md.
package bench

import (
	"encoding/json"
	"fmt"
	"time"
)

// Keystone writes ids as 32 hex digits; these are fixed so that every run
// decodes the same bytes.
func hexID(prefix byte, i int) string {
	return fmt.Sprintf("%c%031x", 'a'+prefix%6, i*7919+int(prefix)*104729)
}

// ProjectListJSON is a GET /v3/projects answer with n projects, shaped as
// Keystone 22 writes it: every field present, description sometimes empty,
// tags sometimes set, options {} and a self link per project.
func ProjectListJSON(n int, base string) []byte {
	type link struct {
		Self string `json:"self"`
	}
	type project struct {
		ID          string         `json:"id"`
		Name        string         `json:"name"`
		DomainID    string         `json:"domain_id"`
		Description string         `json:"description"`
		Enabled     bool           `json:"enabled"`
		ParentID    string         `json:"parent_id"`
		IsDomain    bool           `json:"is_domain"`
		Tags        []string       `json:"tags"`
		Options     map[string]any `json:"options"`
		Links       link           `json:"links"`
	}
	type links struct {
		Next     *string `json:"next"`
		Self     string  `json:"self"`
		Previous *string `json:"previous"`
	}
	out := struct {
		Projects []project `json:"projects"`
		Links    links     `json:"links"`
	}{Links: links{Self: base + "/projects"}}
	for i := range n {
		id := hexID(1, i)
		p := project{
			ID:          id,
			Name:        fmt.Sprintf("bench-project-%03d", i),
			DomainID:    "default",
			Description: fmt.Sprintf("Project %d of the benchmark, owned by team %d", i, i%7),
			Enabled:     i%10 != 9,
			ParentID:    "default",
			Tags:        []string{},
			Options:     map[string]any{},
			Links:       link{Self: base + "/projects/" + id},
		}
		if i%3 == 0 {
			p.Description = ""
		}
		if i%4 == 0 {
			p.Tags = []string{"env-prod", fmt.Sprintf("team-%d", i%7)}
		}
		out.Projects = append(out.Projects, p)
	}
	data, err := json.Marshal(out)
	if err != nil {
		panic(err)
	}
	return data
}

// RawProject is identityv3.Project as a hand-written client would declare
// it: the same fields, the same pointer-ness.
type RawProject struct {
	Description *string            `json:"description,omitempty"`
	DomainID    *string            `json:"domain_id,omitempty"`
	Enabled     bool               `json:"enabled"`
	ID          string             `json:"id"`
	IsDomain    *bool              `json:"is_domain,omitempty"`
	Links       *RawSelfLink       `json:"links,omitempty"`
	Name        string             `json:"name"`
	Options     *RawProjectOptions `json:"options,omitempty"`
	ParentID    *string            `json:"parent_id,omitempty"`
	Tags        []string           `json:"tags,omitempty"`
}

// RawSelfLink is identityv3.SelfLink.
type RawSelfLink struct {
	Self *string `json:"self,omitempty"`
}

// RawProjectOptions is identityv3.ProjectOptions.
type RawProjectOptions struct {
	Immutable *bool `json:"immutable,omitempty"`
}

// RawCollectionLinks is identityv3.CollectionLinks.
type RawCollectionLinks struct {
	Next     *string `json:"next,omitempty"`
	Previous *string `json:"previous,omitempty"`
	Self     *string `json:"self,omitempty"`
}

// RawProjectList is identityv3.ProjectList.
type RawProjectList struct {
	Links     *RawCollectionLinks `json:"links,omitempty"`
	Projects  []RawProject        `json:"projects"`
	Truncated *bool               `json:"truncated,omitempty"`
}

// RawTokenEnvelope is identityv3.TokenEnvelope reduced to what a v3
// password token carries, as a hand-written client would declare it.
type RawTokenEnvelope struct {
	Token RawToken `json:"token"`
}

// RawToken is the body of a v3 token.
type RawToken struct {
	Methods []string `json:"methods"`
	User    struct {
		Domain            *RawRef    `json:"domain,omitempty"`
		ID                *string    `json:"id,omitempty"`
		Name              *string    `json:"name,omitempty"`
		PasswordExpiresAt *time.Time `json:"password_expires_at,omitempty"`
	} `json:"user"`
	AuditIDs  []string         `json:"audit_ids,omitempty"`
	ExpiresAt time.Time        `json:"expires_at"`
	IssuedAt  time.Time        `json:"issued_at"`
	Project   *RawTokenProject `json:"project,omitempty"`
	IsDomain  *bool            `json:"is_domain,omitempty"`
	Roles     []RawRef         `json:"roles,omitempty"`
	Catalog   []RawService     `json:"catalog,omitempty"`
}

// RawRef is a reference by id and name (domain, role).
type RawRef struct {
	ID   *string `json:"id,omitempty"`
	Name *string `json:"name,omitempty"`
}

// RawTokenProject is the project of a project-scoped token.
type RawTokenProject struct {
	Domain *RawRef `json:"domain,omitempty"`
	ID     *string `json:"id,omitempty"`
	Name   *string `json:"name,omitempty"`
}

// RawService is a catalog entry.
type RawService struct {
	Endpoints []RawEndpoint `json:"endpoints"`
	ID        *string       `json:"id,omitempty"`
	Name      *string       `json:"name,omitempty"`
	Type      *string       `json:"type,omitempty"`
}

// RawEndpoint is one endpoint of a catalog entry.
type RawEndpoint struct {
	ID        *string `json:"id,omitempty"`
	Interface *string `json:"interface,omitempty"`
	Region    *string `json:"region,omitempty"`
	RegionID  *string `json:"region_id,omitempty"`
	URL       string  `json:"url"`
}

// CatalogSpec says how big a generated catalog is.
type CatalogSpec struct {
	Services   int // catalog entries
	PerService int // endpoints per entry: public, internal, admin, then public in more regions
}

// Catalog1000 is the catalog of the lookup and decode benchmarks: 250
// services × 4 endpoints.
var Catalog1000 = CatalogSpec{Services: 250, PerService: 4}

// officialTypes opens the generated catalog with real service types (and
// two aliases), so that lookups exercise the alias rules; the rest are
// custom types "svc-NNN".
var officialTypes = []string{"identity", "compute", "image", "network", "volumev3", "block-storage",
	"object-store", "orchestration", "placement", "load-balancer", "dns", "key-manager"}

// ServiceType is the type of catalog entry i.
func ServiceType(i int) string {
	if i < len(officialTypes) {
		return officialTypes[i]
	}
	return fmt.Sprintf("svc-%03d", i)
}

// CatalogEntries is the catalog as Keystone writes it in a token.
func CatalogEntries(spec CatalogSpec, base string) []RawService {
	ifaces := []string{"public", "internal", "admin"}
	out := make([]RawService, spec.Services)
	for i := range spec.Services {
		typ := ServiceType(i)
		id, name := hexID(2, i), "service-"+typ
		s := RawService{ID: &id, Name: &name, Type: &typ}
		for j := range spec.PerService {
			iface, region := ifaces[min(j, 2)], "RegionOne"
			if j >= 3 {
				iface, region = "public", fmt.Sprintf("Region%d", j-1)
			}
			epID := hexID(3, i*spec.PerService+j)
			u := fmt.Sprintf("%s/%s/%s/v1", base, typ, region)
			if typ == "identity" {
				u = base + "/v3"
			}
			s.Endpoints = append(s.Endpoints, RawEndpoint{ID: &epID, Interface: &iface, Region: &region, RegionID: &region, URL: u})
		}
		out[i] = s
	}
	return out
}

// TokenJSON is a POST /v3/auth/tokens answer for a project-scoped password
// token of admin, expiring at expires, with the catalog of spec.
func TokenJSON(spec CatalogSpec, base string, expires time.Time) []byte {
	issued := expires.Add(-time.Hour)
	body := map[string]any{"token": map[string]any{
		"methods": []string{"password"},
		"user": map[string]any{"domain": map[string]any{"id": "default", "name": "Default"},
			"id": hexID(4, 1), "name": "admin", "password_expires_at": nil},
		"audit_ids":  []string{"fe0q6CWPTbqimiI96gP4HA"},
		"expires_at": expires.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"issued_at":  issued.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"project": map[string]any{"domain": map[string]any{"id": "default", "name": "Default"},
			"id": hexID(1, 0), "name": "admin"},
		"is_domain": false,
		"roles": []map[string]string{{"id": hexID(5, 1), "name": "member"}, {"id": hexID(5, 2), "name": "admin"},
			{"id": hexID(5, 3), "name": "reader"}},
		"catalog": CatalogEntries(spec, base),
	}}
	data, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	return data
}

// FakeToken is the token string the fake hands out (Keystone's fernet
// tokens are ~180 characters).
const FakeToken = "gAAAAABrC1PxJErEyLkqRQUXaUfL5ucumPjDbcakkFQU04nZ3InlUjP6g35tJN83fMOGbKHswgWPIy6Klh0dPCNCeN2XhmZj9YheCmDIYfBl6u4jrwPZFB5dsSZ2Th8LlV6ZwpFi1CL5bracoGnrG0ydytE7VeQuwmlmIFsucinnSv7WZMb2GaE"

// RawAuthRequest is a password token request scoped to a project by name,
// as a hand-written client would declare it.
type RawAuthRequest struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password struct {
				User struct {
					Name     string `json:"name"`
					Domain   RawRef `json:"domain"`
					Password string `json:"password"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope struct {
			Project struct {
				Name   string `json:"name"`
				Domain RawRef `json:"domain"`
			} `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

// RawAuthBody is the JSON of a password token request for user (in
// domainID) scoped to project (in domainID). A hand-written client builds it
// for every authentication, as the SDK does.
func RawAuthBody(user, password, project, domainID string) ([]byte, error) {
	var r RawAuthRequest
	r.Auth.Identity.Methods = []string{"password"}
	u := &r.Auth.Identity.Password.User
	u.Name, u.Password, u.Domain.ID = user, password, &domainID
	p := &r.Auth.Scope.Project
	p.Name, p.Domain.ID = project, &domainID
	return json.Marshal(&r)
}
