package timestamp

import (
	"bytes"
	"fmt"
	"time"
)

// Time is a point in time as Keystone writes it. The zero Time encodes as
// JSON null.
type Time struct {
	time.Time
}

// Keystone's own output layout: microseconds and an explicit UTC zone.
const wireLayout = "2006-01-02T15:04:05.000000Z"

// layouts Keystone (and its API reference) use, tried in order. A layout
// without a zone is read as UTC, which is what Keystone means by it.
var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// New returns t as a Time.
func New(t time.Time) Time { return Time{Time: t} }

// Parse reads a timestamp in any of the shapes Keystone writes.
func Parse(s string) (Time, error) {
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return Time{Time: t}, nil
		}
	}
	return Time{}, &ParseError{Value: s}
}

// ParseError reports a string that is not a Keystone timestamp.
type ParseError struct {
	Value string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("timestamp: %q is not a timestamp Keystone writes", e.Value)
}

// String formats t the way Keystone does.
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(wireLayout)
}

// MarshalJSON writes t in Keystone's layout, or null for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	b := make([]byte, 0, len(wireLayout)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, wireLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON reads any shape Keystone writes; null leaves t unchanged.
func (t *Time) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		return nil
	}
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return &ParseError{Value: string(data)}
	}
	parsed, err := Parse(string(data[1 : len(data)-1]))
	if err != nil {
		return err
	}
	*t = parsed
	return nil
}

// MarshalText writes t in Keystone's layout, for query parameters.
func (t Time) MarshalText() ([]byte, error) {
	return []byte(t.String()), nil
}

// UnmarshalText reads any shape Keystone writes.
func (t *Time) UnmarshalText(data []byte) error {
	parsed, err := Parse(string(data))
	if err != nil {
		return err
	}
	*t = parsed
	return nil
}
