package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// A credential of the application's own, in a header the SDK does not
// know, is declared secret for the requests of a context: the debug log
// shows it hashed, and a redirect to another host goes without it.
func ExampleContextWithSecretHeaders() {
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("the other host got X-Gateway-Key %q\n", r.Header.Get("X-Gateway-Key"))
	}))
	defer elsewhere.Close()
	moved := httptest.NewServer(http.RedirectHandler(elsewhere.URL+"/v3", http.StatusFound))
	defer moved.Close()

	ctx := auth.ContextWithSecretHeaders(context.Background(), "X-Gateway-Key")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, moved.URL+"/v3", nil)
	req.Header.Set("X-Gateway-Key", "gateway-secret")
	resp, err := auth.New(nil).DoWithoutToken(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	// Output:
	// the other host got X-Gateway-Key ""
}

// A token request that Keystone redirects to another host is not sent
// there: its body holds the password. The redirect comes back as an
// *apierror.CrossOriginError.
func ExampleCrossOriginError() {
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		fmt.Println("never reached")
	}))
	defer elsewhere.Close()
	keystone := httptest.NewServer(http.RedirectHandler(elsewhere.URL+"/v3/auth/tokens", http.StatusTemporaryRedirect))
	defer keystone.Close()

	sess := auth.New(&auth.Password{AuthURL: keystone.URL + "/v3", UserID: "u1", Password: "s3cret"})
	_, err := sess.Token(context.Background())
	var coe *apierror.CrossOriginError
	if errors.As(err, &coe) {
		fmt.Println(errors.Is(err, apierror.ErrCrossOrigin), coe.StatusCode, coe.Method)
		fmt.Println(strings.TrimPrefix(coe.Target, elsewhere.URL))
	}
	// Output:
	// true 307 POST
	// /v3/auth/tokens
}
