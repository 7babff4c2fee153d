#!/usr/bin/env bash
# keystone-up.sh - install (if needed) and start a real OpenStack Keystone on 127.0.0.1 for
# keystone-go's end-to-end tests, benchmarks and the quickstart: Zed from the host's Debian 12
# packages, or a newer release from a newer Debian suite in a chroot (hack/keystone-release.sh;
# the releases and their pinned versions are in hack/keystone-releases.tsv).
#
# Usage:   keystone-up.sh [STATE_DIR]            (idempotent; safe to run twice)
#          eval "$(keystone-up.sh)"              (stdout = only `export ...` lines)
# Stop:    keystone-down.sh [STATE_DIR]
#
# Environment (all optional):
#   KEYSTONE_RELEASE        zed | epoxy | latest                           [zed]
#   KEYSTONE_DIR            state dir (config, sqlite db, keys, log, pid)  [/tmp/keystone-go, or
#                                                                            /tmp/keystone-go-RELEASE]
#   KEYSTONE_PORT           TCP port on 127.0.0.1             [the release's: 5000, 5030, 5050]
#   KEYSTONE_ADMIN_PASSWORD password of bootstrap user "admin"             [secret]
#   KEYSTONE_SERVER         uwsgi | gunicorn | wsgiref                     [uwsgi]
#   KEYSTONE_PROCESSES      worker processes (uwsgi/gunicorn)              [1]
#   KEYSTONE_THREADS        threads per worker (uwsgi/gunicorn)            [1]
#                           1 is the safe choice: Keystone's AuthContextMiddleware keeps the
#                           token being validated on an object all threads share, so under
#                           concurrent requests one request can be judged with another's
#                           delegation facts; and sqlite answers concurrent writers with
#                           "database is locked", which uWSGI turns into an empty reply.
#   KEYSTONE_KEEPALIVE      uwsgi only: 1 = HTTP/1.1 keep-alive (--http11-socket); default 1
#                           with more than one thread, else 0 (--http-socket, one request per
#                           connection, so that one idle keep-alive client cannot hold the
#                           only thread while others queue)
#   KEYSTONE_CACHE          auto | memory | none                           [auto]
#                           memory = in-process dogpile.cache.memory_pickle (only valid with 1 process:
#                           a per-process cache serves stale data from other workers);
#                           auto = memory if KEYSTONE_PROCESSES=1, else none
#   KEYSTONE_BCRYPT_ROUNDS  bcrypt cost for stored passwords, 4..31        [4]  (upstream default 12)
#   KEYSTONE_START_TIMEOUT  seconds to wait for GET /v3                    [60]
#   KEYSTONE_RESTART=1      restart even if a healthy server is running
#   KEYSTONE_RESET=1        stop, wipe the state dir, start from scratch
#   KEYSTONE_DEBUG=true     keystone debug logging
#   KEYSTONE_NEW_RBAC=true  [oslo_policy] enforce_scope + enforce_new_defaults (secure RBAC);
#                           default false = Zed's legacy policy (admin role anywhere = cloud admin)
#   KEYSTONE_NO_INSTALL=1   never call apt-get (fail if packages are missing)
#   KEYSTONE_TOKEN_EXPIRATION  [token] expiration: seconds a token lives   [3600]
#                           (short lifetimes let a test watch tokens expire and be renewed)
#   KEYSTONE_ROTATE_KEYS=1  restart with brand-new fernet keys: every token issued before is
#                           refused (401), as after a key rotation that retired the keys that
#                           signed them (keystone-manage fernet_rotate retires one key a run;
#                           with max_active_keys=3 it takes two to invalidate a token)
#
# Informational messages go to stderr; stdout carries only the export lines.
set -euo pipefail

log() { printf 'keystone-up: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

. "$(dirname "${BASH_SOURCE[0]}")/keystone-release.sh"
select_release
KEYSTONE_DIR="${1:-${KEYSTONE_DIR:-$default_dir}}"
KEYSTONE_PORT="${KEYSTONE_PORT:-$(release_field "$KEYSTONE_RELEASE" 4)}"
KEYSTONE_ADMIN_PASSWORD="${KEYSTONE_ADMIN_PASSWORD:-secret}"
KEYSTONE_SERVER="${KEYSTONE_SERVER:-uwsgi}"
KEYSTONE_PROCESSES="${KEYSTONE_PROCESSES:-1}"
KEYSTONE_THREADS="${KEYSTONE_THREADS:-1}"
if [[ -z "${KEYSTONE_KEEPALIVE:-}" ]]; then
  if (( ${KEYSTONE_THREADS} > 1 )); then KEYSTONE_KEEPALIVE=1; else KEYSTONE_KEEPALIVE=0; fi
fi
KEYSTONE_CACHE="${KEYSTONE_CACHE:-auto}"
KEYSTONE_BCRYPT_ROUNDS="${KEYSTONE_BCRYPT_ROUNDS:-4}"
KEYSTONE_START_TIMEOUT="${KEYSTONE_START_TIMEOUT:-60}"
KEYSTONE_RESTART="${KEYSTONE_RESTART:-0}"
KEYSTONE_RESET="${KEYSTONE_RESET:-0}"
KEYSTONE_DEBUG="${KEYSTONE_DEBUG:-false}"
KEYSTONE_NEW_RBAC="${KEYSTONE_NEW_RBAC:-false}"
KEYSTONE_NO_INSTALL="${KEYSTONE_NO_INSTALL:-0}"
KEYSTONE_TOKEN_EXPIRATION="${KEYSTONE_TOKEN_EXPIRATION:-3600}"
KEYSTONE_ROTATE_KEYS="${KEYSTONE_ROTATE_KEYS:-0}"
HOST=127.0.0.1   # never anything else

[[ "$KEYSTONE_PORT" =~ ^[0-9]+$ ]] && (( KEYSTONE_PORT > 0 && KEYSTONE_PORT < 65536 )) \
  || die "KEYSTONE_PORT must be a TCP port number, got '$KEYSTONE_PORT'"
[[ "$KEYSTONE_PROCESSES" =~ ^[1-9][0-9]*$ ]] || die "KEYSTONE_PROCESSES must be >= 1"
[[ "$KEYSTONE_THREADS" =~ ^[1-9][0-9]*$ ]] || die "KEYSTONE_THREADS must be >= 1"
[[ "$KEYSTONE_KEEPALIVE" == 0 || "$KEYSTONE_KEEPALIVE" == 1 ]] || die "KEYSTONE_KEEPALIVE must be 0 or 1"
[[ "$KEYSTONE_BCRYPT_ROUNDS" =~ ^[0-9]+$ ]] && (( KEYSTONE_BCRYPT_ROUNDS >= 4 && KEYSTONE_BCRYPT_ROUNDS <= 31 )) \
  || die "KEYSTONE_BCRYPT_ROUNDS must be 4..31"
[[ "$KEYSTONE_START_TIMEOUT" =~ ^[0-9]+$ ]] || die "KEYSTONE_START_TIMEOUT must be an integer"
[[ "$KEYSTONE_TOKEN_EXPIRATION" =~ ^[1-9][0-9]*$ ]] || die "KEYSTONE_TOKEN_EXPIRATION must be a positive number of seconds"
[[ "$KEYSTONE_ROTATE_KEYS" == 0 || "$KEYSTONE_ROTATE_KEYS" == 1 ]] || die "KEYSTONE_ROTATE_KEYS must be 0 or 1"
[[ "$KEYSTONE_NEW_RBAC" == true || "$KEYSTONE_NEW_RBAC" == false ]] || die "KEYSTONE_NEW_RBAC must be true or false"
[[ "$KEYSTONE_DEBUG" == true || "$KEYSTONE_DEBUG" == false ]] || die "KEYSTONE_DEBUG must be true or false"
case "$KEYSTONE_SERVER" in uwsgi|gunicorn|wsgiref) ;; *) die "KEYSTONE_SERVER must be uwsgi, gunicorn or wsgiref";; esac
[[ "$KEYSTONE_SERVER" == wsgiref ]] && KEYSTONE_PROCESSES=1 && KEYSTONE_THREADS=1
case "$KEYSTONE_CACHE" in
  auto)   if (( KEYSTONE_PROCESSES == 1 )); then KEYSTONE_CACHE=memory; else KEYSTONE_CACHE=none; fi ;;
  memory) (( KEYSTONE_PROCESSES == 1 )) || die "KEYSTONE_CACHE=memory needs KEYSTONE_PROCESSES=1 (per-process caches go stale across workers)" ;;
  none)   ;;
  *)      die "KEYSTONE_CACHE must be auto, memory or none" ;;
esac
case "$KEYSTONE_DIR" in /*) ;; *) KEYSTONE_DIR="$PWD/$KEYSTONE_DIR";; esac
KEYSTONE_DIR="${KEYSTONE_DIR%/}"
[[ -n "$KEYSTONE_DIR" && "$KEYSTONE_DIR" != "/" ]] || die "refusing to use / as state dir"
[[ "$KEYSTONE_DIR" != *[[:space:]\;\'\"]* ]] || die "state dir must not contain spaces, quotes or ';'"

CONF="$KEYSTONE_DIR/keystone.conf"
PIDFILE="$KEYSTONE_DIR/keystone.pid"
LOGFILE="$KEYSTONE_DIR/keystone.log"
MARKER="$KEYSTONE_DIR/.keystone-test-state"
FINGERPRINT_FILE="$KEYSTONE_DIR/.fingerprint"
BASE_URL="http://$HOST:$KEYSTONE_PORT"
AUTH_URL="$BASE_URL/v3"
PY=/usr/bin/python3           # Debian's interpreter; a pyenv/venv python3 on PATH lacks keystone
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
unset OS_CLOUD || true         # keystone-manage ignores it, but be explicit

print_exports() {
  printf 'export KEYSTONE_RELEASE=%s\n' "$KEYSTONE_RELEASE"
  printf 'export OS_AUTH_URL=%s\n' "$AUTH_URL"
  printf 'export OS_USERNAME=admin\n'
  printf 'export OS_PASSWORD=%q\n' "$KEYSTONE_ADMIN_PASSWORD"
  printf 'export OS_PROJECT_NAME=admin\n'
  printf 'export OS_USER_DOMAIN_ID=default\n'
  printf 'export OS_PROJECT_DOMAIN_ID=default\n'
  printf 'export OS_IDENTITY_API_VERSION=3\n'
  printf 'export OS_REGION_NAME=RegionOne\n'
}

# ---------------------------------------------------------------- chroot releases
# A release from another Debian suite: make sure its chroot exists, lend it the state dir, and
# run this same script inside it, which then takes the host's path below.
chroot_root=$(release_root "$KEYSTONE_RELEASE")
if [[ -n "$chroot_root" && "${KEYSTONE_IN_CHROOT:-0}" != 1 ]]; then
  [[ $(id -u) == 0 ]] || die "KEYSTONE_RELEASE=$KEYSTONE_RELEASE runs Keystone in a chroot, which needs root"
  ensure_chroot "$KEYSTONE_RELEASE"
  mkdir -p "$KEYSTONE_DIR"
  chroot_mount "$chroot_root" "$KEYSTONE_DIR"
  install -D -m 0755 "${BASH_SOURCE[0]}" "$chroot_root/usr/local/lib/keystone-go/keystone-up.sh"
  install -D -m 0644 "$(dirname "${BASH_SOURCE[0]}")/keystone-release.sh" "$chroot_root/usr/local/lib/keystone-go/keystone-release.sh"
  install -D -m 0644 "$KEYSTONE_RELEASES_FILE" "$chroot_root/usr/local/lib/keystone-go/keystone-releases.tsv"
  settings=()
  while IFS= read -r var; do settings+=("$var=${!var}"); done < <(compgen -v KEYSTONE_)
  if ! in_chroot "$chroot_root" "${settings[@]}" KEYSTONE_DIR="$KEYSTONE_DIR" KEYSTONE_PORT="$KEYSTONE_PORT" \
      KEYSTONE_RELEASE="$KEYSTONE_RELEASE" KEYSTONE_IN_CHROOT=1 bash /usr/local/lib/keystone-go/keystone-up.sh; then
    chroot_umount "$chroot_root" "$KEYSTONE_DIR"
    die "Keystone $KEYSTONE_RELEASE did not start in $chroot_root"
  fi
  exit 0
fi

log "settings: release=$KEYSTONE_RELEASE dir=$KEYSTONE_DIR port=$KEYSTONE_PORT server=$KEYSTONE_SERVER processes=$KEYSTONE_PROCESSES threads=$KEYSTONE_THREADS keepalive=$KEYSTONE_KEEPALIVE cache=$KEYSTONE_CACHE bcrypt_rounds=$KEYSTONE_BCRYPT_ROUNDS new_rbac=$KEYSTONE_NEW_RBAC"

# ---------------------------------------------------------------- packages
pkgs=(python3-keystone curl openssl)
case "$KEYSTONE_SERVER" in
  uwsgi)    pkgs+=(uwsgi-core uwsgi-plugin-python3) ;;
  gunicorn) pkgs+=(python3-gunicorn) ;;
  wsgiref)  ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$st" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ "$KEYSTONE_NO_INSTALL" == 1 ]] && die "missing packages: ${missing[*]} (KEYSTONE_NO_INSTALL=1)"
  [[ $(id -u) == 0 ]] || die "missing packages: ${missing[*]}; run as root or: sudo apt-get install -y --no-install-recommends ${missing[*]}"
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  t0=$SECONDS
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
    log "apt-get install failed; running apt-get update and retrying"
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
  log "packages installed in $((SECONDS - t0))s"
fi
command -v keystone-manage >/dev/null || die "keystone-manage not found after install"

# ---------------------------------------------------------------- helpers
# alive PID: running and not a zombie (a zombie passes `kill -0`; zombies linger
# where PID 1 does not reap, e.g. containers without an init)
alive() {
  local st
  st=$( { sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f1; } 2>/dev/null ) || return 1
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}
# pid_is_ours PID: true if PID is alive and was started by us for this state dir.
pid_is_ours() {
  local pid=$1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  { tr '\0' '\n' < "/proc/$pid/environ"; } 2>/dev/null | grep -qxF "OS_KEYSTONE_CONFIG_DIR=$KEYSTONE_DIR"
}

# stop_server: TERM the pid from the pid file (only that pid), KILL after 15s.
stop_server() {
  [[ -f "$PIDFILE" ]] || return 0
  local pid; pid=$(tr -dc '0-9' < "$PIDFILE" || true)
  if [[ -n "$pid" ]] && pid_is_ours "$pid"; then
    log "stopping keystone pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      log "pid $pid still alive after 15s; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
    fi
  fi
  rm -f "$PIDFILE"
}

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" 2>/dev/null || true; }
port_in_use() { (exec 3<>"/dev/tcp/$HOST/$KEYSTONE_PORT") 2>/dev/null; }

# ---------------------------------------------------------------- reset
if [[ "$KEYSTONE_RESET" == 1 && -d "$KEYSTONE_DIR" ]]; then
  if [[ -f "$MARKER" || -z "$(ls -A "$KEYSTONE_DIR")" ]]; then
    stop_server
    log "KEYSTONE_RESET=1: wiping $KEYSTONE_DIR"
    rm -rf "$KEYSTONE_DIR"
  else
    die "KEYSTONE_RESET=1 but $KEYSTONE_DIR is not a keystone-up state dir (no $MARKER); not wiping it"
  fi
fi
mkdir -p "$KEYSTONE_DIR"
[[ -f "$MARKER" || -z "$(ls -A "$KEYSTONE_DIR")" ]] \
  || die "$KEYSTONE_DIR exists, is not empty and was not created by keystone-up.sh"
touch "$MARKER"
chmod 700 "$KEYSTONE_DIR"

# ---------------------------------------------------------------- config
KS_VERSION=$(dpkg-query -W -f='${Version}' python3-keystone)
pinned=$(release_field "$KEYSTONE_RELEASE" 5)
if [[ "$pinned" == host ]]; then
  [[ "$KS_VERSION" == 2:22.* ]] || die "KEYSTONE_RELEASE=zed needs Debian 12's Keystone 22 (Zed); this host has python3-keystone $KS_VERSION"
elif [[ "$KS_VERSION" != "$pinned" ]]; then
  die "KEYSTONE_RELEASE=$KEYSTONE_RELEASE pins python3-keystone $pinned; installed: $KS_VERSION"
fi
# Keystone 30 moved the EC2/S3 signature checks behind an auth method: without it in [auth]
# methods, /v3/ec2tokens and /v3/s3tokens answer 503. Older releases have no such plugin and
# would refuse to start with it listed.
auth_methods=external,password,token,oauth1,mapped,application_credential,totp,saml2,openid
if grep -qs '^\[keystone.auth.ec2credential\]' /usr/lib/python3/dist-packages/keystone-*/entry_points.txt; then
  auth_methods+=,ec2credential
fi
# xmlsec1 1.3 (Debian sid) looks keys up strictly and no longer finds the one Keystone names
# with --privkey-pem, so signing SAML assertions fails (Keystone 30 then answers 400 "can only
# concatenate str (not "bytes") to str" from its error path). A wrapper restores the lax lookup.
xmlsec1_binary=xmlsec1
if [[ "$(xmlsec1 --version 2>/dev/null)" =~ ^xmlsec1\ ([0-9]+)\.([0-9]+) ]] \
    && (( BASH_REMATCH[1] > 1 || (BASH_REMATCH[1] == 1 && BASH_REMATCH[2] >= 3) )); then
  xmlsec1_binary="$KEYSTONE_DIR/xmlsec1-lax"
  # Keystone reads the signed document from stdout with stderr merged in, where xmlsec1 1.3 also
  # reports "Signature status: OK": that goes to a log instead.
  printf '#!/bin/sh\ncommand=$1; shift\nexec xmlsec1 "$command" --lax-key-search "$@" 2>>%s\n' \
    "$KEYSTONE_DIR/xmlsec1.log" > "$xmlsec1_binary"
  chmod 0755 "$xmlsec1_binary"
fi
# Keystone 28 and later ship no keystone-wsgi-public script: uWSGI loads the module instead.
wsgi_script=/usr/bin/keystone-wsgi-public
wsgi_app=(--wsgi-file "$wsgi_script")
[[ -e "$wsgi_script" ]] || wsgi_app=(--module keystone.wsgi.api:application)
mkdir -p "$KEYSTONE_DIR"/{fernet-keys,credential-keys,domains,saml}
cat > "$CONF.new" <<EOF
# generated by keystone-up.sh - do not edit (rewritten on every run)
[DEFAULT]
debug = $KEYSTONE_DEBUG
# error responses carry the real reason (handy for SDK tests; NOT for production)
insecure_debug = true
use_stderr = false
log_file = $LOGFILE

[database]
connection = sqlite:///$KEYSTONE_DIR/keystone.db

[token]
provider = fernet
expiration = $KEYSTONE_TOKEN_EXPIRATION

[fernet_tokens]
key_repository = $KEYSTONE_DIR/fernet-keys/
max_active_keys = 3

[fernet_receipts]
# MFA receipts (401 + Openstack-Auth-Receipt); default path is /etc/keystone/fernet-keys/
key_repository = $KEYSTONE_DIR/fernet-keys/

[credential]
provider = fernet
key_repository = $KEYSTONE_DIR/credential-keys/

[identity]
driver = sql
password_hash_algorithm = bcrypt
password_hash_rounds = $KEYSTONE_BCRYPT_ROUNDS
domain_specific_drivers_enabled = true
domain_configurations_from_database = true
domain_config_dir = $KEYSTONE_DIR/domains

[auth]
# default list + totp; saml2/openid are aliases of the "mapped" plugin (protocol ids)
methods = $auth_methods

[federation]
# keystone reads the federated assertion from the WSGI environ; with this
# prefix, request headers "X-Ks-Fed-*" (environ HTTP_X_KS_FED_*) are the assertion,
# so federated (mapped) auth can be exercised with plain curl - test only!
assertion_prefix = HTTP_X_KS_FED_
remote_id_attribute = HTTP_X_KS_FED_IDP
trusted_dashboard = http://$HOST:$KEYSTONE_PORT/dashboard/auth/websso/
sso_callback_template = $KEYSTONE_DIR/sso_callback_template.html

[saml]
# keystone as a SAML2 IdP (POST /v3/auth/OS-FEDERATION/saml2[/ecp]); uses xmlsec1
certfile = $KEYSTONE_DIR/saml/cert.pem
keyfile = $KEYSTONE_DIR/saml/key.pem
idp_entity_id = $BASE_URL/v3/OS-FEDERATION/saml2/idp
idp_sso_endpoint = $BASE_URL/v3/OS-FEDERATION/saml2/sso
idp_metadata_path = $KEYSTONE_DIR/saml/idp_metadata.xml
xmlsec1_binary = $xmlsec1_binary

[oslo_policy]
# false = Zed defaults: legacy "admin role anywhere = cloud admin" rules
enforce_scope = $KEYSTONE_NEW_RBAC
enforce_new_defaults = $KEYSTONE_NEW_RBAC

[cache]
# memory: in-process cache of the (single) server process - 15-50x faster than no
# cache on sqlite (one uncached token validation is ~500 SQL queries).
# memory_pickle, NOT dogpile.cache.memory/oslo_cache.dict: those hand out the cached
# object itself and keystone mutates it (credential_api pops encrypted_blob ->
# KeyError -> empty reply on the 2nd read of an EC2/TOTP credential).
enabled = $([[ "$KEYSTONE_CACHE" == memory ]] && echo true || echo false)
backend = dogpile.cache.memory_pickle
expiration_time = 600

[oslo_middleware]
enable_proxy_headers_parsing = false
EOF
mv "$CONF.new" "$CONF"

cat > "$KEYSTONE_DIR/sso_callback_template.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>Keystone WebSSO redirect</title></head>
<body>
<form id="sso" name="sso" action="$host" method="post">
  <input type="hidden" name="token" id="token" value="$token"/>
  <noscript><input type="submit" value="Continue"/></noscript>
</form>
<script>window.onload = function() { document.forms['sso'].submit(); }</script>
</body></html>
EOF

fingerprint=$( { cat "$CONF"; echo "$KEYSTONE_SERVER $KEYSTONE_PROCESSES $KEYSTONE_THREADS $KEYSTONE_KEEPALIVE $KS_VERSION";
                 printf '%s' "$KEYSTONE_ADMIN_PASSWORD" | sha256sum; } | sha256sum | cut -d' ' -f1)

# ---------------------------------------------------------------- reuse?
if [[ -f "$PIDFILE" ]]; then
  oldpid=$(tr -dc '0-9' < "$PIDFILE" || true)
  if [[ -n "$oldpid" ]] && pid_is_ours "$oldpid"; then
    if [[ "$KEYSTONE_RESTART" != 1 && "$KEYSTONE_ROTATE_KEYS" != 1 && "$(cat "$FINGERPRINT_FILE" 2>/dev/null || true)" == "$fingerprint" \
          && "$(http_code "$AUTH_URL")" == 200 ]]; then
      log "keystone already running (pid $oldpid) on $AUTH_URL with the same settings; reusing it"
      print_exports
      exit 0
    fi
    log "restarting keystone (pid $oldpid): settings changed, unhealthy, KEYSTONE_RESTART=1 or KEYSTONE_ROTATE_KEYS=1"
    stop_server
  else
    log "removing stale pid file $PIDFILE"
    rm -f "$PIDFILE"
  fi
fi
if port_in_use; then
  die "$HOST:$KEYSTONE_PORT is already in use by another process (not ours); set KEYSTONE_PORT"
fi

# ---------------------------------------------------------------- keys, db, bootstrap
# Every keystone-manage call costs ~1.4 s (imports), so the independent steps run
# in parallel: {fernet_setup, credential_setup, saml_idp_metadata} || {db_sync -> bootstrap}.
t0=$(date +%s.%N)
SETUPDIR="$KEYSTONE_DIR/setup-logs"
mkdir -p "$SETUPDIR"
km() {  # km STEP ARGS... ; output -> setup-logs/STEP.log
  local step=$1; shift
  keystone-manage --config-file "$CONF" --log-file "$SETUPDIR/$step.log" "$@" >>"$SETUPDIR/$step.out" 2>&1
}
kuser=$(id -un); kgroup=$(id -gn)
if [[ ! -s "$KEYSTONE_DIR/saml/cert.pem" || ! -s "$KEYSTONE_DIR/saml/key.pem" ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=keystone-test-idp" \
    -keyout "$KEYSTONE_DIR/saml/key.pem" -out "$KEYSTONE_DIR/saml/cert.pem" >"$SETUPDIR/openssl.out" 2>&1 \
    || die "openssl failed generating the SAML signing cert (see $SETUPDIR/openssl.out)"
fi
# db_sync + bootstrap only when something changed since the last successful run
setup_fp=$( { echo "$KS_VERSION $KEYSTONE_PORT $KEYSTONE_BCRYPT_ROUNDS"; printf '%s' "$KEYSTONE_ADMIN_PASSWORD" | sha256sum; } | sha256sum | cut -d' ' -f1)
jobs_pids=(); jobs_names=()
if [[ "$KEYSTONE_ROTATE_KEYS" == 1 && -e "$KEYSTONE_DIR/fernet-keys/0" ]]; then
  # The server is stopped (above), so no token is signed with a key being removed.
  log "KEYSTONE_ROTATE_KEYS=1: replacing every fernet key; tokens issued before are refused from now on"
  rm -f "$KEYSTONE_DIR"/fernet-keys/*
fi
if [[ ! -e "$KEYSTONE_DIR/fernet-keys/0" ]]; then
  km fernet_setup fernet_setup --keystone-user "$kuser" --keystone-group "$kgroup" &
  jobs_pids+=($!); jobs_names+=(fernet_setup)
fi
if [[ ! -e "$KEYSTONE_DIR/credential-keys/0" ]]; then
  km credential_setup credential_setup --keystone-user "$kuser" --keystone-group "$kgroup" &
  jobs_pids+=($!); jobs_names+=(credential_setup)
fi
if [[ ! -s "$KEYSTONE_DIR/keystone.db" || "$(cat "$KEYSTONE_DIR/.setup-done" 2>/dev/null || true)" != "$setup_fp" ]]; then
  rm -f "$KEYSTONE_DIR/.setup-done"
  (
    set -e
    km db_sync db_sync
    # WAL: readers do not block on the writer (several worker processes share the file)
    "$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA journal_mode=WAL"); c.close()' \
       "$KEYSTONE_DIR/keystone.db"
    # Keystone runs sqlite without foreign-key enforcement, so its ON DELETE CASCADE
    # rules never fire: deleting a user or a role leaves application-credential
    # role rows and inference rules behind, sqlite reuses the freed row ids, and
    # later creates fail with a bogus 409 (or lists with a 500). Triggers do the
    # cascades the schema declares.
    "$PY" - "$KEYSTONE_DIR/keystone.db" <<'PYEOF'
import sqlite3, sys
from collections import defaultdict
db = sqlite3.connect(sys.argv[1])
tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
for child in tables:
    keys = defaultdict(list)  # one foreign key may span several columns
    for fk_id, _, parent, col, parent_col, _, on_delete, _ in db.execute(f'PRAGMA foreign_key_list("{child}")'):
        keys[(fk_id, parent, on_delete)].append((col, parent_col))
    for (fk_id, parent, on_delete), cols in keys.items():
        if on_delete != "CASCADE" or any(pc is None for _, pc in cols):
            continue
        match = " AND ".join(f'"{c}" = OLD."{pc}"' for c, pc in cols)
        name = f"cascade_{parent}_{child}_{fk_id}"
        db.execute(f'CREATE TRIGGER IF NOT EXISTS "{name}" AFTER DELETE ON "{parent}" '
                   f'BEGIN DELETE FROM "{child}" WHERE {match}; END')
db.commit()
db.close()
PYEOF
    # bootstrap is idempotent: re-running it resets admin's password to the given one
    OS_BOOTSTRAP_PASSWORD="$KEYSTONE_ADMIN_PASSWORD" km bootstrap bootstrap \
      --bootstrap-username admin \
      --bootstrap-project-name admin \
      --bootstrap-role-name admin \
      --bootstrap-service-name keystone \
      --bootstrap-region-id RegionOne \
      --bootstrap-admin-url "$AUTH_URL" \
      --bootstrap-public-url "$AUTH_URL" \
      --bootstrap-internal-url "$AUTH_URL"
  ) &
  jobs_pids+=($!); jobs_names+=(db_sync+bootstrap)
  (
    keystone-manage --config-file "$CONF" --log-file "$SETUPDIR/saml_idp_metadata.log" saml_idp_metadata \
      > "$KEYSTONE_DIR/saml/idp_metadata.xml.new" 2>"$SETUPDIR/saml_idp_metadata.out" \
      && mv "$KEYSTONE_DIR/saml/idp_metadata.xml.new" "$KEYSTONE_DIR/saml/idp_metadata.xml"
  ) &
  jobs_pids+=($!); jobs_names+=(saml_idp_metadata)
  run_setup=1
else
  run_setup=0
fi
failed=()
for i in "${!jobs_pids[@]}"; do
  wait "${jobs_pids[$i]}" || failed+=("${jobs_names[$i]}")
done
if ((${#failed[@]})); then
  for f in "$SETUPDIR"/*.out "$SETUPDIR"/*.log; do [[ -s "$f" ]] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  if [[ "${failed[*]}" == saml_idp_metadata ]]; then
    log "warning: saml_idp_metadata failed; GET /v3/OS-FEDERATION/saml2/metadata will not work"
  else
    die "setup step(s) failed: ${failed[*]} (logs in $SETUPDIR)"
  fi
fi
[[ "$run_setup" == 1 ]] && echo "$setup_fp" > "$KEYSTONE_DIR/.setup-done"
t1=$(date +%s.%N)
log "keys/db/bootstrap done in $(awk "BEGIN{printf \"%.2f\", $t1-$t0}")s"

# ---------------------------------------------------------------- start
: >> "$LOGFILE"
echo "==== $(date -Is) starting keystone ($KEYSTONE_SERVER) on $HOST:$KEYSTONE_PORT" >> "$LOGFILE"
cd "$KEYSTONE_DIR"
case "$KEYSTONE_SERVER" in
  uwsgi)
    # --http11-socket: workers speak HTTP/1.1 (keep-alive) themselves, no router process;
    # --http-socket: the same without keep-alive (see KEYSTONE_KEEPALIVE).
    # --http-socket answers "HTTP/1.1" without "Connection: close" and then closes the
    # connection, so a client would reuse it and race the close: say it explicitly.
    http_socket_args=(--http-socket "$HOST:$KEYSTONE_PORT" --add-header "Connection: close")
    [[ "$KEYSTONE_KEEPALIVE" == 1 ]] && http_socket_args=(--http11-socket "$HOST:$KEYSTONE_PORT")
    # --lazy-apps: load keystone after fork (no sqlite/fd sharing between workers).
    env OS_KEYSTONE_CONFIG_DIR="$KEYSTONE_DIR" setsid uwsgi \
      --plugin python3 \
      "${http_socket_args[@]}" \
      "${wsgi_app[@]}" \
      --master --processes "$KEYSTONE_PROCESSES" --threads "$KEYSTONE_THREADS" \
      --enable-threads --lazy-apps --need-app --die-on-term --no-orphans --skip-atexit-teardown \
      --thunder-lock --listen 128 --buffer-size 65535 \
      --disable-logging --log-date \
      </dev/null >>"$LOGFILE" 2>&1 &
    ;;
  gunicorn)
    # keystone (oslo.config) parses sys.argv and dies on gunicorn's arguments
    # ("unrecognized arguments: --bind ..."), so load it through a shim that empties argv.
    cat > "$KEYSTONE_DIR/keystone_gunicorn_app.py" <<'PYEOF'
import sys
del sys.argv[1:]  # oslo.config would parse gunicorn's command line otherwise
from keystone.server.wsgi import initialize_public_application
application = initialize_public_application()
PYEOF
    env OS_KEYSTONE_CONFIG_DIR="$KEYSTONE_DIR" setsid /usr/bin/python3 -m gunicorn \
      --bind "$HOST:$KEYSTONE_PORT" \
      --workers "$KEYSTONE_PROCESSES" --threads "$KEYSTONE_THREADS" --worker-class gthread \
      --timeout 120 --graceful-timeout 5 --keep-alive 5 \
      --error-logfile - --pythonpath "$KEYSTONE_DIR" \
      keystone_gunicorn_app:application \
      </dev/null >>"$LOGFILE" 2>&1 &
    ;;
  wsgiref)
    [[ -e "$wsgi_script" ]] || die "KEYSTONE_SERVER=wsgiref needs $wsgi_script, which Keystone $KS_VERSION does not ship"
    # pbr-generated dev server: wsgiref.simple_server, ONE request at a time.
    # Its default --host is '' (all interfaces), so --host is mandatory here.
    env OS_KEYSTONE_CONFIG_DIR="$KEYSTONE_DIR" setsid /usr/bin/python3 -u /usr/bin/keystone-wsgi-public \
      --host "$HOST" --port "$KEYSTONE_PORT" \
      </dev/null >>"$LOGFILE" 2>&1 &
    ;;
esac
launched=$!
# setsid does not fork here (a background job of a non-interactive shell is not a
# process-group leader), so $! is the server (uwsgi/gunicorn master) itself.
echo "$launched" > "$PIDFILE"
echo "$fingerprint" > "$FINGERPRINT_FILE"

deadline=$((SECONDS + KEYSTONE_START_TIMEOUT))
code=""
while :; do
  if ! alive "$launched"; then
    tail -n 40 "$LOGFILE" >&2
    rm -f "$PIDFILE"
    die "keystone ($KEYSTONE_SERVER) exited during start-up; log: $LOGFILE"
  fi
  code=$(http_code "$AUTH_URL")
  [[ "$code" == 200 ]] && break
  if (( SECONDS >= deadline )); then
    tail -n 40 "$LOGFILE" >&2
    stop_server
    die "keystone did not answer GET $AUTH_URL within ${KEYSTONE_START_TIMEOUT}s (last HTTP code: ${code:-none})"
  fi
  sleep 0.2
done
t2=$(date +%s.%N)
log "keystone ($KEYSTONE_SERVER, pid $launched) answering on $AUTH_URL after $(awk "BEGIN{printf \"%.2f\", $t2-$t1}")s; log: $LOGFILE"

# the server process must not listen on anything but 127.0.0.1
if command -v ss >/dev/null; then
  bad=$(ss -Hltnp 2>/dev/null | grep -E "pid=($launched)," | awk '{print $4}' | grep -v "^$HOST:" || true)
  [[ -z "$bad" ]] || log "WARNING: keystone also listens on: $bad"
fi

{ print_exports; } > "$KEYSTONE_DIR/openrc"
print_exports
