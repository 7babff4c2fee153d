package identity_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
	"github.com/keystone-go/keystone/pkg/cloudconfig"
	"github.com/keystone-go/keystone/pkg/identity"
)

// tlsKeystone is a stand-in Keystone over TLS: it issues a token for the
// password "pw" whose catalog has a public and an internal identity
// endpoint, and lists one project on each (named after the endpoint).
// GET /slow/v3/projects answers after two seconds.
func tlsKeystone(t *testing.T) (srv *httptest.Server, caFile string) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/auth/tokens", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Auth struct {
				Identity struct {
					Password struct {
						User struct {
							Password string `json:"password"`
						} `json:"user"`
					} `json:"password"`
				} `json:"identity"`
			} `json:"auth"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		if body.Auth.Identity.Password.User.Password != "pw" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"code":401,"title":"Unauthorized","message":"bad password"}}`)
			return
		}
		w.Header().Set("X-Subject-Token", "tok")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		now := time.Now().UTC()
		fmt.Fprintf(w, `{"token":{"methods":["password"],"user":{"id":"u1","name":"alice","domain":{"id":"default","name":"Default"}},
			"expires_at":%q,"issued_at":%q,"catalog":[{"type":"identity","name":"keystone","id":"s1","endpoints":[
			{"id":"e1","interface":"public","region_id":"R1","region":"R1","url":"%[3]s/v3"},
			{"id":"e2","interface":"internal","region_id":"R1","region":"R1","url":"%[3]s/internal/v3"},
			{"id":"e3","interface":"admin","region_id":"R2","region":"R2","url":"%[3]s/slow/v3"}]}]}}`,
			now.Add(time.Hour).Format(time.RFC3339), now.Format(time.RFC3339), srv.URL)
	})
	projects := func(name string, delay time.Duration) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Auth-Token") != "tok" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"projects":[{"id":"p-%s","name":%q,"domain_id":"default","enabled":true}],"links":{"self":"x","next":null}}`, name, name)
		}
	}
	mux.HandleFunc("GET /v3/projects", projects("public", 0))
	mux.HandleFunc("GET /internal/v3/projects", projects("internal", 0))
	mux.HandleFunc("GET /slow/v3/projects", projects("slow", 2*time.Second))
	srv = httptest.NewUnstartedServer(mux)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	return srv, caFile
}

// cloudsYAML writes a clouds.yaml with one cloud "test" of the given extra
// settings and returns the options that make Load read only it.
func cloudsYAML(t *testing.T, authURL, extra string) identity.CloudOption {
	dir := t.TempDir()
	content := fmt.Sprintf("clouds:\n  test:\n    auth:\n      auth_url: %s/v3\n      username: alice\n      user_domain_id: default\n      password: pw\n%s", authURL, extra)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clouds.yaml"), []byte(content), 0o600))
	return identity.WithConfigOptions(cloudconfig.WithSearchDirs(dir), cloudconfig.WithEnv(map[string]string{"OS_CLOUD": "test"}))
}

func firstProject(ctx context.Context, c *identity.Client) (string, error) {
	for p, err := range c.Projects(ctx, nil) {
		if err != nil {
			return "", err
		}
		return p.Name, nil
	}
	return "", errors.New("no project")
}

func TestFromCloudTLS(t *testing.T) {
	srv, ca := tlsKeystone(t)
	ctx := context.Background()

	t.Run("cacert", func(t *testing.T) {
		sess, client, err := identity.FromCloud(ctx, "", cloudsYAML(t, srv.URL, "    cacert: "+ca+"\n"))
		require.NoError(t, err)
		a, err := sess.AccessInfo(ctx)
		require.NoError(t, err)
		assert.Equal(t, "alice", a.Username())
		name, err := firstProject(ctx, client)
		require.NoError(t, err)
		assert.Equal(t, "public", name)
	})
	t.Run("OS_CACERT", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "clouds.yaml"),
			fmt.Appendf(nil, "clouds:\n  test:\n    auth: {auth_url: '%s/v3', user_id: u1, password: pw}\n", srv.URL), 0o600))
		// The cloud OS_CLOUD chooses has the variables laid over it.
		sess, _, err := identity.FromCloud(ctx, "", identity.WithConfigOptions(cloudconfig.WithSearchDirs(dir),
			cloudconfig.WithEnv(map[string]string{"OS_CLOUD": "test", "OS_CACERT": ca})))
		require.NoError(t, err)
		_, err = sess.AccessInfo(ctx)
		require.NoError(t, err)
	})
	t.Run("no CA: the certificate is refused", func(t *testing.T) {
		sess, _, err := identity.FromCloud(ctx, "", cloudsYAML(t, srv.URL, ""))
		require.NoError(t, err)
		_, err = sess.AccessInfo(ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, apierror.ErrSSL)
	})
	t.Run("verify: false", func(t *testing.T) {
		sess, _, err := identity.FromCloud(ctx, "", cloudsYAML(t, srv.URL, "    verify: false\n"))
		require.NoError(t, err)
		_, err = sess.AccessInfo(ctx)
		require.NoError(t, err)
	})
}

func TestFromCloudEndpointSelection(t *testing.T) {
	srv, ca := tlsKeystone(t)
	ctx := context.Background()
	tls := "    cacert: " + ca + "\n"

	_, client, err := identity.FromCloud(ctx, "", cloudsYAML(t, srv.URL, tls+"    interface: internal\n"))
	require.NoError(t, err)
	name, err := firstProject(ctx, client)
	require.NoError(t, err)
	assert.Equal(t, "internal", name, "the cloud's interface")

	_, client, err = identity.FromCloud(ctx, "", cloudsYAML(t, srv.URL, tls+"    interface: internal\n    identity_interface: public\n"))
	require.NoError(t, err)
	name, err = firstProject(ctx, client)
	require.NoError(t, err)
	assert.Equal(t, "public", name, "identity_interface beats interface")

	_, client, err = identity.FromCloud(ctx, "", cloudsYAML(t, srv.URL, tls+"    identity_endpoint_override: "+srv.URL+"/internal/v3\n"))
	require.NoError(t, err)
	u, err := client.Endpoint(ctx)
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/internal/v3", u)

	// The admin endpoint is in region R2 only, and answers after 2 s:
	// api_timeout 0.3 gives up before (without it the call would succeed,
	// late), whatever the machine's load.
	_, client, err = identity.FromCloud(ctx, "", cloudsYAML(t, srv.URL, tls+"    interface: admin\n    region_name: R2\n    api_timeout: 0.3\n"))
	require.NoError(t, err)
	_, err = firstProject(ctx, client)
	require.Error(t, err)
	assert.ErrorIs(t, err, apierror.ErrTimeout)
}

func TestFromCloudErrors(t *testing.T) {
	srv, _ := tlsKeystone(t)
	ctx := context.Background()

	_, _, err := identity.FromCloud(ctx, "", cloudsYAML(t, srv.URL, "    identity_api_version: 2.0\n"))
	var e *cloudconfig.Error
	require.ErrorAs(t, err, &e)
	assert.ErrorIs(t, err, apierror.ErrInvalidConfig)
	assert.Equal(t, "identity_api_version", e.Key)
	assert.Equal(t, "test", e.Cloud)
	assert.True(t, strings.HasSuffix(e.File, "clouds.yaml"), e.File)

	_, _, err = identity.FromCloud(ctx, "", cloudsYAML(t, srv.URL, "    cacert: /nonexistent/ca.pem\n"))
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "cacert", e.Key)

	_, _, err = identity.FromCloud(ctx, "nope", cloudsYAML(t, srv.URL, ""))
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "nope", e.Cloud)
}

func TestFromCloudPrompt(t *testing.T) {
	srv, ca := tlsKeystone(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "clouds.yaml"), fmt.Appendf(nil,
		"clouds:\n  test:\n    auth: {auth_url: '%s/v3', user_id: u1}\n    cacert: %s\n", srv.URL, ca), 0o600))
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "terminal")
	var asked []string
	sess, _, err := identity.FromCloud(ctx, "test",
		identity.WithConfigOptions(cloudconfig.WithSearchDirs(dir), cloudconfig.WithEnv(map[string]string{})),
		identity.WithPrompt(func(ctx context.Context, option, prompt string) (string, error) {
			asked = append(asked, fmt.Sprint(ctx.Value(key{}), " ", option, " ", prompt))
			return "pw", nil
		}))
	require.NoError(t, err)
	assert.Equal(t, []string{"terminal password Password: "}, asked)
	_, err = sess.AccessInfo(context.Background())
	require.NoError(t, err)
}
