//go:build !unix

package auth

import "os"

// private trusts the file system's access control lists where Unix
// permission bits do not exist.
func private(os.FileInfo) error { return nil }

// openNoFollow opens path read-only.
func openNoFollow(path string) (*os.File, error) { return os.Open(path) }

// openLockFile opens (creating it) the lock file of a renewal.
func openLockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

// tryLock does not lock where flock does not exist: processes may then
// renew the same token at once, which costs token requests, not
// correctness (files are still replaced atomically).
func tryLock(*os.File) (bool, error) { return true, nil }

func unlockFile(*os.File) {}
