package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// WithFileCache keeps the session's token in a file under dir, shared by
// every session and process that authenticates the same way (same
// CacheID) with the same secret: the first to authenticate writes the
// token, the others start with it instead of asking Keystone for their own.
//
// A cached token goes only to a plugin that proves the secret it was
// obtained with (SecretProver): each file carries an HMAC of its token and
// that secret under a random key kept in dir (proof.key, 0600), so that a
// plugin with the same user but a wrong password authenticates with
// Keystone (and fails there) instead of being handed the user's token, and
// so that the files alone cannot be used to test guesses of the secret. A
// plugin that cannot prove its whole secret (a TOTP passcode) neither reads
// nor writes the cache unless the session has WithUnprovenCache.
//
// The files hold live tokens. dir is created 0700 if missing; the cache is
// not used when dir, or a file in it, is open to other users or owned by
// another user. Files are written 0600 and replaced atomically (a temporary
// file renamed over the old one), so readers never see half a file. A file
// that is corrupt, belongs to another identity, or whose token is within the
// session's refresh margin of its expiry is ignored. A token the session
// itself gave up (a 401, Invalidate) is never taken back from the file, and
// one Keystone refused (401) is removed from it, so that no other session or
// process is handed it.
//
// Renewals are serialized between processes by an advisory lock (flock) on
// a lock file beside the token's: the process that holds it reads the file
// again before asking Keystone, so when several processes find the token
// expiring at once, one asks and the others take what it wrote. A wait for
// the lock is bounded like the renewal itself (WithAuthTimeout); a lock
// that cannot be had is logged and the renewal goes on without it.
//
// Plugins without a CacheID (CacheKeyer) are not cached. Failures of the
// cache never fail authentication: they are logged and the session
// authenticates as it would without one.
func WithFileCache(dir string) Option {
	return func(s *Session) {
		if s.plugin == nil || CacheID(s.plugin) == "" {
			return
		}
		s.plugin = &fileCached{Plugin: s.plugin, cache: fileCache{dir: dir}, session: s}
	}
}

// fileCached wraps a plugin with the file cache.
type fileCached struct {
	Plugin
	cache   fileCache
	session *Session // for its refresh margin and logger

	mu     sync.Mutex
	served string // the last token this wrapper handed to its session
}

func (f *fileCached) Authenticate(ctx context.Context, client Doer) (*AccessInfo, error) {
	id := CacheID(f.Plugin)
	log := f.session.logger
	f.mu.Lock()
	defer f.mu.Unlock()
	if !servable(f.Plugin, f.session.unprovenCache) {
		return f.Plugin.Authenticate(ctx, client)
	}
	if a := f.cached(ctx, id); a != nil {
		return a, nil
	}
	unlock, err := f.cache.lock(ctx, id)
	if err != nil {
		log.LogAttrs(ctx, slog.LevelWarn, "token file cache: renewing without the lock", slog.String("error", err.Error()))
	} else {
		defer unlock()
		// Another process may have renewed the token while this one
		// waited for the lock.
		if a := f.cached(ctx, id); a != nil {
			return a, nil
		}
	}
	a, err := f.Plugin.Authenticate(ctx, client)
	if err != nil {
		return nil, err
	}
	if err := f.cache.store(id, a, f.Plugin); err != nil {
		log.LogAttrs(ctx, slog.LevelWarn, "token file cache: not written", slog.String("error", err.Error()))
	}
	f.served = a.Token
	return a, nil
}

// cached is the file's token if this session may use it: proven, not
// within the refresh margin, and not the token the session already had (it
// asks again only when that one is unusable).
func (f *fileCached) cached(ctx context.Context, id string) *AccessInfo {
	log := f.session.logger
	a, err := f.cache.load(id, f.Plugin, f.session.unprovenCache)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		log.LogAttrs(ctx, slog.LevelDebug, "token file cache: ignoring the cached token", slog.String("error", err.Error()))
		return nil
	case a.Token == f.served || f.session.refreshNeed(a) != tokenFresh:
		return nil
	}
	log.LogAttrs(ctx, slog.LevelDebug, "token file cache: using the cached token", slog.Time("expires_at", a.ExpiresAt))
	f.served = a.Token
	return a
}

// tokenRejected removes the file of a token Keystone refused, unless it
// already holds another token.
func (f *fileCached) tokenRejected(ctx context.Context, rejected *AccessInfo) {
	if rejected == nil || !servable(f.Plugin, f.session.unprovenCache) {
		return
	}
	id := CacheID(f.Plugin)
	f.mu.Lock()
	defer f.mu.Unlock()
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.session.authTimeout)
	defer cancel()
	if unlock, err := f.cache.lock(lctx, id); err == nil {
		defer unlock()
	}
	a, err := f.cache.load(id, f.Plugin, f.session.unprovenCache)
	if err != nil || a.Token != rejected.Token {
		return
	}
	if err := os.Remove(f.cache.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		f.session.logger.LogAttrs(ctx, slog.LevelWarn, "token file cache: a refused token was not removed", slog.String("error", err.Error()))
		return
	}
	f.session.logger.LogAttrs(ctx, slog.LevelDebug, "token file cache: removed a token Keystone refused", slog.Time("expires_at", a.ExpiresAt))
}

// CacheKey is the wrapped plugin's, so that state export and import see
// through the cache.
func (f *fileCached) CacheKey() map[string]string {
	if ck, ok := f.Plugin.(CacheKeyer); ok {
		return ck.CacheKey()
	}
	return nil
}

// CacheSecret is the wrapped plugin's, so that state export and import
// see through the cache.
func (f *fileCached) CacheSecret() ([]byte, bool) { return secretOf(f.Plugin) }

// DecorateRequest is the wrapped plugin's, if it has one.
func (f *fileCached) DecorateRequest(req *http.Request, a *AccessInfo) error {
	return decorateRequest(f.Plugin, req, a)
}

// fileCache is a directory of state files, one per cache id.
type fileCache struct {
	dir string
}

// maxCacheFile bounds what is read of a cache file (a token with a large
// catalog is tens of kilobytes).
const maxCacheFile = 8 << 20

func (c fileCache) path(id string) string { return filepath.Join(c.dir, id+".json") }

// proofKeyFile is the name of the file holding the key of the proofs; a
// cache id is hex, so it never names this file.
const proofKeyFile = "proof.key"

// load returns the cached access for id if p proves its secret; whether it
// is still good is for the session to judge (refreshNeed).
func (c fileCache) load(id string, p Plugin, allowUnproven bool) (*AccessInfo, error) {
	if err := c.checkDir(false); err != nil {
		return nil, err
	}
	data, err := readPrivate(c.path(id), maxCacheFile)
	if err != nil {
		return nil, err
	}
	key, err := c.proofKey(false)
	if err != nil {
		return nil, err
	}
	a, err := openState(data, id, key, p, allowUnproven)
	if err != nil {
		return nil, err
	}
	a.fromCache = true
	return a, nil
}

// lockPoll is how often a process waiting for another's renewal tries the
// lock again: short against a token request, long against a system call.
const lockPoll = 20 * time.Millisecond

// lock takes the renewal lock of id (an exclusive flock on id.lock in the
// directory), waiting for it as long as ctx allows.
func (c fileCache) lock(ctx context.Context, id string) (unlock func(), err error) {
	if err := c.checkDir(true); err != nil {
		return nil, err
	}
	path := filepath.Join(c.dir, id+".lock")
	f, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	for {
		locked, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if locked {
			return func() { unlockFile(f); f.Close() }, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for the lock %s: %w", path, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}

// store writes a's state for id, sealed for p's secret: to a temporary
// file in the same directory, then renamed over the old file.
func (c fileCache) store(id string, a *AccessInfo, p Plugin) error {
	if !exportable(a) {
		return nil
	}
	if err := c.checkDir(true); err != nil {
		return err
	}
	key, err := c.proofKey(true)
	if err != nil {
		return err
	}
	data, err := encodeState(id, a, key, p)
	if err != nil {
		return err
	}
	name, err := c.writeTemp("."+id+".*.tmp", data)
	if err != nil {
		return err
	}
	if err := os.Rename(name, c.path(id)); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}

// proofKey reads the key of the proofs, creating it when create is set
// and there is none yet. Two processes creating it at once agree on one:
// each writes its own key to a temporary file and links it into place,
// which fails for all but the first, and the others read the winner's.
func (c fileCache) proofKey(create bool) ([]byte, error) {
	path := filepath.Join(c.dir, proofKeyFile)
	key, err := readPrivate(path, proofKeySize)
	if err == nil || !create || !errors.Is(err, fs.ErrNotExist) {
		if err == nil && len(key) != proofKeySize {
			err = fmt.Errorf("%s: not a key of %d bytes", path, proofKeySize)
		}
		return key, err
	}
	name, err := c.writeTemp("."+proofKeyFile+".*.tmp", NewStateKey())
	if err != nil {
		return nil, err
	}
	defer os.Remove(name)
	if err := os.Link(name, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return c.proofKey(false)
}

// writeTemp writes data to a new 0600 file in the directory, synced, and
// returns its name.
func (c fileCache) writeTemp(pattern string, data []byte) (string, error) {
	tmp, err := os.CreateTemp(c.dir, pattern) // created 0600
	if err != nil {
		return "", err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return "", err
	}
	if _, err := tmp.Write(data); err != nil {
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	ok = true
	return name, nil
}

// checkDir makes sure the directory is private to this user, creating it
// (0700) when create is set.
func (c fileCache) checkDir(create bool) error {
	if c.dir == "" {
		return errors.New("no cache directory")
	}
	if create {
		if err := os.MkdirAll(c.dir, 0o700); err != nil {
			return err
		}
	}
	fi, err := os.Stat(c.dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", c.dir)
	}
	if err := private(fi); err != nil {
		return fmt.Errorf("cache directory %s: %w", c.dir, err)
	}
	return nil
}

// readPrivate reads a private file (see openPrivate) of at most limit
// bytes.
func readPrivate(path string, limit int64) ([]byte, error) {
	f, err := openPrivate(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, nil
}

// openPrivate opens a cache file for reading, refusing a symbolic link, a
// file that is not regular, and one other users may read or write.
func openPrivate(path string) (*os.File, error) {
	f, err := openNoFollow(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", path)
	}
	if err == nil {
		if perr := private(fi); perr != nil {
			err = fmt.Errorf("cache file %s: %w", path, perr)
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
