// Package identity is the entry point of keystone-go: it hands back the
// generated Identity API clients wired to an auth.Session.
//
//	sess := auth.New(&auth.Password{AuthURL: "https://keystone.example/v3", ...})
//	client, err := identity.NewV3(sess)
//	project, err := client.GetProject(ctx, id, nil)   // *identityv3.ProjectWithHierarchy
//	for p, err := range client.Projects(ctx, nil) {  // every list has an iterator
//
// Or, from the clouds.yaml / OS_* configuration the openstack CLI uses:
//
//	sess, client, err := identity.FromCloud(ctx, "")  // OS_CLOUD, or the OS_* environment
//
// NewV2 does the same for Identity v2.0 (gen/identityv2), and New discovers
// which of the two the endpoint offers.
//
// Every operation is a method of Client, generated (gen/identityv3's
// TypedClient): it takes the parameters and the request body without its
// envelope and returns the success value unwrapped (nothing for a 204, a
// bool for a HEAD check), and every list also has an iterator that follows
// links.next. The generated client underneath, with each answer whole, is
// Raw(). The endpoint comes from the token's catalog (service type identity, interface
// public, unless told otherwise) and is looked up at the first request, so
// creating a client makes no request. Answers outside 2xx are returned as
// *apierror.Error; the sentinels of package apierror (ErrNotFound,
// ErrConflict, ...) are re-exported here for convenience. All and Pager walk
// paginated lists.
//
// The Find methods (FindProject, FindUser, FindRole, ...) resolve a name or
// an id as the openstack CLI does: by id first, then by name, within a
// domain given by name or id (InDomain) where names are per domain. None is
// a *FindError matching ErrNotFound, several one matching
// apierror.ErrNoUniqueMatch with the candidates. Finder does the same for
// any list.
//
// ValidateAccessInfo validates a token (GET /v3/auth/tokens) and returns it
// as the *auth.AccessInfo a plugin would: user, scope, roles, catalog,
// expiry, methods, audit ids, trust and application credential.
//
// The operations the API serves without a token (a token request, a user
// changing their own password, the federation entry points, the signing
// certificates, version discovery) are sent without one, and a 401 from them
// is returned as it is rather than answered with a new token and a second
// try: a wrong password is tried once. With WithEndpoint they need no token
// at all, so a user whose password has expired, and who therefore cannot
// get a token, can still change it.
package identity
