package roles_test

import (
	"slices"

	"github.com/keystone-go/keystone/gen/identityv3"
)

// tokenRoleNames are the names of the roles a token carries.
func tokenRoleNames(tok *identityv3.Token) []string {
	var names []string
	for _, r := range tok.Roles {
		if r.Name != nil {
			names = append(names, *r.Name)
		}
	}
	slices.Sort(names)
	return names
}
