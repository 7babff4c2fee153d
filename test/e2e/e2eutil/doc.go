// Package e2eutil is the harness of the end-to-end suites under test/e2e.
// They run against a real Keystone (hack/keystone-up.sh; OS_AUTH_URL and the
// admin credentials come from its environment, with the script's defaults),
// and every answer Keystone gives passes through a validating transport: an
// answer that api/identity-v3.yaml does not describe fails the test.
//
// It also holds the fixtures the suites share (Domain, Project, User,
// Group, Role, the grants, Service, Endpoint, ...): each creates what a test
// needs and removes it when the test ends, in the order Keystone needs
// (fixtures.go), and the checks of answers they share (answers.go).
package e2eutil
