package answer

import (
	"errors"
	"net/http"

	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// errUndocumented is the reason of a 2xx answer the operation does not
// document (a status or a content type the spec does not give it).
var errUndocumented = errors.New("not an answer the operation documents")

// Unexpected is the error for an answer the typed method cannot return.
func Unexpected(resp *http.Response, body []byte) error {
	if resp == nil {
		return &apierror.InvalidResponseError{Err: errUndocumented}
	}
	method, url := request(resp)
	if resp.StatusCode/100 != 2 {
		return apierror.FromResponse(resp, method, url, body)
	}
	return Invalid(resp, errUndocumented)
}

// Invalid is the error for a 2xx answer whose body could not be read as
// the operation documents it.
func Invalid(resp *http.Response, err error) error {
	method, url := request(resp)
	return &apierror.InvalidResponseError{StatusCode: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"),
		RequestID: apierror.RequestID(resp.Header), Method: method, URL: url, Err: err}
}

// Absent is a HEAD check's outcome for err: a 404 means the thing checked
// is absent (false, and no error); any other error is returned.
func Absent(err error) (bool, error) {
	if errors.Is(err, apierror.ErrNotFound) {
		return false, nil
	}
	return false, err
}

func request(resp *http.Response) (method, url string) {
	if resp.Request == nil || resp.Request.URL == nil {
		return "", ""
	}
	return resp.Request.Method, redact.URL(resp.Request.URL)
}
