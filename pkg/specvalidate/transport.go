package specvalidate

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
)

// Transport is an http.RoundTripper that checks every exchange against the
// spec: the request before it is sent (unless SkipRequests) and the answer.
//
// With Report set, a mismatch is reported and the exchange goes on
// unchanged. With Report nil, the round trip fails: a request that differs
// from the spec is not sent, and an answer that differs is closed; RoundTrip
// returns the mismatch (an *Error, or several joined), which http.Client
// wraps in a *url.Error that errors.As sees through.
type Transport struct {
	// Next sends the requests; nil is http.DefaultTransport.
	Next http.RoundTripper
	// Validator checks the exchanges; it must be set.
	Validator *Validator
	// Report receives each mismatch with the request's context; see
	// LogMismatches for one that writes to a slog.Logger.
	Report func(ctx context.Context, err error)
	// SkipRequests checks answers only: for callers that send requests
	// the spec refuses on purpose, to see the server refuse them.
	SkipRequests bool
}

// LogMismatches returns a Report function that logs each mismatch to
// logger at warning level, one record per *Error, with its fields as
// attributes.
func LogMismatches(logger *slog.Logger) func(context.Context, error) {
	return func(ctx context.Context, err error) {
		for _, e := range Errors(err) {
			logger.LogAttrs(ctx, slog.LevelWarn, "the exchange differs from the Identity API spec",
				slog.String("operation", e.Operation), slog.String("method", e.Method),
				slog.String("path", e.Path), slog.Int("status", e.Status), slog.String("in", e.In),
				slog.String("pointer", e.Pointer), slog.String("expected", e.Expected))
		}
	}
}

// RoundTrip checks req, sends it, and checks the answer.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if t.Validator == nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, errNoValidator
	}
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	if !t.SkipRequests {
		body, sent, err := requestBody(req)
		if err != nil {
			return nil, err
		}
		req = sent
		if err := t.Validator.ValidateRequest(ctx, req, body); err != nil {
			if t.Report == nil {
				if req.Body != nil {
					_ = req.Body.Close() // RoundTrip must close it, even on error
				}
				return nil, err
			}
			t.Report(ctx, err)
		}
	}
	resp, err := next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, readErr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if readErr != nil {
		// The caller sees the short body and the error reading it.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{readErr}))
		return resp, nil
	}
	if err := t.Validator.ValidateResponse(ctx, req, resp.StatusCode, resp.Header, body); err != nil {
		if t.Report == nil {
			return nil, err
		}
		t.Report(ctx, err)
	}
	return resp, nil
}

// requestBody reads a copy of the request's body without consuming it:
// through GetBody when the request has one (http.NewRequest sets it for
// in-memory bodies), else by reading it into a copy of the request to send
// (a RoundTripper must not modify the caller's request).
func requestBody(req *http.Request) ([]byte, *http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, req, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, nil, err
		}
		defer rc.Close()
		body, err := io.ReadAll(rc)
		return body, req, err
	}
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, nil, errors.Join(errors.New("specvalidate: reading the request body"), err)
	}
	sent := req.Clone(req.Context())
	sent.Body = io.NopCloser(bytes.NewReader(body))
	sent.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return body, sent, nil
}

var errNoValidator = errors.New("specvalidate: Transport has no Validator")

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
