package e2eutil

import (
	"bytes"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/keystone-go/keystone/pkg/auth"
	"github.com/keystone-go/keystone/pkg/specvalidate"
)

// LogBuffer collects a Session's log or a process's output; it is safe for
// concurrent use.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything logged so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// DebugLogger is a JSON logger at debug level writing into a new LogBuffer.
func DebugLogger() (*slog.Logger, *LogBuffer) {
	buf := &LogBuffer{}
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// SessionWithLogger is Session with every request and answer logged to
// logger (at debug level, as the Session logs them).
func SessionWithLogger(t testing.TB, plugin auth.Plugin, logger *slog.Logger, opts ...auth.Option) *auth.Session {
	return Session(t, plugin, append([]auth.Option{auth.WithLogger(logger)}, opts...)...)
}

// HTTPClientWith is HTTPClient over a transport of the caller's (for a test
// that needs other connection settings, such as more idle connections);
// answers are validated as everywhere else.
func HTTPClientWith(t testing.TB, next http.RoundTripper) *http.Client {
	v := Transport(t).(*specvalidate.Transport)
	validating := *v
	validating.Next = recorder{next: next, wire: wireOf(t)}
	return &http.Client{Transport: &validating, Timeout: 60 * time.Second}
}
