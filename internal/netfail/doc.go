// Package netfail types the failures of an HTTP exchange that never got an
// answer (refused, reset, timed out, TLS), for the Session's transport and
// for the plugins that send through an http.Client of their own.
package netfail
