package auth

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keystone-go/keystone/pkg/apierror"
)

// A token cached for one secret goes to a plugin with the same user and
// scope but another secret only through Keystone, never from the cache.
func TestFileCacheServesOnlyTheSameSecret(t *testing.T) {
	ks := newStub(t)
	for name, tc := range map[string]struct{ right, wrong func() Plugin }{
		"password": {
			func() Plugin { return cachePlugin(ks) },
			func() Plugin { p := cachePlugin(ks); p.Password = "wrong"; return p },
		},
		"application credential": {
			func() Plugin { return &ApplicationCredential{AuthURL: ks.URL + "/v3", ID: "ac1", Secret: "s3cret"} },
			func() Plugin { return &ApplicationCredential{AuthURL: ks.URL + "/v3", ID: "ac1", Secret: "guess"} },
		},
		"multi-factor, one method wrong": {
			func() Plugin {
				return &MultiFactor{AuthURL: ks.URL + "/v3", Methods: []Method{
					&PasswordMethod{UserID: "u1", Password: "pw"}, &ApplicationCredentialMethod{ID: "ac1", Secret: "s3cret"}}}
			},
			func() Plugin {
				return &MultiFactor{AuthURL: ks.URL + "/v3", Methods: []Method{
					&PasswordMethod{UserID: "u1", Password: "pw"}, &ApplicationCredentialMethod{ID: "ac1", Secret: "guess"}}}
			},
		},
		"oauth1": {
			func() Plugin {
				return &OAuth1{AuthURL: ks.URL + "/v3", ConsumerKey: "ck", ConsumerSecret: "cs", AccessKey: "ak", AccessSecret: "as"}
			},
			func() Plugin {
				return &OAuth1{AuthURL: ks.URL + "/v3", ConsumerKey: "ck", ConsumerSecret: "cs", AccessKey: "ak", AccessSecret: "xx"}
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, CacheID(tc.right()), CacheID(tc.wrong()), "the same identity")
			dir := filepath.Join(t.TempDir(), "cache")
			c := fileCache{dir: dir}
			a, err := ks.session(&Token{AuthURL: ks.URL + "/v3", Token: "x"}).AccessInfo(bg(t))
			require.NoError(t, err)
			id := CacheID(tc.right())
			require.NoError(t, c.store(id, a, tc.right()))

			got, err := c.load(id, tc.right(), false)
			require.NoError(t, err, "the same secret hits the cache")
			assert.Equal(t, a.Token, got.Token)
			_, err = c.load(id, tc.wrong(), false)
			assert.ErrorIs(t, err, ErrCachedSecretMismatch)
			_, err = c.load(id, tc.wrong(), true)
			assert.ErrorIs(t, err, ErrCachedSecretMismatch, "opting in for unprovable secrets does not lift the check")
		})
	}
}

// The whole path through a session: a wrong password with the file cache
// asks Keystone (which refuses it) instead of getting the cached token.
func TestFileCacheWrongPasswordGoesToKeystone(t *testing.T) {
	ks := newStub(t)
	ks.issue = func(w http.ResponseWriter, _ *http.Request, body []byte) bool {
		if strings.Contains(string(body), `"password":"pw"`) {
			return false
		}
		unauthorized(w)
		return true
	}
	dir := filepath.Join(t.TempDir(), "cache")
	a, err := ks.session(cachePlugin(ks), WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)

	wrong := cachePlugin(ks)
	wrong.Password = "guess"
	_, err = ks.session(wrong, WithFileCache(dir)).AccessInfo(bg(t))
	assert.ErrorIs(t, err, apierror.ErrUnauthorized, "Keystone judged the password")
	assert.EqualValues(t, 2, ks.tokenRequests.Load())

	b, err := ks.session(cachePlugin(ks), WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, a.Token, b.Token, "the right password still hits the cache")
	assert.EqualValues(t, 2, ks.tokenRequests.Load())
}

// A plugin that cannot prove its secret (a TOTP passcode) is served a
// cached token only when the session opts in.
func TestFileCacheUnprovablePluginNeedsOptIn(t *testing.T) {
	ks := newStub(t)
	dir := filepath.Join(t.TempDir(), "cache")
	totp := func(code string) Plugin {
		return &TOTP{AuthURL: ks.URL + "/v3", UserID: "u1", Passcode: code, Scope: Scope{ProjectID: "p1"}}
	}
	_, err := ks.session(totp("111111"), WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, CacheID(totp(""))+".json"))
	assert.ErrorIs(t, err, os.ErrNotExist, "not written without the opt-in")
	_, err = ks.session(totp("222222"), WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.EqualValues(t, 2, ks.tokenRequests.Load(), "each login asks Keystone")

	a, err := ks.session(totp("333333"), WithFileCache(dir), WithUnprovenCache()).AccessInfo(bg(t))
	require.NoError(t, err)
	b, err := ks.session(totp("444444"), WithFileCache(dir), WithUnprovenCache()).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, a.Token, b.Token)
	assert.EqualValues(t, 3, ks.tokenRequests.Load(), "opted in: the cached token is used")
	_, err = ks.session(totp("555555"), WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.EqualValues(t, 4, ks.tokenRequests.Load(), "a session without the opt-in ignores it")

	// Multi-factor: the password is still checked under the opt-in.
	mfa := func(pw string) Plugin {
		return &MultiFactor{AuthURL: ks.URL + "/v3", Methods: []Method{
			&PasswordMethod{UserID: "u1", Password: pw}, &TOTPMethod{UserID: "u1", Passcode: "123456"}}}
	}
	_, err = ks.session(mfa("pw"), WithFileCache(dir), WithUnprovenCache()).AccessInfo(bg(t))
	require.NoError(t, err)
	_, err = ks.session(mfa("pw"), WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.EqualValues(t, 6, ks.tokenRequests.Load(), "MFA skipped only with the opt-in")
	_, err = ks.session(mfa("guess"), WithFileCache(dir), WithUnprovenCache()).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.EqualValues(t, 7, ks.tokenRequests.Load(), "a wrong password is not served even with the opt-in")
}

// The cache files alone say nothing about the secret: the proof is keyed
// by the key file, and without it the same file and password give another
// proof.
func TestFileCacheProofNeedsTheKey(t *testing.T) {
	ks := newStub(t)
	dir := filepath.Join(t.TempDir(), "cache")
	_, err := ks.session(cachePlugin(ks), WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(dir, CacheID(cachePlugin(ks))+".json"))
	require.NoError(t, err)
	st, err := readState(data, CacheID(cachePlugin(ks)))
	require.NoError(t, err)
	require.NotEmpty(t, st.Proof)
	assert.NotContains(t, string(data), sha256Hex("pw"))
	secret, _ := secretOf(cachePlugin(ks))
	assert.NotEqual(t, st.Proof, cacheProof(nil, st, secret), "not an unkeyed hash")
	key, err := os.ReadFile(filepath.Join(dir, proofKeyFile))
	require.NoError(t, err)
	assert.Len(t, key, proofKeySize)
	assert.Equal(t, st.Proof, cacheProof(key, st, secret))
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(filepath.Join(dir, proofKeyFile))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}

	// A tampered body (another catalog, say) breaks the proof too.
	tampered := bytes.Replace(data, []byte(ks.URL), []byte("http://evil.example"), 1)
	require.NotEqual(t, data, tampered)
	require.NoError(t, os.WriteFile(filepath.Join(dir, CacheID(cachePlugin(ks))+".json"), tampered, 0o600))
	_, err = fileCache{dir: dir}.load(CacheID(cachePlugin(ks)), cachePlugin(ks), false)
	assert.ErrorIs(t, err, ErrCachedSecretMismatch)
}

// A key file others may read disables the cache instead of being trusted.
func TestFileCacheRefusesAKeyOpenToOthers(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	ks := newStub(t)
	dir := filepath.Join(t.TempDir(), "cache")
	_, err := ks.session(cachePlugin(ks), WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)
	require.NoError(t, os.Chmod(filepath.Join(dir, proofKeyFile), 0o644))
	_, err = ks.session(cachePlugin(ks), WithFileCache(dir)).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.EqualValues(t, 2, ks.tokenRequests.Load())
}

func TestImportStateChecksTheSecret(t *testing.T) {
	ks := newStub(t)
	key := NewStateKey()
	first := ks.session(cachePlugin(ks), WithStateKey(key))
	_, err := first.AccessInfo(bg(t))
	require.NoError(t, err)
	data, err := first.ExportState()
	require.NoError(t, err)

	require.NoError(t, ks.session(cachePlugin(ks), WithStateKey(key)).ImportState(data))

	wrong := cachePlugin(ks)
	wrong.Password = "guess"
	err = ks.session(wrong, WithStateKey(key)).ImportState(data)
	assert.ErrorIs(t, err, ErrCachedSecretMismatch)
	assert.ErrorIs(t, err, apierror.ErrInvalidConfig)
	assert.NotContains(t, err.Error(), "guess")

	err = ks.session(cachePlugin(ks), WithStateKey(NewStateKey())).ImportState(data)
	assert.ErrorIs(t, err, ErrCachedSecretMismatch, "another key")
	err = ks.session(cachePlugin(ks)).ImportState(data)
	assert.ErrorIs(t, err, ErrCachedSecretMismatch, "each session has a key of its own by default")

	// WithState falls back to Keystone, in whichever order the options come.
	before := ks.tokenRequests.Load()
	_, err = ks.session(wrong, WithState(data), WithStateKey(key)).AccessInfo(bg(t))
	require.NoError(t, err) // the stub takes any password
	assert.Equal(t, before+1, ks.tokenRequests.Load())
	_, err = ks.session(cachePlugin(ks), WithState(data), WithStateKey(key)).AccessInfo(bg(t))
	require.NoError(t, err)
	assert.Equal(t, before+1, ks.tokenRequests.Load(), "the key given after WithState still applies")

	// TOTP needs the opt-in.
	totp := &TOTP{AuthURL: ks.URL + "/v3", UserID: "u1", Passcode: "123456"}
	ts := ks.session(totp, WithStateKey(key))
	_, err = ts.AccessInfo(bg(t))
	require.NoError(t, err)
	tdata, err := ts.ExportState()
	require.NoError(t, err)
	err = ks.session(totp, WithStateKey(key)).ImportState(tdata)
	assert.ErrorIs(t, err, ErrCachedSecretUnproven)
	assert.NoError(t, ks.session(totp, WithStateKey(key), WithUnprovenCache()).ImportState(tdata))
}

func TestWithStateKeyRefusesAShortKey(t *testing.T) {
	s := New(cachePlugin(newStub(t)), WithStateKey([]byte("short")))
	assert.ErrorIs(t, s.Err(), apierror.ErrInvalidConfig)
	_, err := s.ExportState()
	assert.True(t, errors.Is(err, apierror.ErrInvalidConfig) && strings.Contains(err.Error(), "16"), "%v", err)
}
