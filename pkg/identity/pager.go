package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/internal/paging"
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
	*paging.Walker[T]
}

// NewPager returns a pager over the list whose items are under key ("projects").
func NewPager[T any](key string, fetch PageFunc) *Pager[T] {
	return &Pager[T]{paging.New(func(ctx context.Context, next paging.Editor) (paging.Page[T], error) {
		if next == nil {
			return keyedPage[T](key)(fetch(ctx))
		}
		return keyedPage[T](key)(fetch(ctx, next))
	})}
}

// keyedPage decodes a page whose items are under key.
func keyedPage[T any](key string) func(*http.Response, error) (paging.Page[T], error) {
	return func(resp *http.Response, err error) (paging.Page[T], error) {
		if err != nil {
			return paging.Page[T]{}, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return paging.Page[T]{}, err
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(body, &raw); err != nil {
			return paging.Page[T]{}, fmt.Errorf("%w: list page: %w", apierror.ErrInvalidResponse, err)
		}
		out := paging.Page[T]{URL: paging.RequestURL(resp)}
		items, ok := raw[key]
		if !ok {
			return paging.Page[T]{}, fmt.Errorf("%w: list page has no %q", apierror.ErrInvalidResponse, key)
		}
		if err := json.Unmarshal(items, &out.Items); err != nil {
			return paging.Page[T]{}, fmt.Errorf("%w: list page %q: %w", apierror.ErrInvalidResponse, key, err)
		}
		if links, ok := raw["links"]; ok {
			var l struct {
				Next *string `json:"next"`
			}
			if json.Unmarshal(links, &l) == nil && l.Next != nil {
				out.Next = *l.Next
			}
		}
		if t, ok := raw["truncated"]; ok {
			_ = json.Unmarshal(t, &out.Truncated)
		}
		return out, nil
	}
}

// All yields every item of a list; see Pager for the truncated flag.
func All[T any](ctx context.Context, key string, fetch PageFunc) iter.Seq2[T, error] {
	return NewPager[T](key, fetch).All(ctx)
}
