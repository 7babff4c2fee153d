package paging

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"

	"github.com/keystone-go/keystone/internal/origin"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// Editor changes a request before it is sent; it has the shape of the
// generated clients' RequestEditorFn.
type Editor = func(ctx context.Context, req *http.Request) error

// Page is one page of a list as its answer gave it.
type Page[T any] struct {
	Items []T
	// Next is the answer's links.next, "" when there is none.
	Next string
	// Truncated is the answer's truncated flag.
	Truncated bool
	// URL is where the page came from; nil when the answer does not say.
	URL *url.URL
}

// Fetch sends the request for one page. next is nil for the first page;
// for a later one it is the editor that points the request at links.next,
// to be run after the client's own editors.
type Fetch[T any] func(ctx context.Context, next Editor) (Page[T], error)

// Walker walks one list.
type Walker[T any] struct {
	fetch     Fetch[T]
	truncated bool
	pages     int
}

// New returns a walker over the pages fetch reads.
func New[T any](fetch Fetch[T]) *Walker[T] { return &Walker[T]{fetch: fetch} }

// Truncated reports whether Keystone said it cut a page short, once the
// walk is over.
func (w *Walker[T]) Truncated() bool { return w.truncated }

// Pages is the number of pages read so far.
func (w *Walker[T]) Pages() int { return w.pages }

// maxPages guards against a server whose next link never ends.
const maxPages = 10000

// All yields every item of every page, then stops; an error is yielded once
// and ends the walk.
func (w *Walker[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		stopped := false
		err := w.walk(ctx, func(items []T) bool {
			for _, item := range items {
				if !yield(item, nil) {
					stopped = true
					return false
				}
			}
			return true
		})
		if err != nil && !stopped {
			var zero T
			yield(zero, err)
		}
	}
}

// Collect reads every page into one slice. A list of one page (Keystone's
// usual answer) is returned as that page decoded it, without a copy.
func (w *Walker[T]) Collect(ctx context.Context) ([]T, error) {
	var all []T
	first := true
	err := w.walk(ctx, func(items []T) bool {
		if first {
			all, first = items, false
		} else {
			all = append(all, items...)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// walk hands each page's items to page until page returns false, the list
// ends or a request fails.
func (w *Walker[T]) walk(ctx context.Context, page func([]T) bool) error {
	next := ""
	// pageURL is where the last page came from, which its links.next is
	// relative to and held to.
	var pageURL *url.URL
	seen := map[string]bool{}
	for w.pages < maxPages {
		var edit Editor
		if next != "" {
			if _, err := url.Parse(next); err != nil {
				// url.Error repeats the link whole; the reason is enough.
				var ue *url.Error
				if errors.As(err, &ue) {
					err = ue.Err
				}
				return fmt.Errorf("%w: links.next: %w", apierror.ErrInvalidResponse, err)
			}
			// The token goes with the request, so the link is held to
			// internal/origin's rule: on the Keystone's own host it is
			// fetched from the origin the first page came from (a Keystone
			// behind a TLS-terminating proxy writes "http://" links),
			// anywhere else it is an *apierror.CrossOriginError.
			from, link := pageURL, next
			edit = func(_ context.Context, req *http.Request) error {
				if from == nil {
					from = req.URL
				}
				target, err := origin.Link(req.Method, from, link)
				if err != nil {
					return err
				}
				req.URL = target
				req.Host = req.URL.Host
				return nil
			}
		}
		p, err := w.fetch(ctx, edit)
		if err != nil {
			return err
		}
		w.pages++
		w.truncated = w.truncated || p.Truncated
		if !page(p.Items) {
			return nil
		}
		if p.Next == "" || seen[p.Next] || len(p.Items) == 0 {
			return nil
		}
		seen[p.Next] = true
		next, pageURL = p.Next, p.URL
	}
	return nil
}

// RequestURL is where resp came from, or nil when it does not say (a
// relative request, as a test's fake sends).
func RequestURL(resp *http.Response) *url.URL {
	if resp != nil && resp.Request != nil && resp.Request.URL != nil && resp.Request.URL.Host != "" {
		return resp.Request.URL
	}
	return nil
}
