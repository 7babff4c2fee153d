package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/keystone-go/keystone/internal/redact"
	"github.com/keystone-go/keystone/pkg/apierror"
)

// MultiFactor authenticates with several methods in one request
// (keystoneauth's v3multifactor), for users whose multi_factor_auth_rules
// ask for more than one, and completes Keystone's auth-receipt flow on its
// own.
//
// The first request carries Methods. When Keystone answers 401 with an
// auth receipt (Openstack-Auth-Receipt) and the rules still to meet
// (required_auth_methods), the plugin sends the missing methods it has —
// from Methods or Additional — with the receipt. When it has none that
// completes a rule, it returns a *MissingAuthMethodsError, whose Receipt
// lets a caller finish later with another MultiFactor.
type MultiFactor struct {
	AuthURL string
	// Methods go in the first request.
	Methods []Method
	// Additional methods are sent only when a receipt asks for them: a
	// TOTP method whose PasscodeFunc prompts the user, say, so that only
	// users whose rules need a code are asked for one.
	Additional []Method
	// Receipt continues a login begun elsewhere: the first request sends
	// it, with Methods (or, when Methods is empty, Additional).
	Receipt   string
	Scope     Scope
	NoCatalog bool
}

// Format and MarshalJSON print every field but the secrets (redact.go).
func (v MultiFactor) Format(f fmt.State, verb rune) { redact.Format(f, verb, v, secretFieldNames) }
func (v MultiFactor) MarshalJSON() ([]byte, error)  { return redact.JSON(v, secretFieldNames) }

// Authenticate issues a token with Methods, then completes the receipt
// flow when Keystone asks for more.
func (m *MultiFactor) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	send := m.Methods
	if len(send) == 0 && m.Receipt != "" {
		send = m.Additional
	}
	if len(send) == 0 {
		return nil, missing("auth_methods")
	}
	sent := map[string]bool{}
	receipt := m.Receipt
	// Each round sends at least one method not sent before, so the loop
	// ends; the bound is a second guard.
	for range len(m.Methods) + len(m.Additional) + 1 {
		for _, meth := range send {
			sent[meth.MethodName()] = true
		}
		a, err := v3Auth{authURL: m.AuthURL, methods: send, scope: &m.Scope, noCatalog: m.NoCatalog, receipt: receipt}.issue(ctx, client)
		var more *MissingAuthMethodsError
		if !errors.As(err, &more) {
			return a, err
		}
		next := m.complete(more, sent)
		if next == nil {
			return nil, more
		}
		send, receipt = next, more.Receipt
	}
	return nil, errors.New("auth: the multi-factor flow did not converge")
}

// complete picks, among the rules Keystone still wants met, the one that
// needs the fewest methods this plugin has and has not sent yet, and
// returns those methods; nil when no rule can be met.
func (m *MultiFactor) complete(more *MissingAuthMethodsError, sent map[string]bool) []Method {
	var best []Method
	for _, need := range more.Missing() {
		if len(need) == 0 {
			continue
		}
		var pick []Method
		for _, name := range need {
			meth := m.find(name)
			if meth == nil || sent[name] {
				pick = nil
				break
			}
			pick = append(pick, meth)
		}
		if pick != nil && (best == nil || len(pick) < len(best)) {
			best = pick
		}
	}
	return best
}

func (m *MultiFactor) find(name string) Method {
	for _, meth := range slices.Concat(m.Methods, m.Additional) {
		if meth.MethodName() == name {
			return meth
		}
	}
	return nil
}

// CacheKey identifies the tokens this plugin obtains (see CacheID).
func (m *MultiFactor) CacheKey() map[string]string {
	return CacheKey("v3multifactor", m.AuthURL, &m.Scope, m.NoCatalog, slices.Concat(m.Methods, m.Additional)...)
}

// CacheSecret is every method's secret: a cached token is served only when
// all of them match, and never (without WithUnprovenCache) when one of the
// methods cannot prove its secret (TOTP).
func (m *MultiFactor) CacheSecret() ([]byte, bool) {
	return methodsSecret(slices.Concat(m.Methods, m.Additional)...)
}

// MissingAuthMethodsError is a 401 with an auth receipt: the methods sent
// were right, but the user's multi-factor rules need more. It matches
// apierror.ErrMissingAuthMethods, and unwraps to the *apierror.Error (so
// apierror.ErrUnauthorized matches too).
type MissingAuthMethodsError struct {
	// Receipt is the Openstack-Auth-Receipt to continue with (see
	// MultiFactor.Receipt). It proves the methods already passed for a
	// few minutes: treat it as a secret.
	Receipt string
	// Methods are the methods Keystone accepted so far.
	Methods []string
	// RequiredAuthMethods are the user's rules: meeting any one of them
	// completes the login.
	RequiredAuthMethods [][]string
	Err                 *apierror.Error
}

// Missing lists, for each rule, the methods not yet passed.
func (e *MissingAuthMethodsError) Missing() [][]string {
	out := make([][]string, 0, len(e.RequiredAuthMethods))
	for _, rule := range e.RequiredAuthMethods {
		var need []string
		for _, name := range rule {
			if !slices.Contains(e.Methods, name) && !slices.Contains(need, name) {
				need = append(need, name)
			}
		}
		out = append(out, need)
	}
	return out
}

func (e *MissingAuthMethodsError) Error() string {
	var alts []string
	for _, need := range e.Missing() {
		alts = append(alts, strings.Join(need, "+"))
	}
	msg := "auth: more authentication methods needed"
	if len(e.Methods) > 0 {
		msg += " after " + strings.Join(e.Methods, "+")
	}
	if len(alts) > 0 {
		msg += ": " + strings.Join(alts, " or ")
	}
	return msg
}

// Is matches apierror.ErrMissingAuthMethods.
func (e *MissingAuthMethodsError) Is(target error) bool {
	return apierror.ErrMissingAuthMethods.Is(target)
}

// Unwrap gives the 401 answer.
func (e *MissingAuthMethodsError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}
