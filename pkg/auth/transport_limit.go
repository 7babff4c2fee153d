package auth

// WithConcurrencyLimit lets at most n requests of the Session be in flight
// at once (from sending until their answer's body is read or closed); the
// others wait, within their context. Close every body you get.
func WithConcurrencyLimit(n int) Option {
	return func(s *Session) { s.limits.SetConcurrency(n) }
}

// WithRateLimit lets the Session start at most perSecond requests per
// second on average, and burst at once after a quiet spell; the others wait,
// within their context. Retries and redirect hops count as requests.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(s *Session) { s.limits.SetRate(perSecond, burst) }
}
