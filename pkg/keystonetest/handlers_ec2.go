package keystonetest

import (
	"context"
	"slices"
	"strings"
	"time"

	v2 "github.com/keystone-go/keystone/gen/identityv2server"
	"github.com/keystone-go/keystone/pkg/timestamp"
)

// ec2AuthTTL is Keystone's [credential] auth_ttl: how old the Timestamp of
// a signed request may be.
const ec2AuthTTL = 15 * time.Minute

// IssueEC2Token checks a signed EC2 request. Like the Keystone releases
// that served v2.0, it does not look at X-Auth-Token.
func (h *handlers) IssueEC2Token(_ context.Context, req v2.IssueEC2TokenRequestObject) (v2.IssueEC2TokenResponseObject, error) {
	sig := req.Body.Credentials
	if sig == nil {
		sig = req.Body.Ec2Credentials
	}
	if sig == nil {
		return nil, badRequest("Expecting to find credentials in request body.")
	}
	c := h.st.ec2[sig.Access]
	if c == nil {
		return nil, unauthorized("EC2 access key not found.")
	}
	var params map[string]string
	if sig.Params != nil {
		params = *sig.Params
	}
	if !checkEC2Signature(c.secret, sig.Signature, deref(sig.Verb), deref(sig.Host), deref(sig.Path), params) {
		return nil, unauthorized("Invalid EC2 signature.")
	}
	if ts, ok := params["Timestamp"]; ok {
		t, err := timestamp.Parse(ts)
		if err != nil {
			return nil, unauthorized("Credential timestamp is invalid: %v", err)
		}
		if h.now().After(t.Add(ec2AuthTTL)) {
			return nil, unauthorized("Credential is expired")
		}
	}
	u, tn := h.st.user(c.userID), h.st.tenant(c.tenantID)
	if u == nil || tn == nil || !u.enabled || !tn.enabled {
		return nil, unauthorized("The user or tenant of the credential is disabled or gone.")
	}
	if len(h.st.rolesOn(u.id, tn.id)) == 0 {
		return nil, unauthorized("User not valid for tenant.")
	}
	ss, err := h.validate(h.issue(u.id, tn.id, h.now().Add(h.opts.tokenTTL), "").id)
	if err != nil {
		return nil, err
	}
	return v2.IssueEC2Token200JSONResponse(h.access(ss)), nil
}

// credentialUser is the user whose credentials a call names: the caller
// must be an admin or that user (403), and the user must exist (404).
func (s *V2Server) credentialUser(ctx context.Context, userID string) (*user, error) {
	if _, err := s.requireAdminOrUser(ctx, userID); err != nil {
		return nil, err
	}
	u := s.st.user(userID)
	if u == nil {
		return nil, couldNotFind("user", userID)
	}
	return u, nil
}

func (h *handlers) ListEC2Credentials(ctx context.Context, req v2.ListEC2CredentialsRequestObject) (v2.ListEC2CredentialsResponseObject, error) {
	if _, err := h.credentialUser(ctx, req.UserID); err != nil {
		return nil, err
	}
	out := []v2.EC2Credential{}
	for _, c := range h.ec2Of(req.UserID) {
		out = append(out, ec2Out(c))
	}
	return v2.ListEC2Credentials200JSONResponse{Credentials: out}, nil
}

// ec2Of lists a user's EC2 credentials in a stable order.
func (s *V2Server) ec2Of(userID string) []*ec2Credential {
	var out []*ec2Credential
	for _, c := range s.st.ec2 {
		if c.userID == userID {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *ec2Credential) int { return strings.Compare(a.access, b.access) })
	return out
}

func (h *handlers) CreateEC2Credential(ctx context.Context, req v2.CreateEC2CredentialRequestObject) (v2.CreateEC2CredentialResponseObject, error) {
	if _, err := h.credentialUser(ctx, req.UserID); err != nil {
		return nil, err
	}
	if h.st.tenant(req.Body.TenantID) == nil {
		return nil, couldNotFind("project", req.Body.TenantID)
	}
	c := &ec2Credential{access: newID(), secret: newID(), userID: req.UserID, tenantID: req.Body.TenantID}
	h.st.ec2[c.access] = c
	return v2.CreateEC2Credential200JSONResponse{Credential: ec2Out(c)}, nil
}

// ec2Credential finds a user's credential for a caller that may see it (as
// credentialUser); Keystone answers 401 for an access key it does not know.
func (s *V2Server) ec2Credential(ctx context.Context, userID, access string) (*ec2Credential, error) {
	if _, err := s.credentialUser(ctx, userID); err != nil {
		return nil, err
	}
	c := s.st.ec2[access]
	if c == nil || c.userID != userID {
		return nil, unauthorized("EC2 access key not found.")
	}
	return c, nil
}

func (h *handlers) GetEC2Credential(ctx context.Context, req v2.GetEC2CredentialRequestObject) (v2.GetEC2CredentialResponseObject, error) {
	c, err := h.ec2Credential(ctx, req.UserID, req.CredentialID)
	if err != nil {
		return nil, err
	}
	return v2.GetEC2Credential200JSONResponse{Credential: ec2Out(c)}, nil
}

func (h *handlers) DeleteEC2Credential(ctx context.Context, req v2.DeleteEC2CredentialRequestObject) (v2.DeleteEC2CredentialResponseObject, error) {
	c, err := h.ec2Credential(ctx, req.UserID, req.CredentialID)
	if err != nil {
		return nil, err
	}
	delete(h.st.ec2, c.access)
	return v2.DeleteEC2Credential204Response{}, nil
}

// The OS-KSADM credential calls of the api-ref. Keystone never served them;
// the fake keeps, per user, the password credential it knows and at most one
// OS-KSEC2-ec2Credentials entry, and never returns a password.

const (
	credTypePassword = "passwordCredentials"
	credTypeEC2      = "OS-KSEC2-ec2Credentials"
)

func (s *V2Server) userCredentials(u *user, credType string) []v2.UserCredential {
	out := []v2.UserCredential{}
	if credType == "" || credType == credTypePassword {
		out = append(out, v2.UserCredential{PasswordCredentials: &v2.UserPasswordCredential{Username: new(u.name)}})
	}
	if c := s.st.ksec2[u.id]; c != nil && (credType == "" || credType == credTypeEC2 || credType == "ec2Credentials") {
		out = append(out, v2.UserCredential{EC2Credentials: new(ksec2Out(c))})
	}
	return out
}

func ksec2Out(c *ksec2Credentials) v2.KSEC2Credentials {
	return v2.KSEC2Credentials{Username: optional(c.username), Secret: optional(c.secret), Signature: optional(c.signature)}
}

func ksec2In(in v2.KSEC2Credentials) *ksec2Credentials {
	return &ksec2Credentials{username: deref(in.Username), secret: deref(in.Secret), signature: deref(in.Signature)}
}

func (h *handlers) ListUserCredentials(ctx context.Context, req v2.ListUserCredentialsRequestObject) (v2.ListUserCredentialsResponseObject, error) {
	u, err := h.credentialUser(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	return v2.ListUserCredentials200JSONResponse{Credentials: h.userCredentials(u, ""), CredentialsLinks: &[]v2.Link{}}, nil
}

func (h *handlers) ListUserCredentialsByType(ctx context.Context, req v2.ListUserCredentialsByTypeRequestObject) (v2.ListUserCredentialsByTypeResponseObject, error) {
	u, err := h.credentialUser(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	return v2.ListUserCredentialsByType200JSONResponse{
		Credentials:      h.userCredentials(u, req.CredentialType),
		CredentialsLinks: &[]v2.Link{},
	}, nil
}

func (h *handlers) AddUserCredential(ctx context.Context, req v2.AddUserCredentialRequestObject) (v2.AddUserCredentialResponseObject, error) {
	u, err := h.credentialUser(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	in := req.Body
	switch {
	case in.EC2Credentials != nil:
		if h.st.ksec2[u.id] != nil {
			return nil, conflict("The user already has EC2 credentials.")
		}
		c := ksec2In(*in.EC2Credentials)
		h.st.ksec2[u.id] = c
		return v2.AddUserCredential201JSONResponse{EC2Credentials: new(ksec2Out(c))}, nil
	case in.PasswordCredentials != nil && in.PasswordCredentials.Password != nil:
		// Granting a password credential sets the user's password.
		u.password = *in.PasswordCredentials.Password
		h.st.revokeTokens(func(t *token) bool { return t.userID == u.id })
		return v2.AddUserCredential201JSONResponse{
			PasswordCredentials: &v2.UserPasswordCredential{Username: new(u.name)},
		}, nil
	}
	return nil, badRequest("Expecting a password (passwordCredentials) or OS-KSEC2-ec2Credentials.")
}

// userEC2 is the user's OS-KSEC2-ec2Credentials entry, for a caller that
// may see it (as credentialUser); 404 when the user has none.
func (s *V2Server) userEC2(ctx context.Context, userID string) (*user, *ksec2Credentials, error) {
	u, err := s.credentialUser(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	c := s.st.ksec2[u.id]
	if c == nil {
		return nil, nil, couldNotFind("credential", credTypeEC2)
	}
	return u, c, nil
}

func (h *handlers) GetUserEC2Credentials(ctx context.Context, req v2.GetUserEC2CredentialsRequestObject) (v2.GetUserEC2CredentialsResponseObject, error) {
	_, c, err := h.userEC2(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	return v2.GetUserEC2Credentials200JSONResponse{EC2Credentials: ksec2Out(c)}, nil
}

func (h *handlers) UpdateUserEC2Credentials(ctx context.Context, req v2.UpdateUserEC2CredentialsRequestObject) (v2.UpdateUserEC2CredentialsResponseObject, error) {
	u, _, err := h.userEC2(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	c := ksec2In(req.Body.EC2Credentials)
	h.st.ksec2[u.id] = c
	return v2.UpdateUserEC2Credentials200JSONResponse{EC2Credentials: ksec2Out(c)}, nil
}

func (h *handlers) DeleteUserEC2Credentials(ctx context.Context, req v2.DeleteUserEC2CredentialsRequestObject) (v2.DeleteUserEC2CredentialsResponseObject, error) {
	u, _, err := h.userEC2(ctx, req.UserID)
	if err != nil {
		return nil, err
	}
	delete(h.st.ksec2, u.id)
	return v2.DeleteUserEC2Credentials204Response{}, nil
}
