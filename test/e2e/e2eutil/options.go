package e2eutil

import (
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/keystone-go/keystone/gen/identityv3"
)

// An Option adjusts the create request of an identity fixture (Domain,
// Project, User, Group, Role) before it is sent. Options apply in order; one
// that does not apply to the fixture it is given to fails the test.
type Option func(t testing.TB, body any)

// Body starts the request from a whole create body of the fixture's type
// (identityv3.ProjectCreate for Project, ...), for a test that sets more
// than the other options do. It replaces the body, so it comes first; a
// name it leaves empty is still made up.
func Body[B any](body B) Option {
	return func(t testing.TB, to any) {
		t.Helper()
		p, ok := to.(*B)
		if !ok {
			t.Fatalf("e2eutil.Body: a %T for a fixture that takes a %T", body, to)
		}
		*p = body
	}
}

// Named gives the resource exactly this name (by default a unique one from
// Name).
func Named(name string) Option {
	return func(t testing.TB, body any) {
		t.Helper()
		switch b := body.(type) {
		case *identityv3.DomainCreate:
			b.Name = name
		case *identityv3.ProjectCreate:
			b.Name = name
		case *identityv3.UserCreate:
			b.Name = name
		case *identityv3.GroupCreate:
			b.Name = name
		case *identityv3.RoleCreate:
			b.Name = name
		default:
			t.Fatalf("e2eutil.Named does not apply to a %T", body)
		}
	}
}

// Prefix gives the resource a unique name that starts with prefix.
func Prefix(prefix string) Option {
	return func(t testing.TB, body any) {
		t.Helper()
		Named(Name(t, prefix))(t, body)
	}
}

// InDomain creates a project, user or group in the domain (the default
// domain otherwise), or makes a role domain-specific (global otherwise).
func InDomain(domainID string) Option {
	return func(t testing.TB, body any) {
		t.Helper()
		switch b := body.(type) {
		case *identityv3.ProjectCreate:
			b.DomainID = nullable.NewNullableWithValue(domainID)
		case *identityv3.UserCreate:
			b.DomainID = &domainID
		case *identityv3.GroupCreate:
			b.DomainID = &domainID
		case *identityv3.RoleCreate:
			b.DomainID = &domainID
		default:
			t.Fatalf("e2eutil.InDomain does not apply to a %T", body)
		}
	}
}

// ChildOf creates a project under parent, in the parent's domain (Keystone
// wants the parent's, not the default).
func ChildOf(parent identityv3.Project) Option {
	return func(t testing.TB, body any) {
		t.Helper()
		b, ok := body.(*identityv3.ProjectCreate)
		if !ok {
			t.Fatalf("e2eutil.ChildOf does not apply to a %T", body)
		}
		b.ParentID = nullable.NewNullableWithValue(parent.ID)
		if parent.DomainID != nil {
			b.DomainID = nullable.NewNullableWithValue(*parent.DomainID)
		}
	}
}

// apply applies the options to a fixture's create body, and gives it a
// unique name starting with prefix when none of them named it.
func apply[B any](t testing.TB, body *B, name func(*B) *string, prefix string, opts []Option) {
	t.Helper()
	for _, opt := range opts {
		opt(t, body)
	}
	if n := name(body); *n == "" {
		*n = Name(t, prefix)
	}
}
