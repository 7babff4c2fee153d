package e2eutil

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// answer is what every generated response has.
type answer interface{ StatusCode() int }

// Status fails the test unless a call succeeded with the status want, and
// returns its response:
//
//	resp, err := c.CreateTrustWithResponse(ctx, body)
//	trust := e2eutil.Status(t, http.StatusCreated, resp, err).JSON201.Trust
func Status[R answer](t testing.TB, want int, resp R, err error) R {
	t.Helper()
	require.NoError(t, err, "%T", resp)
	require.Equal(t, want, resp.StatusCode(), "%T", resp)
	return resp
}

// Created is Status for a create: Keystone answers 201.
func Created[R answer](t testing.TB, resp R, err error) R {
	t.Helper()
	return Status(t, http.StatusCreated, resp, err)
}

// OK is Status for a read: Keystone answers 200.
func OK[R answer](t testing.TB, resp R, err error) R {
	t.Helper()
	return Status(t, http.StatusOK, resp, err)
}

// IDs are the IDs of the resources of a list, in its order. E is one of the
// generated resource types, which all have an ID string field; any other
// type panics.
func IDs[E any](list []E) []string {
	ids := make([]string, 0, len(list))
	for _, e := range list {
		id := reflect.ValueOf(e).FieldByName("ID")
		if id.Kind() != reflect.String {
			panic(fmt.Sprintf("e2eutil.IDs: %T has no ID string field", e))
		}
		ids = append(ids, id.String())
	}
	return ids
}

// Values are the values the pointers point to, nil ones left out.
func Values[T any](ptrs []*T) []T {
	out := make([]T, 0, len(ptrs))
	for _, p := range ptrs {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}

// RequireDeleted deletes a resource with del, requiring a 204, and then
// requires that both reading it with get and deleting it again answer 404:
//
//	e2eutil.RequireDeleted(t, c.DeleteRoleWithResponse, c.GetRoleWithResponse, role.ID)
func RequireDeleted[D answer, G any](t testing.TB, del func(context.Context, string, ...identityv3.RequestEditorFn) (D, error),
	get func(context.Context, string, ...identityv3.RequestEditorFn) (G, error), id string) {
	t.Helper()
	ctx := Ctx(t)
	resp, err := del(ctx, id)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, resp.StatusCode())
	_, err = get(ctx, id)
	require.ErrorIs(t, err, apierror.ErrNotFound, "read after the delete")
	_, err = del(ctx, id)
	require.ErrorIs(t, err, apierror.ErrNotFound, "deleted again")
}

// Extra is the attribute name of the resource in a JSON answer such as
// {"user": {...}} (envelope "user"): how a test sees the extra attributes
// Keystone keeps beside those the spec names.
func Extra(t testing.TB, body []byte, envelope, name string) any {
	t.Helper()
	var answer map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &answer))
	var resource map[string]any
	require.NoError(t, json.Unmarshal(answer[envelope], &resource), "%q in %s", envelope, body)
	return resource[name]
}
