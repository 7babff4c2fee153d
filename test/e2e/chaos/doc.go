// Package chaos holds the end-to-end test of a Session through Keystone's
// outages: tokens that expire every minute, Keystone stopped for ten
// seconds, restarted, and restarted with new fernet keys, while 32
// goroutines call it. It starts and stops a Keystone of its own
// (hack/keystone-up.sh with a short token expiration, on a port of its own
// per release), so it runs beside the suites that share the main test
// Keystones.
package chaos
