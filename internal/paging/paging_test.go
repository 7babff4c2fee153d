package paging

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// pages serves n pages of two items; page i's next link points at page i+1
// on host.
func pages(n int, host string) Fetch[string] {
	return func(_ context.Context, next Editor) (Page[string], error) {
		req, _ := http.NewRequest(http.MethodGet, "https://keystone.example/v3/things", nil)
		if next != nil {
			if err := next(context.Background(), req); err != nil {
				return Page[string]{}, err
			}
		}
		i := 1
		fmt.Sscan(req.URL.Query().Get("page"), &i)
		p := Page[string]{Items: []string{fmt.Sprint(i, "a"), fmt.Sprint(i, "b")}, URL: req.URL, Truncated: i == n}
		if i < n {
			p.Next = (&url.URL{Scheme: "http", Host: host, Path: "/v3/things", RawQuery: fmt.Sprint("page=", i+1)}).String()
		}
		return p, nil
	}
}

func TestCollectReadsEveryPage(t *testing.T) {
	w := New(pages(3, "keystone.example"))
	items, err := w.Collect(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"1a", "1b", "2a", "2b", "3a", "3b"}, items)
	assert.Equal(t, 3, w.Pages())
	assert.True(t, w.Truncated())
}

func TestCollectKeepsASinglePage(t *testing.T) {
	first := []string{"x", "y"}
	items, err := New(func(context.Context, Editor) (Page[string], error) {
		return Page[string]{Items: first}, nil
	}).Collect(t.Context())
	require.NoError(t, err)
	assert.Same(t, &first[0], &items[0], "one page is returned as decoded")
}

func TestAllStopsAtAnotherHost(t *testing.T) {
	var got []string
	var walkErr error
	for item, err := range New(pages(3, "evil.example")).All(t.Context()) {
		if err != nil {
			walkErr = err
			break
		}
		got = append(got, item)
	}
	assert.Equal(t, []string{"1a", "1b"}, got)
	assert.ErrorIs(t, walkErr, apierror.ErrCrossOrigin)
}

func TestAllStopsWhenTheCallerDoes(t *testing.T) {
	calls := 0
	fetch := pages(5, "keystone.example")
	for range New(func(ctx context.Context, next Editor) (Page[string], error) {
		calls++
		return fetch(ctx, next)
	}).All(t.Context()) {
		break
	}
	assert.Equal(t, 1, calls)
}
