package keystonetest

import (
	"strings"
	"sync"
	"time"
)

// Clock is a time source a test moves by hand: pass its Now to WithClock
// and Advance it to let tokens expire without waiting.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that reads start until it is advanced.
func NewClock(start time.Time) *Clock { return &Clock{t: start} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Fault is an answer the server gives instead of serving a request, for
// testing how a client copes with a Keystone that refuses, throttles or is
// slow. Faults queued with InjectFault apply in order; each applies to the
// next Count matching requests (1 if Count is 0).
type Fault struct {
	// Status answered (401, 429, 503, ...); 0 serves the request normally
	// after Delay.
	Status int
	// RetryAfter, when positive, is sent as Retry-After (whole seconds).
	RetryAfter time.Duration
	// Delay holds the answer back this long (or until the client gives up).
	Delay time.Duration
	// Count is how many requests the fault applies to.
	Count int
	// Operation limits the fault to one operation id ("issueToken");
	// empty matches every request.
	Operation string
}

// InjectFault queues f. A request answered by a fault is logged (with
// Request.Fault set) but not validated against the spec: the answer is the
// test's own.
func (s *V3Server) InjectFault(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	s.faults = append(s.faults, &f)
}

// takeFault returns the fault that applies to a request of operation opID,
// consuming one of its uses, or nil.
func (s *V3Server) takeFault(opID string) *Fault {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	for i, f := range s.faults {
		if f.Operation != "" && !strings.EqualFold(f.Operation, opID) {
			continue
		}
		f.Count--
		if f.Count == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		applied := *f
		return &applied
	}
	return nil
}

// Request is one request the server answered, as the log keeps it.
type Request struct {
	Method      string
	Path        string // as sent, with the /v3 prefix
	OperationID string // from api/identity-v3.yaml; empty for an unknown route
	Status      int
	Fault       bool      // answered by an injected fault
	Time        time.Time // by the server's clock
}

// Requests returns the log of every request answered so far, in order.
func (s *V3Server) Requests() []Request {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	return append([]Request(nil), s.log...)
}

// Calls is the number of requests logged for the operation id ("issueToken",
// "listProjects"), whatever their outcome.
func (s *V3Server) Calls(operationID string) int {
	n := 0
	for _, r := range s.Requests() {
		if strings.EqualFold(r.OperationID, operationID) {
			n++
		}
	}
	return n
}

// ResetLog empties the request log.
func (s *V3Server) ResetLog() {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	s.log = nil
}

func (s *V3Server) logRequest(r Request) {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	s.log = append(s.log, r)
}
