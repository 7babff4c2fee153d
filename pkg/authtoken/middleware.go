package authtoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/keystone-go/keystone/pkg/auth"
)

// Status values of X-Identity-Status and X-Service-Identity-Status.
const (
	StatusConfirmed = "Confirmed"
	StatusInvalid   = "Invalid"
)

// identityHeaders are the X-*-{Domain,Project,User}-* headers, by their
// AccessInfo getter, that keystonemiddleware sets for the user (prefix
// "X-") and the service token ("X-Service-").
var identityHeaders = []struct {
	suffix string
	get    func(*auth.AccessInfo) string
}{
	{"Domain-Id", (*auth.AccessInfo).DomainID},
	{"Domain-Name", (*auth.AccessInfo).DomainName},
	{"Project-Id", (*auth.AccessInfo).ProjectID},
	{"Project-Name", (*auth.AccessInfo).ProjectName},
	{"Project-Domain-Id", (*auth.AccessInfo).ProjectDomainID},
	{"Project-Domain-Name", (*auth.AccessInfo).ProjectDomainName},
	{"User-Id", (*auth.AccessInfo).UserID},
	{"User-Name", (*auth.AccessInfo).Username},
	{"User-Domain-Id", (*auth.AccessInfo).UserDomainID},
	{"User-Domain-Name", (*auth.AccessInfo).UserDomainName},
}

// deprecatedHeaders are keystonemiddleware's old names, copied from the new.
var deprecatedHeaders = [][2]string{
	{"X-Role", "X-Roles"},
	{"X-User", "X-User-Name"},
	{"X-Tenant-Id", "X-Project-Id"},
	{"X-Tenant-Name", "X-Project-Name"},
	{"X-Tenant", "X-Project-Name"},
}

const (
	headerServiceCatalog = "X-Service-Catalog"
	headerIdentityStatus = "X-Identity-Status"
	headerServiceStatus  = "X-Service-Identity-Status"
	headerAdminProject   = "X-Is-Admin-Project"
	headerSystemScope    = "OpenStack-System-Scope"
)

// AuthHeaders lists every header the middleware sets, which it removes
// from each request first so that no client can claim an identity:
// keystonemiddleware's _all_auth_headers, and OpenStack-System-Scope,
// which keystonemiddleware overwrites only on requests it confirms.
func AuthHeaders() []string {
	h := []string{headerServiceCatalog, headerIdentityStatus, headerServiceStatus, headerAdminProject, headerSystemScope}
	for _, d := range deprecatedHeaders {
		h = append(h, d[0])
	}
	for _, prefix := range []string{"X-", "X-Service-"} {
		for _, ih := range identityHeaders {
			h = append(h, prefix+ih.suffix)
		}
		h = append(h, prefix+"Roles")
	}
	return h
}

var authHeaders = AuthHeaders()

// Result is what the middleware learnt of a request, on its context
// (FromContext).
type Result struct {
	// User is the validated user token; nil when UserStatus is Invalid.
	User *auth.AccessInfo
	// UserStatus is X-Identity-Status: Confirmed or Invalid.
	UserStatus string
	// Service is the validated service token (X-Service-Token), nil when
	// there was none or it was not accepted.
	Service *auth.AccessInfo
	// ServiceStatus is X-Service-Identity-Status: "" without a service
	// token, Confirmed or Invalid with one.
	ServiceStatus string
	// Err says why the user token was refused, or that it could not be
	// validated (ErrUnavailable, with delay_auth_decision).
	Err error
}

type contextKey struct{}

// FromContext returns what the middleware put on a request's context.
func FromContext(ctx context.Context) (*Result, bool) {
	r, ok := ctx.Value(contextKey{}).(*Result)
	return r, ok
}

// NewContext returns ctx carrying r (for tests of handlers behind the
// middleware).
func NewContext(ctx context.Context, r *Result) context.Context {
	return context.WithValue(ctx, contextKey{}, r)
}

// Middleware is keystonemiddleware's auth_token for net/http: it removes
// the identity headers a client sent, validates X-Auth-Token (or
// X-Storage-Token) and X-Service-Token, enforces application-credential
// access rules, and then either refuses the request (401 with
// WWW-Authenticate, or 503 when Keystone cannot be asked) or passes it on
// with the identity on its context (FromContext) and in the headers
// keystonemiddleware sets. With delay_auth_decision every request is passed
// on, an unconfirmed one marked X-Identity-Status: Invalid. Any 401 the
// service answers gets the WWW-Authenticate header too.
func (v *Validator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, h := range authHeaders {
			r.Header.Del(h)
		}
		res, unavailable := v.authenticate(r)
		if unavailable && !v.cfg.DelayAuthDecision {
			writeError(w, http.StatusServiceUnavailable, "Service Unavailable",
				"The Keystone service is temporarily unavailable.", "")
			return
		}
		confirmed := res.UserStatus == StatusConfirmed && (res.ServiceStatus == "" || res.ServiceStatus == StatusConfirmed)
		if !confirmed && !v.cfg.DelayAuthDecision {
			writeError(w, http.StatusUnauthorized, "Unauthorized",
				"The request you have made requires authentication.", v.wwwAuthenticate(r.Context()))
			return
		}
		r.Header.Set(headerIdentityStatus, res.UserStatus)
		if res.ServiceStatus != "" {
			r.Header.Set(headerServiceStatus, res.ServiceStatus)
		}
		if res.User != nil {
			v.setUserHeaders(r.Header, res.User)
		}
		if res.Service != nil {
			setIdentityHeaders(r.Header, "X-Service-", res.Service)
		}
		r = r.WithContext(NewContext(r.Context(), res))
		next.ServeHTTP(&challengeWriter{ResponseWriter: w, v: v, ctx: r.Context()}, r)
	})
}

// authenticate validates the request's tokens as keystonemiddleware's
// process_request does; unavailable reports that Keystone could not be
// asked about one of them.
func (v *Validator) authenticate(r *http.Request) (res *Result, unavailable bool) {
	ctx := r.Context()
	res = &Result{UserStatus: StatusInvalid}
	allowExpired := false
	serviceToken := r.Header.Get("X-Service-Token")
	if serviceToken != "" {
		res.ServiceStatus = StatusInvalid
		a, err := v.Validate(ctx, serviceToken)
		switch {
		case errors.Is(err, ErrUnavailable):
			if !v.cfg.DelayAuthDecision {
				return res, true // 503 at once, as keystonemiddleware
			}
			unavailable = true
		case err != nil:
			v.logger.InfoContext(ctx, "authtoken: invalid service token", "error", err)
		default:
			roleOK := v.hasServiceRole(a)
			if roleOK || !v.cfg.ServiceTokenRolesRequired {
				res.ServiceStatus, res.Service = StatusConfirmed, a
			}
			if !roleOK && !v.cfg.ServiceTokenRolesRequired {
				v.warnOnce.Do(func() {
					v.logger.WarnContext(ctx, "authtoken: a valid token without a service_token_roles role was "+
						"accepted as a service token (service_token_roles_required is false)")
				})
			}
			// Only a service token with a service role may pass an expired user token.
			allowExpired = roleOK
		}
	}
	userToken := r.Header.Get("X-Auth-Token")
	if userToken == "" {
		userToken = r.Header.Get("X-Storage-Token")
	}
	if userToken == "" {
		res.Err = errors.New("authtoken: no X-Auth-Token")
		return res, unavailable
	}
	var opts []ValidateOption
	if allowExpired {
		opts = append(opts, AllowExpired())
	}
	a, err := v.Validate(ctx, userToken, opts...)
	if err == nil {
		if ok, why := accessRulesAllow(a, v.cfg.ServiceType, r.Method, r.URL.EscapedPath(), res.ServiceStatus == StatusConfirmed); !ok {
			v.logger.InfoContext(ctx, "authtoken: request refused by the token's access rules", "reason", why)
			err = fmt.Errorf("%w: %s", ErrInvalidToken, why)
		}
	}
	switch {
	case errors.Is(err, ErrUnavailable):
		unavailable = true
		res.Err = err
	case err != nil:
		v.logger.InfoContext(ctx, "authtoken: invalid user token", "error", err)
		res.Err = err
	default:
		res.User, res.UserStatus = a, StatusConfirmed
	}
	return res, unavailable
}

func (v *Validator) setUserHeaders(h http.Header, a *auth.AccessInfo) {
	setIdentityHeaders(h, "X-", a)
	if a.SystemScoped() {
		h.Set(headerSystemScope, "all")
	}
	if a.IsAdminProject() {
		h.Set(headerAdminProject, "True")
	} else {
		h.Set(headerAdminProject, "False")
	}
	for _, d := range deprecatedHeaders {
		if val := h.Get(d[1]); val != "" {
			h.Set(d[0], val)
		}
	}
	if v.cfg.IncludeServiceCatalog && a.Body != nil && len(a.Body.Catalog) > 0 {
		if c, err := json.Marshal(v2Catalog(a)); err == nil {
			h.Set(headerServiceCatalog, string(c))
		}
	}
}

func setIdentityHeaders(h http.Header, prefix string, a *auth.AccessInfo) {
	h.Set(prefix+"Roles", strings.Join(a.RoleNames(), ","))
	for _, ih := range identityHeaders {
		if val := ih.get(a); val != "" {
			h.Set(prefix+ih.suffix, val)
		}
	}
}

// v2Catalog is keystonemiddleware's _normalize_catalog: X-Service-Catalog
// carries the v3 catalog in the v2.0 shape services parse (endpoints
// grouped by region, publicURL/internalURL/adminURL).
func v2Catalog(a *auth.AccessInfo) []map[string]any {
	out := make([]map[string]any, 0, len(a.Body.Catalog))
	for _, s := range a.Body.Catalog {
		svc := map[string]any{"type": deref(s.Type)}
		if s.Name != nil {
			svc["name"] = *s.Name
		}
		var order []string
		regions := map[string]map[string]any{}
		for _, e := range s.Endpoints {
			region := deref(e.Region)
			r, ok := regions[region]
			if !ok {
				r = map[string]any{}
				if region != "" {
					r["region"] = region
				}
				regions[region] = r
				order = append(order, region)
			}
			r[strings.ToLower(deref(e.Interface))+"URL"] = e.URL
		}
		eps := make([]map[string]any, 0, len(order))
		for _, region := range order {
			eps = append(eps, regions[region])
		}
		svc["endpoints"] = eps
		out = append(out, svc)
	}
	return out
}

func writeError(w http.ResponseWriter, code int, title, message, challenge string) {
	if challenge != "" {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "title": title, "message": message}})
}

// challengeWriter adds WWW-Authenticate to a 401 the service answers, as
// keystonemiddleware's process_response does.
type challengeWriter struct {
	http.ResponseWriter
	v           *Validator
	ctx         context.Context
	wroteHeader bool
}

func (c *challengeWriter) WriteHeader(code int) {
	if !c.wroteHeader {
		c.wroteHeader = true
		if code == http.StatusUnauthorized {
			c.Header().Add("WWW-Authenticate", c.v.wwwAuthenticate(c.ctx))
		}
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *challengeWriter) Write(b []byte) (int, error) {
	if !c.wroteHeader {
		c.WriteHeader(http.StatusOK)
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the server's writer (Flush,
// Hijack, deadlines).
func (c *challengeWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
