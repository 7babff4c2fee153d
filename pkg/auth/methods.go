package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/keystone-go/keystone/gen/identityv3"
	"github.com/keystone-go/keystone/internal/redact"
)

// Method is one v3 authentication method: the part of a token request
// ("auth.identity") that proves who the caller is. Plugins send one method;
// MultiFactor sends several in one request.
type Method interface {
	// MethodName is the method's name in the request's "methods" list
	// ("password", "totp", ...).
	MethodName() string
	// AddTo adds the method's credentials to the request. It runs before
	// any request is sent, so a missing option fails without one.
	AddTo(ctx context.Context, r *TokenRequest) error
}

// TokenRequest is a v3 token request being built by its methods.
type TokenRequest struct {
	// Identity is the request's "auth.identity"; Identity.Methods is
	// already filled in.
	Identity identityv3.AuthIdentity
	// Editors run on the HTTP request just before it is sent (OAuth1 signs
	// the request there).
	Editors []identityv3.RequestEditorFn
	// Members are identity members the generated type cannot carry, by
	// name: oauth1's empty object (an empty map is dropped by omitempty,
	// and Keystone fails without the member).
	Members map[string]json.RawMessage
}

// PasswordMethod is the password method. The user is given by UserID, or
// by Username with UserDomainID or UserDomainName.
type PasswordMethod struct {
	UserID         string
	Username       string
	UserDomainID   string
	UserDomainName string
	Password       string
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v PasswordMethod) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v PasswordMethod) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// MethodName is "password".
func (m *PasswordMethod) MethodName() string { return "password" }

// AddTo adds {"password": {"user": {...}}}.
func (m *PasswordMethod) AddTo(_ context.Context, r *TokenRequest) error {
	user, err := passwordUser(m.UserID, m.Username, m.UserDomainID, m.UserDomainName)
	if err != nil {
		return err
	}
	if m.Password == "" {
		return missing("password")
	}
	user.Password = m.Password
	r.Identity.Password = &identityv3.PasswordMethod{User: user}
	return nil
}

// CacheKey identifies the user; the password is left out.
func (m *PasswordMethod) CacheKey() map[string]string {
	return userKey("password", m.UserID, m.Username, m.UserDomainID, m.UserDomainName)
}

// CacheSecret is the password (see SecretProver).
func (m *PasswordMethod) CacheSecret() ([]byte, bool) { return []byte(m.Password), true }

// TokenMethod is the token method: an existing token proves the identity.
type TokenMethod struct {
	Token string
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v TokenMethod) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v TokenMethod) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// MethodName is "token".
func (m *TokenMethod) MethodName() string { return "token" }

// AddTo adds {"token": {"id": ...}}.
func (m *TokenMethod) AddTo(_ context.Context, r *TokenRequest) error {
	if m.Token == "" {
		return missing("token")
	}
	r.Identity.Token = &identityv3.TokenMethod{ID: m.Token}
	return nil
}

// CacheKey identifies the token by its SHA-256 (a token is random enough
// that its hash reveals nothing).
func (m *TokenMethod) CacheKey() map[string]string {
	return map[string]string{"token.sha256": sha256Hex(m.Token)}
}

// CacheSecret is the token (see SecretProver).
func (m *TokenMethod) CacheSecret() ([]byte, bool) { return []byte(m.Token), true }

// ApplicationCredentialMethod is the application_credential method: by ID,
// or by Name with the owning user (UserID, or Username with its domain),
// and the Secret.
type ApplicationCredentialMethod struct {
	ID             string
	Name           string
	Secret         string
	UserID         string
	Username       string
	UserDomainID   string
	UserDomainName string
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v ApplicationCredentialMethod) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, v, secretFieldNames)
}
func (v ApplicationCredentialMethod) MarshalJSON() ([]byte, error) {
	return redact.JSON(v, secretFieldNames)
}

// MethodName is "application_credential".
func (m *ApplicationCredentialMethod) MethodName() string { return "application_credential" }

// AddTo adds {"application_credential": {"id" | "name"+"user", "secret"}}.
func (m *ApplicationCredentialMethod) AddTo(_ context.Context, r *TokenRequest) error {
	if m.Secret == "" {
		return missing("application_credential_secret")
	}
	ac := &identityv3.ApplicationCredentialMethod{Secret: m.Secret}
	switch {
	case m.ID != "":
		ac.ID = &m.ID
	case m.Name != "":
		ac.Name = &m.Name
		u, err := passwordUser(m.UserID, m.Username, m.UserDomainID, m.UserDomainName)
		if err != nil {
			return err
		}
		ac.User = &identityv3.UserSelector{ID: u.ID, Name: u.Name, Domain: u.Domain}
	default:
		return missing("application_credential_id or application_credential_name")
	}
	r.Identity.ApplicationCredential = ac
	return nil
}

// CacheKey identifies the application credential; the secret is left out.
func (m *ApplicationCredentialMethod) CacheKey() map[string]string {
	k := userKey("application_credential", m.UserID, m.Username, m.UserDomainID, m.UserDomainName)
	put(k, "application_credential.id", m.ID)
	put(k, "application_credential.name", m.Name)
	return k
}

// CacheSecret is the secret (see SecretProver).
func (m *ApplicationCredentialMethod) CacheSecret() ([]byte, bool) { return []byte(m.Secret), true }

// TOTPMethod is the totp method: a time-based one-time passcode of the
// user's TOTP credential.
type TOTPMethod struct {
	UserID         string
	Username       string
	UserDomainID   string
	UserDomainName string
	// Passcode is the code to send.
	Passcode string
	// PasscodeFunc, when set, supplies the code at each authentication
	// instead (a passcode is good for 30 seconds, a token for hours): a
	// generator such as TOTPGenerator, or a prompt.
	PasscodeFunc func(ctx context.Context) (string, error)
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v TOTPMethod) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v TOTPMethod) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// MethodName is "totp".
func (m *TOTPMethod) MethodName() string { return "totp" }

// AddTo adds {"totp": {"user": {..., "passcode": ...}}}.
func (m *TOTPMethod) AddTo(ctx context.Context, r *TokenRequest) error {
	user, err := passwordUser(m.UserID, m.Username, m.UserDomainID, m.UserDomainName)
	if err != nil {
		return err
	}
	code := m.Passcode
	if m.PasscodeFunc != nil {
		if code, err = m.PasscodeFunc(ctx); err != nil {
			return err
		}
	}
	if code == "" {
		return missing("passcode")
	}
	r.Identity.Totp = &identityv3.TOTPMethod{User: identityv3.TOTPUser{
		ID: user.ID, Name: user.Name, Domain: user.Domain, Passcode: code,
	}}
	return nil
}

// CacheKey identifies the user; the passcode is left out.
func (m *TOTPMethod) CacheKey() map[string]string {
	return userKey("totp", m.UserID, m.Username, m.UserDomainID, m.UserDomainName)
}

// CacheSecret proves nothing: the passcode changes every 30 seconds.
func (m *TOTPMethod) CacheSecret() ([]byte, bool) { return nil, false }

func userKey(method, id, name, domainID, domainName string) map[string]string {
	k := map[string]string{}
	put(k, method+".user_id", id)
	put(k, method+".username", name)
	put(k, method+".user_domain_id", domainID)
	put(k, method+".user_domain_name", domainName)
	return k
}

func put(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// CacheKey gathers the elements that identify a plugin's tokens (see
// CacheKeyer): its kind, auth URL, scope and each method's own key. It is
// nil when a method cannot say who it authenticates (its tokens are then
// never cached). Plugins of other packages build their keys with it, adding
// their own elements, so that a token is never served to a plugin with
// another user or scope.
func CacheKey(kind, authURL string, scope *Scope, noCatalog bool, methods ...Method) map[string]string {
	k := map[string]string{"plugin": kind, "auth_url": strings.TrimSuffix(authURL, "/")}
	if scope != nil {
		put(k, "scope.project_id", scope.ProjectID)
		put(k, "scope.project_name", scope.ProjectName)
		put(k, "scope.project_domain_id", scope.ProjectDomainID)
		put(k, "scope.project_domain_name", scope.ProjectDomainName)
		put(k, "scope.domain_id", scope.DomainID)
		put(k, "scope.domain_name", scope.DomainName)
		put(k, "scope.trust_id", scope.TrustID)
		if scope.System {
			k["scope.system"] = "all"
		}
		if scope.Unscoped {
			k["scope.unscoped"] = "true"
		}
	}
	if noCatalog {
		k["nocatalog"] = "true"
	}
	names := make([]string, 0, len(methods))
	for _, m := range methods {
		names = append(names, m.MethodName())
		ck, ok := m.(CacheKeyer)
		if !ok {
			return nil
		}
		for mk, mv := range ck.CacheKey() {
			k[mk] = mv
		}
	}
	k["methods"] = strings.Join(names, ",")
	return k
}

// body is the JSON of the request, with the identity members the generated
// type cannot express merged in.
func (r *TokenRequest) body(scope any) ([]byte, error) {
	var req struct {
		Auth struct {
			Identity identityv3.AuthIdentity `json:"identity"`
			Scope    any                     `json:"scope,omitempty"`
		} `json:"auth"`
	}
	req.Auth.Identity, req.Auth.Scope = r.Identity, scope
	b, err := json.Marshal(req)
	if err != nil || len(r.Members) == 0 {
		return b, err
	}
	var doc struct {
		Auth struct {
			Identity map[string]json.RawMessage `json:"identity"`
			Scope    json.RawMessage            `json:"scope,omitempty"`
		} `json:"auth"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	for k, v := range r.Members {
		doc.Auth.Identity[k] = v
	}
	return json.Marshal(doc)
}
