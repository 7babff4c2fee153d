package keystonetest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

	v2 "github.com/keystone-go/keystone/gen/identityv2server"
	"github.com/keystone-go/keystone/pkg/timestamp"
)

// handlers implements the generated strict server interface on the state
// of a V2Server. Each method runs under the server's lock (see serialize),
// so that a request sees and leaves a consistent state.
type handlers struct {
	*V2Server
}

var _ v2.StrictServerInterface = (*handlers)(nil)

func (h *handlers) IssueToken(ctx context.Context, req v2.IssueTokenRequestObject) (v2.IssueTokenResponseObject, error) {
	a := req.Body.Auth
	var u *user
	expires := h.now().Add(h.opts.tokenTTL)
	parentAudit := ""
	switch {
	case a.Token != nil:
		// Rescoping keeps the original token's expiry and audit chain.
		old, err := h.validate(a.Token.ID)
		if err != nil {
			return nil, unauthorized("Could not find token: %s.", a.Token.ID)
		}
		u = old.user
		expires = old.tok.expires
		parentAudit = old.tok.auditIDs[len(old.tok.auditIDs)-1]
	case a.PasswordCredentials != nil:
		pc := a.PasswordCredentials
		switch {
		case deref(pc.UserID) != "":
			u = h.st.user(*pc.UserID)
		case deref(pc.Username) != "":
			u = h.st.userByName(*pc.Username)
		default:
			return nil, badRequest("Expecting to find username or userId in passwordCredentials - the server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.")
		}
		if u == nil || u.password == "" || u.password != pc.Password {
			return nil, unauthorized("Invalid user / password")
		}
	default:
		return nil, badRequest("Expecting to find auth in request body - the server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.")
	}
	if !u.enabled {
		return nil, unauthorized("User %s is disabled", u.id)
	}
	if a.TrustID != nil {
		return nil, forbidden("Trusts are disabled.")
	}
	var tn *tenant
	switch {
	case deref(a.TenantID) != "":
		if tn = h.st.tenant(*a.TenantID); tn == nil {
			return nil, unauthorized("Project ID not found: %s", *a.TenantID)
		}
	case deref(a.TenantName) != "":
		if tn = h.st.tenantByName(*a.TenantName); tn == nil {
			return nil, unauthorized("Could not find project: %s.", *a.TenantName)
		}
	}
	tenantID := ""
	if tn != nil {
		if !tn.enabled {
			return nil, unauthorized("Project %s is disabled", tn.id)
		}
		if len(h.st.rolesOn(u.id, tn.id)) == 0 {
			return nil, unauthorized("User %s is unauthorized for tenant %s", u.id, tn.id)
		}
		tenantID = tn.id
	}
	ss, err := h.validate(h.issue(u.id, tenantID, expires, parentAudit).id)
	if err != nil {
		return nil, err
	}
	return v2.IssueToken200JSONResponse(h.access(ss)), nil
}

// subject checks the caller may look at tokens (admin, service, or the
// token itself) and validates the token looked at.
func (h *handlers) subject(ctx context.Context, tokenID string, belongsTo *string) (*session, error) {
	caller, err := h.caller(ctx)
	if err != nil {
		return nil, err
	}
	if !caller.hasRole("admin", "service") && caller.tok.id != tokenID {
		return nil, forbidden("You are not authorized to perform the requested action: identity:validate_token.")
	}
	ss, err := h.validate(tokenID)
	if err != nil {
		return nil, err
	}
	if belongsTo != nil && (ss.tenant == nil || ss.tenant.id != *belongsTo) {
		return nil, unauthorized("Token does not belong to specified tenant.")
	}
	return ss, nil
}

func (h *handlers) ValidateToken(ctx context.Context, req v2.ValidateTokenRequestObject) (v2.ValidateTokenResponseObject, error) {
	ss, err := h.subject(ctx, req.TokenID, req.Params.BelongsTo)
	if err != nil {
		return nil, err
	}
	return v2.ValidateToken200JSONResponse(h.access(ss)), nil
}

func (h *handlers) CheckToken(ctx context.Context, req v2.CheckTokenRequestObject) (v2.CheckTokenResponseObject, error) {
	if _, err := h.subject(ctx, req.TokenID, req.Params.BelongsTo); err != nil {
		return nil, err
	}
	return v2.CheckToken200Response{}, nil
}

func (h *handlers) RevokeToken(ctx context.Context, req v2.RevokeTokenRequestObject) (v2.RevokeTokenResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	if _, ok := h.st.tokens[req.TokenID]; !ok {
		return nil, couldNotFind("token", req.TokenID)
	}
	h.st.revokeTokens(func(t *token) bool { return t.id == req.TokenID })
	return v2.RevokeToken204Response{}, nil
}

func (h *handlers) ListTokenEndpoints(ctx context.Context, req v2.ListTokenEndpointsRequestObject) (v2.ListTokenEndpointsResponseObject, error) {
	if _, err := h.requireAdmin(ctx); err != nil {
		return nil, err
	}
	ss, err := h.validate(req.TokenID)
	if err != nil {
		return nil, err
	}
	if ss.tenant == nil {
		// Keystone answers {} for a token without a catalog.
		return v2.ListTokenEndpoints200JSONResponse{}, nil
	}
	eps := []v2.TokenEndpoint{}
	for _, svc := range h.catalog(ss.tenant.id, ss.user.id) {
		for _, e := range svc.Endpoints {
			eps = append(eps, v2.TokenEndpoint{
				ID: e.ID, Name: svc.Name, Type: new(svc.Type), Region: e.Region,
				PublicURL: e.PublicURL, InternalURL: e.InternalURL, AdminURL: e.AdminURL,
			})
		}
	}
	return v2.ListTokenEndpoints200JSONResponse{Endpoints: &eps, EndpointsLinks: &[]v2.Link{}}, nil
}

// ListRevokedTokens answers the revocation list in Keystone's envelope. The
// CMS armour holds the JSON list but no signature: the fake does not sign.
func (h *handlers) ListRevokedTokens(ctx context.Context, _ v2.ListRevokedTokensRequestObject) (v2.ListRevokedTokensResponseObject, error) {
	caller, err := h.caller(ctx)
	if err != nil {
		return nil, err
	}
	if !caller.hasRole("admin", "service") {
		return nil, forbidden("You are not authorized to perform the requested action: identity:revocation_list.")
	}
	type entry struct {
		ID      string `json:"id"`
		Expires string `json:"expires"`
		AuditID string `json:"audit_id"`
	}
	revoked := []entry{}
	now := h.now()
	for _, t := range h.st.revoked {
		if t.expires.After(now) {
			revoked = append(revoked, entry{ID: t.id, Expires: timestamp.New(t.expires).String(), AuditID: t.auditIDs[0]})
		}
	}
	content, err := json.Marshal(map[string]any{"revoked": revoked})
	if err != nil {
		return nil, err
	}
	return v2.ListRevokedTokens200JSONResponse{Signed: armour("CMS", content)}, nil
}

// armour wraps data in PEM-style armour with 64-character lines.
func armour(label string, data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	b.WriteString("-----BEGIN " + label + "-----\n")
	for len(enc) > 64 {
		b.WriteString(enc[:64] + "\n")
		enc = enc[64:]
	}
	b.WriteString(enc + "\n-----END " + label + "-----\n")
	return b.String()
}

func (h *handlers) ChangeOwnPassword(ctx context.Context, req v2.ChangeOwnPasswordRequestObject) (v2.ChangeOwnPasswordResponseObject, error) {
	caller, err := h.caller(ctx)
	if err != nil {
		return nil, err
	}
	if caller.user.id != req.UserID {
		return nil, forbidden("Token belongs to another user")
	}
	if caller.user.password != req.Body.User.OriginalPassword {
		return nil, unauthorized("v2.0 password change call failed due to rejected authentication")
	}
	u := caller.user
	u.password = req.Body.User.Password
	// Keystone revokes the user's tokens and answers a new one, scoped as
	// the token of the request was.
	h.st.revokeTokens(func(t *token) bool { return t.userID == u.id })
	tenantID := ""
	if caller.tenant != nil {
		tenantID = caller.tenant.id
	}
	chain := caller.tok.auditIDs[len(caller.tok.auditIDs)-1]
	ss, err := h.validate(h.issue(u.id, tenantID, h.now().Add(h.opts.tokenTTL), chain).id)
	if err != nil {
		return nil, err
	}
	return v2.ChangeOwnPassword200JSONResponse(h.access(ss)), nil
}
