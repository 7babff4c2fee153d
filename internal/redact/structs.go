package redact

// Structs that hold secrets (auth plugins, tokens, cloud configurations)
// render for fmt, log/slog and encoding/json with the secret fields masked,
// so that printing or logging one never shows a password. A type opts in by
// implementing fmt.Formatter, slog.LogValuer and json.Marshaler with Format,
// LogValue and JSON, naming its secret fields.

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
)

// Secret reports whether the field called name holds a secret.
type Secret func(name string) bool

// Names is the Secret of a fixed set of field names.
func Names(names ...string) Secret {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return func(name string) bool { return set[name] }
}

// field is one exported field of a struct, ready to print.
type field struct {
	name   string
	value  any
	masked bool
	fn     bool // a func or chan: printed by fmt, left out of JSON and logs
}

// fields lists v's exported fields (v a struct or a pointer to one);
// embedded structs are listed as one field holding their own fields.
func fields(v reflect.Value, secret Secret) []field {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	t := v.Type()
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		fv := v.Field(i)
		f := field{name: sf.Name}
		switch {
		case secret(sf.Name):
			f.masked = true
			if fv.IsZero() {
				f.value = ""
			} else {
				f.value = Masked
			}
		case sf.Anonymous && fv.Kind() == reflect.Struct:
			f.value = embedded{fields: fields(fv, secret), typ: sf.Type}
		default:
			f.value = fv.Interface()
			f.fn = fv.Kind() == reflect.Func || fv.Kind() == reflect.Chan
		}
		out = append(out, f)
	}
	return out
}

// embedded is an embedded struct, printed with the embedding one's rules.
type embedded struct {
	fields []field
	typ    reflect.Type
}

func (e embedded) Format(f fmt.State, verb rune) { write(f, verb, e.typ, e.fields) }

func (e embedded) LogValue() slog.Value { return group(e.fields) }

func (e embedded) MarshalJSON() ([]byte, error) { return object(e.fields) }

// Format writes v as fmt would under verb (%v, %+v, %#v; every other verb
// is taken as %v, so that %x cannot dump a secret in hex), secret fields
// masked.
func Format(f fmt.State, verb rune, v any, secret Secret) {
	write(f, verb, reflect.TypeOf(v), fields(reflect.ValueOf(v), secret))
}

func write(f fmt.State, verb rune, typ reflect.Type, fs []field) {
	goSyntax := verb == 'v' && f.Flag('#')
	names := goSyntax || (verb == 'v' && f.Flag('+'))
	inner := "%v"
	switch {
	case goSyntax:
		inner = "%#v"
	case names:
		inner = "%+v"
	}
	var b strings.Builder
	if goSyntax {
		for typ != nil && typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if typ != nil {
			b.WriteString(typ.String())
		}
	}
	b.WriteByte('{')
	for i, fl := range fs {
		if i > 0 {
			if goSyntax {
				b.WriteString(", ")
			} else {
				b.WriteByte(' ')
			}
		}
		if names {
			b.WriteString(fl.name + ":")
		}
		if fl.masked && goSyntax {
			fmt.Fprintf(&b, "%q", fl.value)
			continue
		}
		fmt.Fprintf(&b, inner, fl.value)
	}
	b.WriteByte('}')
	_, _ = f.Write([]byte(b.String()))
}

// LogValue is v as a slog group of its fields, secret fields masked.
func LogValue(v any, secret Secret) slog.Value {
	return group(fields(reflect.ValueOf(v), secret))
}

func group(fs []field) slog.Value {
	attrs := make([]slog.Attr, 0, len(fs))
	for _, f := range fs {
		if !f.fn {
			attrs = append(attrs, slog.Any(f.name, f.value))
		}
	}
	return slog.GroupValue(attrs...)
}

// JSON is v as a JSON object of its fields, secret fields masked.
func JSON(v any, secret Secret) ([]byte, error) {
	return object(fields(reflect.ValueOf(v), secret))
}

func object(fs []field) ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	first := true
	for _, f := range fs {
		if f.fn {
			continue
		}
		name, err := json.Marshal(f.name)
		if err != nil {
			return nil, err
		}
		val, err := json.Marshal(f.value)
		if err != nil {
			return nil, fmt.Errorf("redact: field %s: %w", f.name, err)
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(name)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
