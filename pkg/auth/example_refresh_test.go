package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// A token inside the advisory window is still sent while it is renewed in
// the background, so a Keystone that is down for a moment fails nobody;
// inside the mandatory window callers wait for the renewal, and its
// failure names the cause.
func ExampleWithMandatoryRefreshMargin() {
	down := httptest.NewServer(nil)
	down.Close() // a Keystone that refuses connections
	plugin := &auth.Password{AuthURL: down.URL + "/v3", UserID: "u-alice", Password: "s3cret",
		Scope: auth.Scope{ProjectID: "p-demo"}}
	ctx := context.Background()

	// 60 s left: inside the 2-minute advisory window, outside the
	// 10-second mandatory one.
	sess := auth.New(plugin, auth.WithRefreshMargin(2*time.Minute), auth.WithMandatoryRefreshMargin(10*time.Second),
		auth.WithAccessInfo(&auth.AccessInfo{Token: "still-good", ExpiresAt: time.Now().Add(time.Minute)}))
	token, err := sess.Token(ctx)
	fmt.Println(token, err)

	// 5 s left: inside the mandatory window.
	sess = auth.New(plugin, auth.WithRefreshMargin(2*time.Minute), auth.WithMandatoryRefreshMargin(10*time.Second),
		auth.WithAccessInfo(&auth.AccessInfo{Token: "nearly-gone", ExpiresAt: time.Now().Add(5 * time.Second)}))
	_, err = sess.Token(ctx)
	var refreshErr *apierror.TokenRefreshError
	fmt.Println(errors.As(err, &refreshErr), refreshErr.Reason)
	fmt.Println(errors.Is(err, apierror.ErrTokenRefresh), errors.Is(err, apierror.ErrConnectionRefused))
	// Output:
	// still-good <nil>
	// true the token expires within the mandatory refresh margin
	// true true
}
