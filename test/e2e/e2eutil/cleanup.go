package e2eutil

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/identity"
)

// Retrying wraps a cleanup so that it runs again, a little later each time
// and four times at most, while the connection breaks: under load the test
// Keystone's sqlite answers "database is locked" with an empty reply. Only
// for cleanups that are safe to repeat, such as deletes (a not-found counts
// as done).
func Retrying(fn func(ctx context.Context) error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		var err error
		for attempt := range 4 {
			if err = fn(ctx); err == nil || !errors.Is(err, apierror.ErrConnection) {
				return err
			}
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(attempt+1) * time.Second):
			}
		}
		return err
	}
}

// later is Cleanup with Retrying: how every fixture removes what it made.
func later(t testing.TB, fn func(ctx context.Context) error) {
	Cleanup(t, Retrying(fn))
}

// DeleteLater deletes a resource when the test ends, with del, one of the
// client's Delete…WithResponse methods taking the resource's id:
//
//	e2eutil.DeleteLater(t, admin.DeleteServiceWithResponse, svc.ID)
//
// A not-found is fine (the test may have deleted it already), and a broken
// connection is retried.
func DeleteLater[R any](t testing.TB, del func(context.Context, string, ...identityv3.RequestEditorFn) (R, error), id string) {
	later(t, func(ctx context.Context) error {
		_, err := del(ctx, id)
		return err
	})
}

// DeleteDomainLater removes a domain when the test ends: it disables it
// first, as Keystone refuses to delete an enabled domain. Deleting a domain
// deletes its projects, users, groups and roles with it.
func DeleteDomainLater(t testing.TB, c *identity.Client, id string) {
	later(t, func(ctx context.Context) error {
		if _, err := c.Raw().UpdateDomainWithResponse(ctx, id, identityv3.UpdateDomainJSONRequestBody{
			Domain: identityv3.DomainUpdate{Enabled: new(false)},
		}); err != nil {
			return err
		}
		_, err := c.Raw().DeleteDomainWithResponse(ctx, id)
		return err
	})
}
