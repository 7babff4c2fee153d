package auth

import (
	"sync"
	"time"
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
func WithTimings() Option { return func(s *Session) { s.timings = &timingLog{} } }

// maxTimings bounds the record: the oldest half goes when it is full, so a
// long-lived session that never resets cannot grow without end.
const maxTimings = 100000

type timingLog struct {
	mu   sync.Mutex
	list []RequestTiming
}

func (l *timingLog) add(info ResponseInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.list) >= maxTimings {
		l.list = append(l.list[:0], l.list[maxTimings/2:]...)
	}
	l.list = append(l.list, RequestTiming{Method: info.Method, URL: info.URL, StatusCode: info.StatusCode,
		RequestID: info.RequestID, Elapsed: info.Elapsed, At: time.Now()})
}

// Timings returns the timings recorded since the Session was made or
// ResetTimings was called, oldest first; nil unless WithTimings was given.
func (s *Session) Timings() []RequestTiming {
	if s.timings == nil {
		return nil
	}
	s.timings.mu.Lock()
	defer s.timings.mu.Unlock()
	return append([]RequestTiming(nil), s.timings.list...)
}

// ResetTimings forgets the timings recorded so far.
func (s *Session) ResetTimings() {
	if s.timings == nil {
		return
	}
	s.timings.mu.Lock()
	s.timings.list = nil
	s.timings.mu.Unlock()
}
