package timestamp

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseShapes(t *testing.T) {
	want := time.Date(2016, 11, 6, 15, 32, 17, 0, time.UTC)
	for _, in := range []string{
		"2016-11-06T15:32:17.000000",
		"2016-11-06T15:32:17.000000Z",
		"2016-11-06T15:32:17Z",
		"2016-11-06T16:32:17+01:00",
		"2016-11-06T15:32:17",
		"2016-11-06 15:32:17",
	} {
		got, err := Parse(in)
		require.NoError(t, err, in)
		assert.True(t, want.Equal(got.Time), "%s parsed as %s", in, got)
	}
}

func TestRejectsGarbage(t *testing.T) {
	var ts Time
	err := json.Unmarshal([]byte(`"yesterday"`), &ts)
	var pe *ParseError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "yesterday", pe.Value)
	assert.Error(t, json.Unmarshal([]byte(`12`), &ts))
}

func TestJSONRoundTrip(t *testing.T) {
	in := struct {
		At  Time  `json:"at"`
		Nil *Time `json:"nil"`
	}{At: New(time.Date(2026, 1, 2, 3, 4, 5, 6000, time.FixedZone("x", 3600)))}
	raw, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"at":"2026-01-02T02:04:05.000006Z","nil":null}`, string(raw))
	var out struct {
		At  Time  `json:"at"`
		Nil *Time `json:"nil"`
	}
	require.NoError(t, json.Unmarshal(raw, &out))
	assert.True(t, in.At.Equal(out.At.Time))
	assert.Nil(t, out.Nil)
}

func TestZeroIsNull(t *testing.T) {
	raw, err := json.Marshal(Time{})
	require.NoError(t, err)
	assert.Equal(t, "null", string(raw))
	assert.Equal(t, "", Time{}.String())
}
