package specvalidate

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// ErrNoOperation is wrapped by the *Error for a request that no operation
// of the spec describes (unknown path, or a method the path does not take),
// and by lookups of an unknown operation.
var ErrNoOperation = errors.New("no operation in the spec")

// Error is one way an exchange differs from the spec.
type Error struct {
	// Operation is the operation id ("createProject"); empty when the
	// request matched none.
	Operation string
	// Method and Path are the request's (a concrete path), or the
	// operation's template when a body was checked by operation id.
	Method, Path string
	// Status is the answer's status; 0 for a request.
	Status int
	// In says which part differs: "request body", "response body",
	// "query parameter \"name\"", "header \"X-Subject-Token\"", "status",
	// "route".
	In string
	// Pointer is the JSON pointer (RFC 6901) of the offending value in the
	// body ("/project/enabled"); empty for the body as a whole or another
	// part.
	Pointer string
	// Expected says what the spec asks for there, in kin-openapi's words
	// ("value must be a boolean", `property "name" is missing`).
	Expected string
	// Err is the underlying error (a kin-openapi one, or ErrNoOperation).
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Operation != "":
		fmt.Fprintf(&b, "%s (%s %s)", e.Operation, e.Method, e.Path)
	default:
		fmt.Fprintf(&b, "%s %s", e.Method, e.Path)
	}
	b.WriteString(": ")
	if e.Status != 0 && e.In != "status" {
		b.WriteString(strconv.Itoa(e.Status))
		b.WriteString(" ")
	}
	b.WriteString(e.In)
	if e.Pointer != "" {
		b.WriteString(" at ")
		b.WriteString(e.Pointer)
	}
	if e.Expected != "" {
		b.WriteString(": ")
		b.WriteString(e.Expected)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errors lists the *Error values of err (one, or all of a joined error).
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// convert turns a kin-openapi validation error into *Error values (one per
// schema violation), joined. base carries the operation, the exchange and
// the part checked. The walk goes by concrete type, not errors.As: a
// MultiError answers As for any error it holds, which would lose the part
// a RequestError or ResponseError names.
func convert(base Error, err error) error {
	var out []error
	add := func(in, pointer, expected string, err error) {
		e := base
		e.In, e.Pointer, e.Expected, e.Err = in, pointer, expected, err
		out = append(out, &e)
	}
	var walk func(in string, err error)
	walk = func(in string, err error) {
		switch err := err.(type) {
		case openapi3.MultiError:
			for _, e := range err {
				walk(in, e)
			}
		case *openapi3filter.RequestError:
			in := "request"
			switch {
			case err.Parameter != nil:
				in = fmt.Sprintf("%s parameter %q", err.Parameter.In, err.Parameter.Name)
			case err.RequestBody != nil:
				in = "request body"
			}
			if err.Err == nil {
				add(in, "", err.Reason, err)
				return
			}
			walk(in, err.Err)
		case *openapi3filter.ResponseError:
			switch {
			case err.Reason == "status is not supported":
				add("status", "", "one of the statuses the operation declares", err)
				return
			case strings.HasPrefix(err.Reason, "response header"):
				in = err.Reason
			default:
				in = "response body"
			}
			if err.Err == nil {
				add(in, "", err.Reason, err)
				return
			}
			walk(in, err.Err)
		case *openapi3.SchemaError:
			if err.SchemaField == "allOf" && err.Origin != nil {
				// The schemas of an allOf name the value that fails each.
				walk(in, err.Origin)
				return
			}
			add(in, pointer(err.JSONPointer()), err.Reason, err)
		case *openapi3filter.ParseError:
			add(in, "", "a body that parses: "+err.Error(), err)
		case interface{ Unwrap() []error }:
			for _, e := range err.Unwrap() {
				walk(in, e)
			}
		default:
			if inner := errors.Unwrap(err); inner != nil && wrapsSchemaError(inner) {
				walk(in, inner)
				return
			}
			add(in, "", err.Error(), err)
		}
	}
	walk(base.In, err)
	return errors.Join(out...)
}

func wrapsSchemaError(err error) bool {
	var se *openapi3.SchemaError
	return errors.As(err, &se)
}

// pointer writes reference tokens as an RFC 6901 JSON pointer.
func pointer(tokens []string) string {
	if len(tokens) == 0 {
		return ""
	}
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}
