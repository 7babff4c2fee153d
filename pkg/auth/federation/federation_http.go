package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"strings"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/internal/netfail"
	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/auth"
)

// The federation plugins talk to parties other than Keystone — an OpenID
// Connect provider, a SAML identity provider, the web server (Shibboleth,
// ADFS relying party) in front of Keystone — and some of those exchanges
// must be seen whole: an OAuth 2.0 error body says whether to keep polling,
// a SOAP fault says why a login failed, and a SAML service provider answers
// with a redirect and a session cookie that the next request must carry.
// The Doer a Session hands to plugins turns such answers into errors and
// follows redirects itself, so these exchanges go through rawClient
// instead: the Session's own *http.Client (its transport, TLS settings and
// timeout), following no redirect and keeping cookies for one login only.

// maxFederationAnswer bounds what is read of any answer of an identity
// provider or service provider (SAML responses with certificates are a
// few kB; 4 MiB leaves room for the largest metadata-laden ones).
const maxFederationAnswer = 4 << 20

// rawClient is an HTTP client that sends like client (the Doer a plugin
// was given) but hands back every answer as it is, follows no redirect,
// and keeps the cookies of one login in a jar of its own.
func rawClient(client auth.Doer) (*http.Client, error) {
	var base *http.Client
	switch c := client.(type) {
	case interface{ Session() *auth.Session }:
		if err := c.Session().Err(); err != nil {
			return nil, err
		}
		base = c.Session().HTTPClient()
	case interface{ HTTPClient() *http.Client }:
		base = c.HTTPClient()
	case *http.Client:
		base = c
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	out := &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if base != nil {
		out.Transport, out.Timeout = base.Transport, base.Timeout
	} else {
		out.Transport = doerTransport{client}
	}
	return out, nil
}

// doerTransport sends through a Doer that is neither a Session nor an
// *http.Client. Such a Doer may turn answers outside 2xx into errors; an
// *apierror.Error is turned back into an answer with its status, headers
// and message, which is as much of it as is left. A Doer that follows
// redirects itself loses the cookies set by the hops in between, which
// the SAML flows need.
type doerTransport struct{ d auth.Doer }

func (t doerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.d.Do(req)
	var apiErr *apierror.Error
	if errors.As(err, &apiErr) {
		h := apiErr.Header.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Del("Content-Length")
		return &http.Response{StatusCode: apiErr.StatusCode, Status: http.StatusText(apiErr.StatusCode),
			Header: h, Body: io.NopCloser(strings.NewReader(apiErr.Message)), Request: req,
			ContentLength: int64(len(apiErr.Message))}, nil
	}
	return resp, err
}

// fedUserAgent is the User-Agent of the requests rawClient sends.
var fedUserAgent = "keystone-go/" + auth.Version

// fedExchange is one request through a raw client: the answer's body is read
// whole (bounded) and closed.
type fedExchange struct {
	resp *http.Response
	body []byte
}

func fedSend(c *http.Client, req *http.Request) (*fedExchange, error) {
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", fedUserAgent)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, &apierror.TransportError{Kind: netfail.Kind(err), Method: req.Method, URL: redact.URL(req.URL), Err: netfail.Cause(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFederationAnswer+1))
	if err != nil {
		return nil, &apierror.TransportError{Kind: apierror.ErrIncompleteBody, Method: req.Method, URL: redact.URL(req.URL), Err: err}
	}
	if len(body) > maxFederationAnswer {
		return nil, &apierror.TransportError{Kind: apierror.ErrResponseTooLarge, Method: req.Method, URL: redact.URL(req.URL),
			Err: fmt.Errorf("the answer is larger than %d bytes", maxFederationAnswer)}
	}
	return &fedExchange{resp: resp, body: body}, nil
}

// err is the typed error of an answer outside 2xx and 3xx, or nil.
func (x *fedExchange) err() error {
	if x.resp.StatusCode < 400 {
		return nil
	}
	return auth.ResponseError(x.resp.Request, x.resp, x.body)
}

// mediaType is the answer's Content-Type without parameters, lower case.
func (x *fedExchange) mediaType() string {
	mt, _, err := mime.ParseMediaType(x.resp.Header.Get("Content-Type"))
	if err != nil {
		return strings.ToLower(strings.TrimSpace(x.resp.Header.Get("Content-Type")))
	}
	return mt
}

func fedRequest(ctx context.Context, method, url string, body []byte) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %q: %w", apierror.ErrInvalidConfig, method, url, err)
	}
	return req, nil
}

// tokenAnswer reads the answer that ends a federated login: Keystone's
// token (201, or 200) with X-Subject-Token. base is the v3 root of the
// Keystone that issued it.
func (x *fedExchange) tokenAnswer(base string) (*auth.AccessInfo, error) {
	if err := x.err(); err != nil {
		return nil, err
	}
	if x.resp.StatusCode != http.StatusCreated && x.resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s %s answered %d (Content-Type %q) where a token was expected",
			apierror.ErrInvalidResponse, x.resp.Request.Method, redact.URL(x.resp.Request.URL), x.resp.StatusCode, x.resp.Header.Get("Content-Type"))
	}
	var env identityv3.TokenEnvelope
	if err := json.Unmarshal(x.body, &env); err != nil {
		return nil, &apierror.InvalidResponseError{StatusCode: x.resp.StatusCode, ContentType: x.resp.Header.Get("Content-Type"),
			RequestID: apierror.RequestID(x.resp.Header), Method: x.resp.Request.Method, URL: redact.URL(x.resp.Request.URL), Err: err}
	}
	a, err := auth.AccessInfoFromBody(x.resp.Header.Get("X-Subject-Token"), x.body, base)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// jsonObject decodes a JSON object into v; anything else (an HTML page, a
// list, null) is an error.
func jsonObject(data []byte, v any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return errors.New("not a JSON object")
	}
	return json.Unmarshal(data, v)
}
