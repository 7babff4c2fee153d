package catalog

import (
	"regexp"
	"testing"
)

// The segment parser accepts exactly what ^v(\d+)(?:\.(\d+))?$ does.
func FuzzSegmentVersion(f *testing.F) {
	re := regexp.MustCompile(`^v(\d+)(?:\.(\d+))?$`)
	for _, s := range []string{"v3", "v2.0", "v", "v.", "v3.", "v.3", "V3", "v3.1.2", "v١", "v03", "v3a", "", "identity"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seg string) {
		_, ok := segmentVersion(seg)
		if want := re.MatchString(seg); ok && !want {
			t.Fatalf("%q accepted; the pattern refuses it", seg)
		} else if !ok && want {
			if _, err := ParseVersionNumber(seg); err == nil {
				t.Fatalf("%q refused; the pattern accepts it", seg)
			}
		}
	})
}
