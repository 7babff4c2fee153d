// Package latency summarises the per-request latencies a load generator
// records: every sample is kept (a run of the authtoken comparison is at
// most a few hundred thousand requests), sorted once, and the percentiles
// are read off by nearest rank, so a reported p99 is a latency some request
// really had.
package latency
