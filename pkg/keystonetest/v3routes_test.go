package keystonetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every route of the v3 fake is an operation of the spec: a typo in a
// path would otherwise leave the operation answering 501 unnoticed.
func TestV3RoutesAreOperationsOfTheSpec(t *testing.T) {
	sp, err := v3Spec()
	require.NoError(t, err)
	s := &V3Server{}
	routes := s.routeTable()
	ops := map[string]string{}
	for op := range sp.v.Operations() {
		path, ok := strings.CutPrefix(op.Path, "/v3")
		if !ok {
			path = rootPrefix + op.Path
		}
		ops[op.Method+" "+path] = op.ID
		ops[op.Method+" "+strings.TrimSuffix(path, "/")] = op.ID
	}
	var modelled []string
	for key := range routes {
		id, ok := ops[key]
		if !ok && strings.HasSuffix(key, " /") {
			id, ok = ops[strings.TrimSuffix(key, "/")]
		}
		require.True(t, ok, "route %q is no operation of the spec", key)
		modelled = append(modelled, id)
	}
	slices.Sort(modelled)
	modelled = slices.Compact(modelled)
	t.Logf("%d operations modelled: %s", len(modelled), strings.Join(modelled, " "))
}
