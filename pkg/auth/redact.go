package auth

import (
	"fmt"
	"log/slog"

	"github.com/keystone-go/keystone/internal/redact"
)

// Printing a plugin, a method or an AccessInfo — with fmt (%v, %+v, %#v),
// log/slog or encoding/json — shows every field but the secrets, which
// read "***" (or "" when unset). The fields keep their plain string
// types, so that Password: os.Getenv("OS_PASSWORD") still compiles; the
// masking is in a Format and a MarshalJSON method beside each type
// instead (slog's text handler formats with %+v, its JSON handler with
// encoding/json). A new type with a secret field gets the two methods and
// its field name in secretFieldNames (TestNoSecretInFormatting walks the
// registry to hold every plugin to it).

// secretFieldNames are the fields, in every type of this package, that
// hold a secret: passwords, secrets, tokens and whatever proves an
// identity for a while (a passcode, an authorization code, an auth
// receipt, the federated headers, the v2.0 access body with its token id).
var secretFieldNames = redact.Names("Password", "Secret", "Token", "ClientSecret", "ConsumerSecret", "AccessSecret",
	"Passcode", "AccessToken", "TokenSource", "Code", "CodeVerifier", "Headers", "Receipt", "V2")

// Format prints what the Session authenticates with, never its token.
func (s *Session) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "auth.Session{plugin: %T}", s.plugin)
}

// LogValue logs what the Session authenticates with, never its token.
func (s *Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("plugin", fmt.Sprintf("%T", s.plugin)))
}
