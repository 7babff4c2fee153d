//go:build unix

package auth

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// private checks that only this user may use fi: no group or other
// permission bits, and this user's uid as owner.
func private(fi os.FileInfo) error {
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("mode %v is open to other users", fi.Mode().Perm())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return errors.New("owned by another user")
	}
	return nil
}

// openNoFollow opens path read-only without following a symbolic link in
// its last element, so that nobody can point the cache at another file.
func openNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
}
