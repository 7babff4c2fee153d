package cloudconfig

import (
	"errors"
	"fmt"
	"strings"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// Environment is what Error.File says when the setting came from an OS_*
// variable rather than from a file.
const Environment = "environment"

// Error is every error Load and the methods of Cloud return. It names where
// the problem is: the file (or Environment), the cloud and the key (a dotted
// path inside the cloud such as "auth.password", or the variable's name such
// as "OS_PASSWORD" when it came from the environment).
//
// errors.Is(err, apierror.ErrInvalidConfig) holds for every Error;
// errors.Is(err, apierror.ErrMissingAuthOption) holds when an option the
// auth plugin needs is missing. errors.As gives the details.
type Error struct {
	File   string // path of the file, or Environment
	Line   int    // line in File, when known
	Cloud  string // name of the cloud, when known
	Key    string // the key or variable, when the problem is about one
	Reason string
	// Kind is apierror.ErrInvalidConfig, or apierror.ErrMissingAuthOption
	// for a missing auth option.
	Kind *apierror.Kind
	Err  error // the underlying error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cloudconfig: ")
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Cloud != "" {
		fmt.Fprintf(&b, "cloud %q: ", e.Cloud)
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	// A missing option's Reason already says what the plugin's error does.
	if e.Err != nil && e.Kind != apierror.ErrMissingAuthOption {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the error's Kind and its ancestors, and always
// apierror.ErrInvalidConfig: a configuration that cannot be used is a
// configuration error whatever else it is.
func (e *Error) Is(target error) bool {
	if apierror.ErrInvalidConfig.Is(target) {
		return true
	}
	return e.Kind != nil && e.Kind.Is(target)
}

// errorAt builds an invalid-configuration error about the value n.
func errorAt(n *node, cloud, reason string, args ...any) *Error {
	e := &Error{Cloud: cloud, Reason: fmt.Sprintf(reason, args...), Kind: apierror.ErrInvalidConfig}
	if n != nil {
		e.File, e.Line, e.Key = n.where(), n.line, n.display(cloud)
	}
	return e
}

// asError returns err as *Error, filling in the cloud when it is missing.
func asError(err error, cloud string) error {
	var e *Error
	if errors.As(err, &e) && e.Cloud == "" {
		e.Cloud = cloud
	}
	return err
}
