// Package adapter calls any OpenStack service with the Session that
// authenticates to Keystone, as keystoneauth's Adapter does: bound to a
// service type, an interface, a region and a version range, it finds the
// service's endpoint in the token's catalog and takes paths relative to it.
//
//	nova, err := adapter.New(sess, "compute", adapter.WithInterface("internal"),
//		adapter.WithMicroversion("2.79"))
//	var out struct {
//		Servers []struct{ ID, Name string } `json:"servers"`
//	}
//	_, err = nova.Get(ctx, "servers", &out)
//
// Requests go through Session.Do, so they get its token (and a new one
// after a 401), its retries, redirect rules, limits, debug logging with
// secrets masked and its typed errors: a 404 is an *apierror.Error that
// errors.Is apierror.ErrNotFound. Get, Post, Put, Patch, Delete and Head
// encode and decode JSON; Request sends any body and leaves the answer's
// body to the caller.
//
// A microversion (WithMicroversion, or Microversion for one call site) is
// sent in OpenStack-API-Version with the service's type, and in the older
// header of the services that read their own (Nova, Ironic, Manila).
//
// An absolute URL given as a path (the "next" link of a list) is followed
// only on the endpoint's host, with the endpoint's scheme and port: the
// token goes with it.
package adapter
