package e2eutil

import (
	"os"
	"slices"
	"testing"
)

// Release names a Keystone release of the verified matrix, as
// hack/keystone-releases.tsv lists them and hack/keystone-up.sh exports the
// one it started in KEYSTONE_RELEASE.
type Release string

// The verified releases, oldest first.
const (
	Zed    Release = "zed"    // 2022.2, Keystone 22 (Debian 12)
	Epoxy  Release = "epoxy"  // 2025.1, Keystone 27 (Debian 13)
	Latest Release = "latest" // the newest Keystone Debian ships: 2026.2, Keystone 30 (sid)
)

// Releases are the verified releases, oldest first.
var Releases = []Release{Zed, Epoxy, Latest}

// Series is the OpenStack series of the release: the name the spec's
// x-keystone-releases lists.
func (r Release) Series() string {
	switch r {
	case Zed:
		return "2022.2"
	case Epoxy:
		return "2025.1"
	case Latest:
		return "2026.2"
	}
	return ""
}

// CurrentRelease is the release under test. Where Keystone's releases
// differ, a test asserts the behaviour of the release it runs against, so the
// release is never guessed: a missing or unknown KEYSTONE_RELEASE fails the
// test.
func CurrentRelease(t testing.TB) Release {
	t.Helper()
	r := Release(os.Getenv("KEYSTONE_RELEASE"))
	if !slices.Contains(Releases, r) {
		t.Fatalf("KEYSTONE_RELEASE=%q: the release under test must be one of %v (hack/keystone-up.sh exports it)", r, Releases)
	}
	return r
}

// ReleaseIs reports whether the release under test is one of rs.
func ReleaseIs(t testing.TB, rs ...Release) bool {
	t.Helper()
	return slices.Contains(rs, CurrentRelease(t))
}

// ReleaseAtLeast reports whether the release under test is r or newer.
func ReleaseAtLeast(t testing.TB, r Release) bool {
	t.Helper()
	return slices.Index(Releases, CurrentRelease(t)) >= slices.Index(Releases, r)
}
