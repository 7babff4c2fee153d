package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/internal/origin"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// PageFunc sends the request for one page: a generated raw method (not its
// …WithResponse form) with the caller's parameters bound, such as
//
//	func(ctx context.Context, ed ...identityv3.RequestEditorFn) (*http.Response, error) {
//		return client.ListProjects(ctx, &params, ed...)
//	}
//
// The pager adds an editor that points later requests at links.next.
type PageFunc func(ctx context.Context, editors ...identityv3.RequestEditorFn) (*http.Response, error)

// Pager walks a list that Keystone may paginate (links.next) or truncate
// (truncated: true, when the list is longer than Keystone's list_limit).
//
// A next link carries the token to wherever it points, so it is followed
// only on the host the previous page came from, and always with that
// page's scheme and port: an "http://" link from a Keystone reached over
// https (behind a TLS-terminating proxy, without public_endpoint) is
// fetched over https. A link to another host ends the walk with an
// *apierror.CrossOriginError (errors.Is apierror.ErrCrossOrigin).
type Pager[T any] struct {
	key       string
	fetch     PageFunc
	truncated bool
	pages     int
}

// NewPager returns a pager over the list whose items are under key ("projects").
func NewPager[T any](key string, fetch PageFunc) *Pager[T] {
	return &Pager[T]{key: key, fetch: fetch}
}

// Truncated reports whether Keystone said it cut a page short, once the
// walk is over.
func (p *Pager[T]) Truncated() bool { return p.truncated }

// Pages is the number of pages read so far.
func (p *Pager[T]) Pages() int { return p.pages }

// maxPages guards against a server whose next link never ends.
const maxPages = 10000

// All yields every item of every page, then stops; an error is yielded once
// and ends the walk.
func (p *Pager[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		next := ""
		// pageURL is where the last page came from, which its links.next
		// is relative to and held to.
		var pageURL *url.URL
		seen := map[string]bool{}
		for p.pages < maxPages {
			var editors []identityv3.RequestEditorFn
			if next != "" {
				if _, err := url.Parse(next); err != nil {
					// url.Error repeats the link whole; the reason is enough.
					var ue *url.Error
					if errors.As(err, &ue) {
						err = ue.Err
					}
					yield(zero, fmt.Errorf("%w: links.next: %w", apierror.ErrInvalidResponse, err))
					return
				}
				// The token goes with the request, so the link is held to
				// internal/origin's rule: on the Keystone's own host it is
				// fetched from the origin the first page came from (a
				// Keystone behind a TLS-terminating proxy writes "http://"
				// links), anywhere else it is an *apierror.CrossOriginError.
				from := pageURL
				editors = append(editors, func(_ context.Context, req *http.Request) error {
					if from == nil {
						from = req.URL
					}
					target, err := origin.Link(req.Method, from, next)
					if err != nil {
						return err
					}
					req.URL = target
					req.Host = req.URL.Host
					return nil
				})
			}
			page, err := p.page(ctx, editors)
			if err != nil {
				yield(zero, err)
				return
			}
			p.pages++
			p.truncated = p.truncated || page.truncated
			for _, item := range page.items {
				if !yield(item, nil) {
					return
				}
			}
			if page.next == "" || seen[page.next] || len(page.items) == 0 {
				return
			}
			seen[page.next] = true
			next, pageURL = page.next, page.url
		}
	}
}

type page[T any] struct {
	items     []T
	next      string
	truncated bool
	url       *url.URL // nil when the answer does not say
}

func (p *Pager[T]) page(ctx context.Context, editors []identityv3.RequestEditorFn) (page[T], error) {
	resp, err := p.fetch(ctx, editors...)
	if err != nil {
		return page[T]{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return page[T]{}, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return page[T]{}, fmt.Errorf("%w: list page: %w", apierror.ErrInvalidResponse, err)
	}
	var out page[T]
	if resp.Request != nil && resp.Request.URL != nil && resp.Request.URL.Host != "" {
		out.url = resp.Request.URL
	}
	if items, ok := raw[p.key]; ok {
		if err := json.Unmarshal(items, &out.items); err != nil {
			return page[T]{}, fmt.Errorf("%w: list page %q: %w", apierror.ErrInvalidResponse, p.key, err)
		}
	} else {
		return page[T]{}, fmt.Errorf("%w: list page has no %q", apierror.ErrInvalidResponse, p.key)
	}
	if links, ok := raw["links"]; ok {
		var l struct {
			Next *string `json:"next"`
		}
		if json.Unmarshal(links, &l) == nil && l.Next != nil {
			out.next = *l.Next
		}
	}
	if t, ok := raw["truncated"]; ok {
		_ = json.Unmarshal(t, &out.truncated)
	}
	return out, nil
}

// All yields every item of a list; see Pager for the truncated flag.
func All[T any](ctx context.Context, key string, fetch PageFunc) iter.Seq2[T, error] {
	return NewPager[T](key, fetch).All(ctx)
}

// Projects yields every project that matches params.
func (c *Client) Projects(ctx context.Context, params *identityv3.ListProjectsParams) iter.Seq2[identityv3.Project, error] {
	return All[identityv3.Project](ctx, "projects", func(ctx context.Context, ed ...identityv3.RequestEditorFn) (*http.Response, error) {
		return c.ListProjects(ctx, params, ed...)
	})
}
