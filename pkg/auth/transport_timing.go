package auth

import (
	"time"

	"github.com/keystone-go/keystone/internal/transport"
)

// RequestTiming is the timing of one HTTP exchange (keystoneauth's
// RequestTiming): every attempt and redirect hop is one.
type RequestTiming struct {
	Method     string
	URL        string // secrets in the query masked
	StatusCode int    // 0 when the exchange failed without an answer
	RequestID  string
	// Elapsed is from sending the request to the answer's headers.
	Elapsed time.Duration
	// At is when the answer (or the failure) came.
	At time.Time
}

// WithTimings makes the Session record the timing of every exchange, for
// Session.Timings (keystoneauth's collect_timing).
func WithTimings() Option { return func(s *Session) { s.timings = &transport.Record[RequestTiming]{} } }

// Timings returns the timings recorded since the Session was made or
// ResetTimings was called, oldest first; nil unless WithTimings was given.
func (s *Session) Timings() []RequestTiming {
	if s.timings == nil {
		return nil
	}
	return s.timings.List()
}

// ResetTimings forgets the timings recorded so far.
func (s *Session) ResetTimings() {
	if s.timings == nil {
		return
	}
	s.timings.Reset()
}
