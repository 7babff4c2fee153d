package transport

import (
	"context"
	"sync"
	"time"
)

// Limits holds a client's optional concurrency and rate limits. A copy
// shares the limits of the original (a rescoped Session shares its
// parent's).
type Limits struct {
	slots  chan struct{}
	bucket *tokenBucket
}

func noRelease() {}

// SetConcurrency lets at most n requests be in flight at once; n ≤ 0 lifts
// the limit.
func (l *Limits) SetConcurrency(n int) {
	if n > 0 {
		l.slots = make(chan struct{}, n)
	} else {
		l.slots = nil
	}
}

// SetRate lets at most perSecond requests start per second on average, and
// burst at once after a quiet spell; perSecond ≤ 0 lifts the limit.
func (l *Limits) SetRate(perSecond float64, burst int) {
	if perSecond > 0 {
		l.bucket = newTokenBucket(perSecond, max(burst, 1))
	} else {
		l.bucket = nil
	}
}

// Acquire waits, within ctx, for the rate limit and a free slot, and returns
// the function that gives the slot back (once, however often it is called).
func (l *Limits) Acquire(ctx context.Context) (func(), error) {
	if l.bucket != nil {
		if err := l.bucket.wait(ctx); err != nil {
			return nil, err
		}
	}
	if l.slots == nil {
		return noRelease, nil
	}
	select {
	case l.slots <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-l.slots }) }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// tokenBucket is a rate limiter: tokens accrue at rate per second up to
// burst, and each request takes one. A request that finds none reserves the
// next one and waits for it, so waiters are served in order.
type tokenBucket struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newTokenBucket(rate float64, burst int) *tokenBucket {
	return &tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), now: time.Now}
}

// reserve takes a token, going into debt if there is none, and says how long
// to wait for it.
func (b *tokenBucket) reserve() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// cancel gives back a token reserved by a request that will not be sent.
func (b *tokenBucket) cancel() {
	b.mu.Lock()
	b.tokens = min(b.burst, b.tokens+1)
	b.mu.Unlock()
}

func (b *tokenBucket) wait(ctx context.Context) error {
	d := b.reserve()
	if d <= 0 {
		return nil
	}
	if !Fits(ctx, d) {
		b.cancel()
		if err := ctx.Err(); err != nil {
			return err
		}
		return context.DeadlineExceeded
	}
	if err := Sleep(ctx, d); err != nil {
		b.cancel()
		return err
	}
	return nil
}
