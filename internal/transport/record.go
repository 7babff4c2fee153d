package transport

import "sync"

// maxRecords bounds a Record: the oldest half goes when it is full, so a
// long-lived client that never resets cannot grow without end.
const maxRecords = 100000

// Record is a bounded, concurrency-safe list of what a client observed (the
// timings of its exchanges), oldest first.
type Record[T any] struct {
	mu   sync.Mutex
	list []T
}

// Add appends v, dropping the oldest half first when the record is full.
func (r *Record[T]) Add(v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.list) >= maxRecords {
		r.list = append(r.list[:0], r.list[maxRecords/2:]...)
	}
	r.list = append(r.list, v)
}

// List returns a copy of what is recorded, oldest first.
func (r *Record[T]) List() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]T(nil), r.list...)
}

// Reset forgets what is recorded.
func (r *Record[T]) Reset() {
	r.mu.Lock()
	r.list = nil
	r.mu.Unlock()
}
