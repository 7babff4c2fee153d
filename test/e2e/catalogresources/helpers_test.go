package catalogresources_test

import (
	"slices"
)

// The tests of this package do not call t.Parallel: Keystone on sqlite
// fails (with an empty reply) a transaction that reads and then writes, such
// as creating a region under a parent or deleting a region, whenever another
// write commits in between, and these tests write to the same tables.

// sorted is the ids in order, for comparing with a sorted list of ids.
func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}
