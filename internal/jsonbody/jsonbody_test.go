package jsonbody

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuffer(t *testing.T) {
	mk := func(status int, ct, body string) *http.Response {
		req := httptest.NewRequest(http.MethodGet, "http://k/v3/x?token=secret", nil)
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {ct}, "X-Openstack-Request-Id": {"req-j"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: req, ContentLength: -1}
	}
	resp := mk(200, "application/json; charset=utf-8", `{"a":1}`)
	require.NoError(t, Buffer(resp))
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, `{"a":1}`, string(b))
	require.NoError(t, Buffer(mk(200, "text/plain", `{"a":`)), "not JSON by its type: left alone")
	require.NoError(t, Buffer(mk(404, "application/json", `{"a":`)), "errors are not its business")
	require.NoError(t, Buffer(mk(200, "application/json", ``)), "an empty body is no body")
	err := Buffer(mk(200, "application/vnd.openstack.identity-v3+json", `{"a":`))
	var ir *apierror.InvalidResponseError
	require.True(t, errors.As(err, &ir))
	assert.Equal(t, "req-j", ir.RequestID)
	assert.Equal(t, "http://k/v3/x?token=%2A%2A%2A", ir.URL)
}

// FuzzCheck reads any 2xx body through Check, in one piece and a
// byte at a time: a valid JSON object or array always reads whole, and
// anything refused is refused with a typed error, at the end of the body.
func FuzzCheck(f *testing.F) {
	f.Add([]byte(`{"token":{"methods":["password"],"user":{"id":"u1"},"catalog":[{"endpoints":[{"url":"http://k/v3"}]}]}}`))
	f.Add([]byte(" [1,2] \n"))
	f.Add([]byte(`<html>down</html>`))
	f.Add([]byte(`{"projects":[`))
	f.Add([]byte(` "x" `))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = bytes.NewReader(body)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			resp := &http.Response{StatusCode: http.StatusOK, ContentLength: int64(len(body)),
				Header: http.Header{"Content-Type": {"application/json"}},
				Body:   io.NopCloser(r), Request: &http.Request{Method: http.MethodGet}}
			Check(resp)
			got, err := io.ReadAll(resp.Body)
			if !bytes.Equal(got, body) {
				t.Fatalf("the body changed on the way: %q became %q", body, got)
			}
			trimmed := bytes.Trim(body, " \t\r\n")
			whole := json.Valid(trimmed) && len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
			switch {
			case err == nil && len(trimmed) > 0 && !whole && json.Valid(trimmed):
				t.Fatalf("valid JSON that is no object or array passed: %q", body)
			case err != nil && whole:
				t.Fatalf("a valid JSON object or array refused: %v", err)
			case err != nil && !errors.Is(err, apierror.ErrInvalidResponse):
				t.Fatalf("untyped error %v", err)
			}
		}
	})
}
