package oauth_test

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/keystone-go/keystone/gen/identityv3"
)

func basicAuth(user, password string) identityv3.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.SetBasicAuth(user, password)
		return nil
	}
}

func nullableString(s string) nullable.Nullable[string] { return nullable.NewNullableWithValue(s) }

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func secondsOf(n int) time.Duration { return time.Duration(n) * time.Second }
