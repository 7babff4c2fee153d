#!/usr/bin/env bash
# keystonemiddleware-up.sh - start the Python side of the authtoken comparison: a trivial WSGI
# app (bench/python/authtoken_app.py) behind keystonemiddleware's auth_token, served by uWSGI
# with the python3 plugin, as a Python OpenStack service is. Installs python3-keystonemiddleware
# and uWSGI with apt when they are missing.
#
# Usage:   eval "$(keystone-up.sh)"; keystonemiddleware-up.sh      (stdout: the service's URL)
# Stop:    keystonemiddleware-down.sh [STATE_DIR]
#
# The service authenticates itself with the OS_* environment (as exported by keystone-up.sh).
# Environment (all optional):
#   KSM_PORT               TCP port on 127.0.0.1                              [5010]
#   KSM_DIR                state dir (pid, log)                               [/tmp/keystone-go-ksm]
#   KSM_PROCESSES          uWSGI worker processes                             [nproc]
#   KSM_THREADS            threads per worker                                 [4]
#                          uWSGI's --http11-socket keeps a keep-alive connection on the thread
#                          that accepted it, so PROCESSES x THREADS must be at least the number
#                          of client connections, or the extra ones wait for ever.
#   KSM_TOKEN_CACHE_TIME   auth_token token_cache_time, seconds               [300]
#   KSM_MEMCACHED_SERVERS  auth_token memcached_servers; empty = in-process cache (one per worker)
#   KSM_INCLUDE_CATALOG    auth_token include_service_catalog                 [true]
set -euo pipefail

log() { printf 'keystonemiddleware-up: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KSM_PORT="${KSM_PORT:-5010}"
KSM_DIR="${KSM_DIR:-/tmp/keystone-go-ksm}"
KSM_PROCESSES="${KSM_PROCESSES:-$(nproc)}"
KSM_THREADS="${KSM_THREADS:-4}"
export KSM_TOKEN_CACHE_TIME="${KSM_TOKEN_CACHE_TIME:-300}"
export KSM_MEMCACHED_SERVERS="${KSM_MEMCACHED_SERVERS:-}"
export KSM_INCLUDE_CATALOG="${KSM_INCLUDE_CATALOG:-true}"
HOST=127.0.0.1
[[ "$KSM_PORT" =~ ^[0-9]+$ ]] || die "KSM_PORT must be a port number"
[[ "$KSM_PROCESSES" =~ ^[1-9][0-9]*$ && "$KSM_THREADS" =~ ^[1-9][0-9]*$ ]] || die "KSM_PROCESSES and KSM_THREADS must be >= 1"
[[ "$KSM_TOKEN_CACHE_TIME" =~ ^[0-9]+$ ]] || die "KSM_TOKEN_CACHE_TIME must be a number of seconds"
[[ -n "${OS_AUTH_URL:-}" && -n "${OS_USERNAME:-}" && -n "${OS_PASSWORD:-}" && -n "${OS_PROJECT_NAME:-}" ]] \
  || die "OS_AUTH_URL, OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME must be set (eval \"\$(hack/keystone-up.sh)\")"
case "$KSM_DIR" in /*) ;; *) KSM_DIR="$PWD/$KSM_DIR";; esac
KSM_DIR="${KSM_DIR%/}"
[[ -n "$KSM_DIR" && "$KSM_DIR" != / && "$KSM_DIR" != *[[:space:]]* ]] || die "bad state dir '$KSM_DIR'"
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

missing=()
for p in python3-keystonemiddleware uwsgi-core uwsgi-plugin-python3 curl; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || die "missing packages: ${missing[*]}; run as root"
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

mkdir -p "$KSM_DIR"
PIDFILE="$KSM_DIR/uwsgi.pid"
LOGFILE="$KSM_DIR/uwsgi.log"
if [[ -f "$PIDFILE" ]]; then
  bash "$ROOT/hack/keystonemiddleware-down.sh" "$KSM_DIR"
fi
if (exec 3<>"/dev/tcp/$HOST/$KSM_PORT") 2>/dev/null; then
  die "$HOST:$KSM_PORT is already in use"
fi
log "starting uWSGI on $HOST:$KSM_PORT: $KSM_PROCESSES processes x $KSM_THREADS threads, token_cache_time=$KSM_TOKEN_CACHE_TIME, cache=${KSM_MEMCACHED_SERVERS:-in-process}"
: >> "$LOGFILE"
# KSM_STATE_DIR in the server's environment marks it as ours for keystonemiddleware-down.sh.
env KSM_STATE_DIR="$KSM_DIR" setsid uwsgi \
  --plugin python3 \
  --http11-socket "$HOST:$KSM_PORT" \
  --wsgi-file "$ROOT/bench/python/authtoken_app.py" \
  --master --processes "$KSM_PROCESSES" --threads "$KSM_THREADS" \
  --enable-threads --lazy-apps --need-app --die-on-term --no-orphans --skip-atexit-teardown \
  --thunder-lock --listen 128 --buffer-size 65535 --disable-logging \
  </dev/null >>"$LOGFILE" 2>&1 &
pid=$!
echo "$pid" > "$PIDFILE"

for _ in $(seq 1 300); do
  kill -0 "$pid" 2>/dev/null || { tail -n 30 "$LOGFILE" >&2; die "uWSGI exited during start-up; log: $LOGFILE"; }
  # Without a token the middleware answers 401 itself: the app is loaded and the filter is in front of it.
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$HOST:$KSM_PORT/" || true)" == 401 ]] && break
  sleep 0.2
done
[[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$HOST:$KSM_PORT/" || true)" == 401 ]] \
  || { tail -n 30 "$LOGFILE" >&2; bash "$ROOT/hack/keystonemiddleware-down.sh" "$KSM_DIR"; die "the service did not answer 401 to a request without a token"; }
log "keystonemiddleware service (uWSGI pid $pid) on http://$HOST:$KSM_PORT/; log: $LOGFILE"
echo "http://$HOST:$KSM_PORT/"
