// Package timestamp holds Time, the time type of every Keystone timestamp in
// the generated clients.
//
// Keystone writes timestamps in several shapes: with a zone
// ("2026-11-28T21:28:30.000000Z"), with an offset, and without any zone at all
// ("2016-11-06T15:32:17.000000", which Keystone means as UTC). time.Time
// rejects the zone-less form, and a single such field would fail the decoding
// of a whole response. Time accepts all of them and always writes the form
// Keystone itself emits.
package timestamp
