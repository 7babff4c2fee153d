// Package paging walks the lists Keystone may paginate (links.next) or
// truncate (truncated: true): the one loop behind pkg/identity's Pager and
// the iterators of the generated typed clients (gen/identityv3,
// gen/identityv2).
//
// A next link carries the token to wherever it points, so it is followed
// through internal/origin's rule: on the host the previous page came from,
// with that page's scheme and port; a link to another host ends the walk
// with an *apierror.CrossOriginError.
package paging
