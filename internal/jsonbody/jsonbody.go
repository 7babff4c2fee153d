package jsonbody

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// IsJSON reports whether a Content-Type is JSON (application/json,
// application/*+json).
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// Buffer reads the body of a JSON answer in 2xx into memory and checks
// that it looks like a whole JSON document, so that decoding it later fails
// with a typed error, not a bare syntax error: a body that is not an object
// or array from end to end (an HTML page labelled JSON, a body cut short)
// becomes an *apierror.InvalidResponseError (with the answer's request id,
// method and URL), a body that breaks off an *apierror.TransportError.
// Other answers are left as they are. The body stays readable from the
// start.
//
// The full syntax check is left to the decoder that reads the body next:
// encoding/json's Unmarshal checks the whole document before it stores
// anything, so running json.Valid here as well would scan every answer
// twice (~15% of a list call's CPU time).
func Buffer(resp *http.Response) error {
	if resp == nil || resp.StatusCode < 200 || resp.StatusCode > 299 || resp.StatusCode == http.StatusNoContent ||
		resp.Body == nil || resp.Body == http.NoBody || !IsJSON(resp.Header.Get("Content-Type")) ||
		(resp.Request != nil && resp.Request.Method == http.MethodHead) {
		return nil
	}
	if _, ok := resp.Body.(*checkedJSON); ok {
		return nil
	}
	data, err := readBody(resp)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	resp.Body = &checkedJSON{Reader: bytes.NewReader(data), data: data}
	trimmed := bytes.Trim(data, " \t\r\n") // JSON's white space, not Unicode's
	if len(trimmed) == 0 && resp.ContentLength <= 0 {
		return nil
	}
	if !framedJSON(trimmed) {
		var method, u string
		if resp.Request != nil {
			method, u = resp.Request.Method, redact.URL(resp.Request.URL)
		}
		// Keystone answers objects; valid JSON of another kind (a bare
		// string, a number) is no answer either.
		var syntax error = errors.New("valid JSON, but not one object or array")
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			syntax = err
		}
		return &apierror.InvalidResponseError{StatusCode: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"),
			RequestID: apierror.RequestID(resp.Header), Method: method, URL: u, Err: syntax}
	}
	return nil
}

// readBody reads a body whole, into one buffer of the announced size when
// there is one (io.ReadAll would grow its buffer a dozen times for a
// token with a large catalog).
func readBody(resp *http.Response) ([]byte, error) {
	n := resp.ContentLength
	if n <= 0 || n >= 64<<20 {
		return io.ReadAll(resp.Body)
	}
	// io.ReadAll's loop, starting at the announced size (+1 for the read
	// that sees EOF).
	buf := make([]byte, 0, n+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := resp.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// framedJSON reports whether data (trimmed) opens and closes like one JSON
// object or array. Keystone's answers are objects; a scalar is not one.
func framedJSON(data []byte) bool {
	if len(data) < 2 {
		return false
	}
	first, last := data[0], data[len(data)-1]
	return (first == '{' && last == '}') || (first == '[' && last == ']')
}

// Check is Buffer for a body that is read once, by a decoder that
// checks the syntax itself (the generated clients: io.ReadAll, then
// json.Unmarshal): instead of buffering the body, it watches it go by, and
// when what went by was not framed as one JSON object or array (an HTML page
// labelled JSON, a body cut short), the read that would have returned
// io.EOF returns an *apierror.InvalidResponseError (with the answer's
// request id, method and URL). The generated operations all answer objects
// or arrays, so nothing valid is refused. Other answers are left as they are.
func Check(resp *http.Response) {
	if resp == nil || resp.StatusCode < 200 || resp.StatusCode > 299 || resp.StatusCode == http.StatusNoContent ||
		resp.Body == nil || resp.Body == http.NoBody || !IsJSON(resp.Header.Get("Content-Type")) ||
		(resp.Request != nil && resp.Request.Method == http.MethodHead) {
		return
	}
	switch resp.Body.(type) {
	case *checkedJSON, *framedBody:
		return
	}
	resp.Body = &framedBody{body: resp.Body, resp: resp}
}

// framedBody is a body Check watches: the first and the last byte that
// are not white space.
type framedBody struct {
	body        io.ReadCloser
	resp        *http.Response
	first, last byte
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (b *framedBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	chunk := p[:n]
	if b.first == 0 {
		for _, c := range chunk {
			if !isSpace(c) {
				b.first = c
				break
			}
		}
	}
	for i := len(chunk) - 1; i >= 0; i-- {
		if !isSpace(chunk[i]) {
			b.last = chunk[i]
			break
		}
	}
	if err != io.EOF {
		return n, err
	}
	switch {
	case b.first == '{' && b.last == '}', b.first == '[' && b.last == ']':
	case b.first == 0 && b.resp.ContentLength <= 0:
		// No body at all.
	default:
		var method, u string
		if b.resp.Request != nil {
			method, u = b.resp.Request.Method, redact.URL(b.resp.Request.URL)
		}
		return n, &apierror.InvalidResponseError{StatusCode: b.resp.StatusCode, ContentType: b.resp.Header.Get("Content-Type"),
			RequestID: apierror.RequestID(b.resp.Header), Method: method, URL: u, Err: b.syntaxError()}
	}
	return n, err
}

// syntaxError says what is wrong in the words encoding/json would use.
func (b *framedBody) syntaxError() error {
	switch b.first {
	case '{', '[':
		return errors.New("unexpected end of JSON input")
	case 0:
		return errors.New("unexpected end of JSON input (empty body)")
	}
	return fmt.Errorf("invalid character %q looking for beginning of value (not one JSON object or array)", b.first)
}

func (b *framedBody) Close() error { return b.body.Close() }

// checkedJSON marks a body Buffer has checked already.
type checkedJSON struct {
	*bytes.Reader
	data []byte
}

func (checkedJSON) Close() error { return nil }

// Bytes is the answer Buffer read and checked, while nothing has read it
// yet: a caller that wants the whole body decodes it without another copy.
func Bytes(resp *http.Response) ([]byte, bool) {
	c, ok := resp.Body.(*checkedJSON)
	if !ok || c.Len() != len(c.data) {
		return nil, false
	}
	return c.data, true
}
