package catalogresources_test

import (
	"slices"

	"github.com/keystone-go/keystone/gen/identityv3"
)

// The tests of this package do not call t.Parallel: Keystone on sqlite
// fails (with an empty reply) a transaction that reads and then writes, such
// as creating a region under a parent or deleting a region, whenever another
// write commits in between, and these tests write to the same tables.

func regionIDs(regions []identityv3.Region) []string {
	ids := make([]string, 0, len(regions))
	for _, r := range regions {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}

func endpointIDs(eps []identityv3.Endpoint) []string {
	ids := make([]string, 0, len(eps))
	for _, e := range eps {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}
