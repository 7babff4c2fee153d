// Package scenario is one suite of Identity v3 scenarios that runs against
// two servers with the same code: the in-memory fake of pkg/keystonetest
// (an ordinary unit test in this package) and a real Keystone
// (test/e2e/scenario, skipped without OS_AUTH_URL). Both must give the same
// results; where the fake cannot agree, the fake is what is fixed.
//
// A scenario is a function of a testing.T and an Env, the server under
// test. It creates what it uses under names unique to the run and deletes
// it when the test ends, so that it can run against a shared Keystone.
package scenario
