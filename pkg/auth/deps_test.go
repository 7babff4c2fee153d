package auth_test

import (
	"os/exec"
	"strings"
	"testing"
)

// A program that authenticates with a password, loads its cloud from
// clouds.yaml and calls Identity (examples/quickstart) links none of what
// the federated plugins need: they are in package federation, which only
// the programs that import it link.
func TestPasswordProgramLinksNoFederation(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the dependencies with")
	}
	out, err := exec.Command(gobin, "list", "-deps", "github.com/keystone-go/keystone/examples/quickstart").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	forbidden := []string{
		"github.com/keystone-go/keystone/pkg/auth/federation",
		"github.com/beevik/etree",
		"golang.org/x/oauth2",
		"github.com/pquerna/otp",
		"github.com/boombuler/barcode",
	}
	for _, dep := range deps {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("examples/quickstart links %s", dep)
			}
		}
	}
	if len(deps) < 10 || !strings.Contains(string(out), "github.com/keystone-go/keystone/pkg/auth\n") {
		t.Fatalf("go list -deps listed no SDK package:\n%s", out)
	}
}
