package jsonbody_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keystone-go/keystone/internal/jsonbody"
	"github.com/keystone-go/keystone/pkg/apierror"
)

func ExampleBuffer() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Openstack-Request-Id", "req-7")
		fmt.Fprint(w, `{"projects":[{"id":`) // cut short by a broken proxy
	}))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/v3/projects")
	if err != nil {
		panic(err)
	}
	err = jsonbody.Buffer(resp)
	var invalid *apierror.InvalidResponseError
	fmt.Println(errors.As(err, &invalid), invalid.RequestID)
	// Output: true req-7
}
