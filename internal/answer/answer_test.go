package answer

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/keystone-go/keystone/pkg/apierror"
)

func answerOf(status int) *http.Response {
	u, _ := url.Parse("https://keystone.example/v3/projects?name=x")
	return &http.Response{StatusCode: status, Header: http.Header{"X-Openstack-Request-Id": {"req-9"}},
		Request: &http.Request{Method: http.MethodGet, URL: u}}
}

func TestUnexpected(t *testing.T) {
	err := Unexpected(answerOf(http.StatusConflict), []byte(`{"error":{"code":409,"title":"Conflict","message":"dup"}}`))
	var apiErr *apierror.Error
	assert.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, apierror.ErrConflict)
	assert.Equal(t, "dup", apiErr.Message)
	assert.Equal(t, "req-9", apiErr.RequestID)

	err = Unexpected(answerOf(http.StatusAccepted), nil)
	var invalid *apierror.InvalidResponseError
	assert.ErrorAs(t, err, &invalid)
	assert.ErrorIs(t, err, apierror.ErrInvalidResponse)
	assert.Equal(t, http.StatusAccepted, invalid.StatusCode)
	assert.Equal(t, "req-9", invalid.RequestID)
}

func TestAbsent(t *testing.T) {
	ok, err := Absent(Unexpected(answerOf(http.StatusNotFound), nil))
	assert.False(t, ok)
	assert.NoError(t, err)
	ok, err = Absent(Unexpected(answerOf(http.StatusForbidden), nil))
	assert.False(t, ok)
	assert.ErrorIs(t, err, apierror.ErrForbidden)
	boom := errors.New("boom")
	_, err = Absent(boom)
	assert.Equal(t, boom, err)
}
