package e2eutil

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/gen/identityv3"
)

// Anonymous is a generated client without a session: it sends no
// X-Auth-Token and uses the absolute Keystone URL (so that a request editor,
// such as an OAuth1 signer, sees the URL the request goes to), and answers
// outside 2xx come back as responses, not errors, for the test to look at.
// Every answer is still validated against the spec.
func Anonymous(t testing.TB) *identityv3.ClientWithResponses {
	t.Helper()
	c, err := identityv3.NewClientWithResponses(AuthURL(), identityv3.WithHTTPClient(HTTPClient(t)))
	require.NoError(t, err)
	return c
}

// WithToken sends the token as X-Auth-Token on an Anonymous client's request.
func WithToken(token string) identityv3.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Auth-Token", token)
		return nil
	}
}
