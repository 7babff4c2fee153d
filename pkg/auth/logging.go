package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keystone-go/keystone/internal/jsonbody"
	"github.com/keystone-go/keystone/internal/redact"
)

// What the debug log shows, and what it never shows.
//
// Headers that carry credentials (internal/redact, and those a context
// declares) are replaced by a short hash of their value
// ("{SHA256}1f2e3d4c5b6a7988"), as keystoneauth logs them, so that one token
// can be followed through a log without being usable from it; so is a token
// in a URL's path. In JSON and form bodies every password, secret,
// passcode, TOTP seed (a credential's blob), signature and OAuth/OIDC token
// is masked ("***"), every member named like a credential header ("Authorization" in the headers an EC2 signature covers, say)
// redacted as that header is, every token id ("token": {"id": …},
// "token": "…") hashed, and a token's catalog replaced by "<removed>".
// Bodies are logged only when small (WithLogBodyLimit) and text; JSON that
// does not parse is not logged at all, since it cannot be masked reliably,
// and XML (SAML assertions, ECP and WS-Trust envelopes: bearer credentials)
// never is, only its length and type. On top of that, the credential
// values of the exchange are scrubbed from anything logged.

const masked = redact.Masked

// hashSecret is how a token appears in the log: {SHA256} and the first 16
// hex digits of its SHA-256.
func hashSecret(v string) string { return redact.Hash(v) }

func scrub(s string, secrets []string) string { return redact.Scrub(s, secrets) }

// headerAttrs renders headers for the log, credentials redacted, in name order.
func headerAttrs(h http.Header, rules headerRules) slog.Attr {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	attrs := make([]any, 0, len(names))
	for _, name := range names {
		vals := h[name]
		if red, ok := rules.redactor(name); ok {
			vals = make([]string, len(h[name]))
			for i, v := range h[name] {
				vals[i] = red(v)
			}
		}
		attrs = append(attrs, slog.String(name, strings.Join(vals, ", ")))
	}
	return slog.Group("headers", attrs...)
}

// redactForm masks the secret fields of a form-encoded body (OAuth 1
// tokens and their secrets, OAuth 2 client secrets, ...).
func redactForm(body string) (string, bool) {
	q, err := url.ParseQuery(body)
	if err != nil || len(q) == 0 {
		return "", false
	}
	for k, vs := range q {
		lk := strings.ToLower(k)
		if redact.SecretKey(lk) || strings.Contains(lk, "token") || lk == "code" || lk == "code_verifier" {
			for i := range vs {
				vs[i] = masked
			}
		}
	}
	return q.Encode(), true
}

// looksLikeForm tells "a=1&b=2" from prose.
func looksLikeForm(s string) bool {
	return strings.Contains(s, "=") && !strings.ContainsAny(s, " \t\r\n<>{}\"")
}

// bodyForLog renders a body for the log: redacted text, or why it is left out.
func bodyForLog(contentType string, body []byte, more bool, limit int, secrets []string) string {
	if len(body) == 0 && !more {
		return ""
	}
	if more {
		return fmt.Sprintf("<not logged: larger than %d bytes>", limit)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	if !utf8.Valid(body) {
		return fmt.Sprintf("<not logged: %d bytes of binary %s>", len(body), mt)
	}
	s := string(body)
	switch {
	case jsonbody.IsJSON(mt):
		red, ok := redact.JSONBody(body)
		if !ok {
			return fmt.Sprintf("<not logged: %d bytes of malformed JSON>", len(body))
		}
		s = string(red)
	case mt == "application/x-www-form-urlencoded" || (mt == "text/plain" && looksLikeForm(strings.TrimSpace(s))):
		red, ok := redactForm(strings.TrimSpace(s))
		if !ok {
			return fmt.Sprintf("<not logged: %d bytes of malformed form data>", len(body))
		}
		s = red
	case isXML(mt):
		return xmlNotLogged(mt, int64(len(body)))
	case strings.HasPrefix(mt, "text/"):
		if strings.Contains(s, "PRIVATE KEY") {
			return fmt.Sprintf("<not logged: %d bytes holding a private key>", len(body))
		}
	default:
		return fmt.Sprintf("<not logged: Content-Type %q>", contentType)
	}
	return scrub(s, secrets)
}

// requestBody reads a copy of a request body for the log, when it is small
// enough and can be read again.
func requestBody(req *http.Request, limit int) (data []byte, more bool, ok bool) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, false, true
	}
	if req.GetBody == nil || limit <= 0 {
		return nil, false, false
	}
	if req.ContentLength > int64(limit) {
		return nil, true, true
	}
	rc, err := req.GetBody()
	if err != nil {
		return nil, false, false
	}
	defer rc.Close()
	data, err = io.ReadAll(io.LimitReader(rc, int64(limit)+1))
	if err != nil {
		return nil, false, false
	}
	if len(data) > limit {
		return nil, true, true
	}
	return data, false, true
}

func (s *Session) logRequest(ctx context.Context, req *http.Request, attempt int) {
	rules := rulesOf(ctx)
	attrs := []slog.Attr{slog.String("method", req.Method), slog.String("url", redactURL(req)), headerAttrs(req.Header, rules)}
	if attempt > 1 {
		attrs = append(attrs, slog.Int("attempt", attempt))
	}
	data, more, ok := requestBody(req, s.logBodyLimit)
	switch {
	case !ok && s.logBodyLimit > 0:
		attrs = append(attrs, slog.String("body", "<not logged: the body cannot be read twice>"))
	case len(data) > 0 || more:
		attrs = append(attrs, slog.String("body",
			bodyForLog(req.Header.Get("Content-Type"), data, more, s.logBodyLimit, requestSecrets(req, rules))))
	}
	s.logger.LogAttrs(ctx, slog.LevelDebug, "http request", attrs...)
}

// logResponse logs an answer. To log its body it reads up to the log limit
// ahead and puts what it read back in front of the rest.
func (s *Session) logResponse(ctx context.Context, req *http.Request, resp *http.Response, took time.Duration) {
	rules := rulesOf(ctx)
	attrs := []slog.Attr{slog.String("method", req.Method), slog.String("url", redactURL(req)),
		slog.Int("status", resp.StatusCode), slog.String("request_id", RequestID(resp)),
		slog.Duration("took", took), headerAttrs(resp.Header, rules)}
	if body := s.peekBody(resp); body != "" {
		secrets := append(requestSecrets(req, rules), rules.values(resp.Header)...)
		if resp.StatusCode >= 400 {
			// Keystone's validation errors quote the request.
			secrets = append(secrets, bodySecrets(req)...)
		}
		attrs = append(attrs, slog.String("body", scrub(body, secrets)))
	}
	s.logger.LogAttrs(ctx, slog.LevelDebug, "http response", attrs...)
}

func (s *Session) peekBody(resp *http.Response) string {
	limit := s.logBodyLimit
	if limit <= 0 || resp.Body == nil || resp.Body == http.NoBody || resp.ContentLength == 0 ||
		resp.Request.Method == http.MethodHead {
		return ""
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if isXML(mt) {
		// Not even read ahead: a SAML assertion or an ECP envelope is a
		// bearer credential, and no masking of XML is reliable.
		return xmlNotLogged(mt, resp.ContentLength)
	}
	if !jsonbody.IsJSON(mt) && !strings.HasPrefix(mt, "text/") && mt != "application/x-www-form-urlencoded" {
		return fmt.Sprintf("<not logged: Content-Type %q>", ct)
	}
	if resp.ContentLength > int64(limit) {
		return fmt.Sprintf("<not logged: %d bytes, larger than %d>", resp.ContentLength, limit)
	}
	buf := make([]byte, 0, min(limit+1, 4096))
	var err error
	for len(buf) <= limit && err == nil {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(limit+1, 2*cap(buf))-len(buf))
		}
		var n int
		n, err = resp.Body.Read(buf[len(buf):min(cap(buf), limit+1)])
		buf = buf[:len(buf)+n]
	}
	resp.Body = &peekedBody{buf: bytes.NewReader(buf), err: err, body: resp.Body}
	switch {
	case err == io.EOF:
		return bodyForLog(ct, buf, false, limit, nil)
	case err == nil:
		return fmt.Sprintf("<not logged: larger than %d bytes>", limit)
	default:
		return fmt.Sprintf("<not logged: reading it failed after %d bytes: %v>", len(buf), err)
	}
}

// peekedBody is an answer's body whose first bytes were read for the log:
// it gives them back, then the rest, or the error the reading met.
type peekedBody struct {
	buf  *bytes.Reader
	err  error
	body io.ReadCloser
}

func (p *peekedBody) Read(b []byte) (int, error) {
	if p.buf.Len() > 0 {
		return p.buf.Read(b)
	}
	if p.err != nil {
		return 0, p.err
	}
	return p.body.Read(b)
}

func (p *peekedBody) Close() error { return p.body.Close() }

// isXML reports whether a media type is XML (text/xml, application/xml,
// SOAP, PAOS and every other +xml). XML bodies are never logged: SAML
// assertions, ECP and WS-Trust envelopes are bearer credentials.
func isXML(mt string) bool {
	return mt == "text/xml" || mt == "application/xml" || strings.HasSuffix(mt, "+xml")
}

// xmlNotLogged is what the log shows of an XML body: its length and type.
func xmlNotLogged(mt string, length int64) string {
	if length < 0 {
		return fmt.Sprintf("<not logged: %s of unknown length>", mt)
	}
	return fmt.Sprintf("<not logged: %d bytes of %s>", length, mt)
}

// requestSecrets are the credentials a request carries in its headers and
// in its URL's path, to be scrubbed from what is shown of the exchange.
func requestSecrets(req *http.Request, rules headerRules) []string {
	return append(rules.values(req.Header), redact.PathSecrets(req.URL)...)
}

// bodySecrets are the values of a JSON or form request body that the log
// masks or hashes (passwords, secrets, blobs and the secrets inside them,
// token ids), to be scrubbed from an error answer: Keystone's validation
// and conflict messages quote what they were sent.
func bodySecrets(req *http.Request) []string {
	data, more, ok := requestBody(req, maxErrorBody)
	if !ok || more || len(data) == 0 {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	var out []string
	switch {
	case jsonbody.IsJSON(mt):
		var v any
		if json.Unmarshal(data, &v) == nil {
			collectSecrets("", v, &out)
		}
	case mt == "application/x-www-form-urlencoded":
		if q, err := url.ParseQuery(string(data)); err == nil {
			for k, vs := range q {
				if lk := strings.ToLower(k); redact.SecretKey(lk) || strings.Contains(lk, "token") {
					out = append(out, vs...)
				}
			}
		}
	}
	return out
}

// collectSecrets gathers the string values redact.JSONBody would not show.
func collectSecrets(key string, v any, out *[]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			lk := strings.ToLower(k)
			if s, ok := child.(string); ok && (redact.SecretKey(lk) || redact.IsSecretJSONMember(lk) || lk == "token" ||
				(key == "token" && lk == "id")) {
				*out = append(*out, s)
				// A credential's blob is JSON with the secret inside.
				var inner any
				if lk == "blob" && json.Unmarshal([]byte(s), &inner) == nil {
					collectSecrets(lk, inner, out)
				}
				continue
			}
			collectSecrets(lk, child, out)
		}
	case []any:
		for _, c := range t {
			collectSecrets(key, c, out)
		}
	}
}
