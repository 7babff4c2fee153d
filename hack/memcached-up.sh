#!/usr/bin/env bash
# memcached-up.sh - start a memcached for the tests (the shared token cache of pkg/authtoken),
# installing Debian's package first when it is missing (as root; `apt-get update` first).
# Prints the variable the tests read, for eval:
#
#   eval "$(MEMCACHED_PORT=11311 bash hack/memcached-up.sh)"   # exports MEMCACHED_SERVERS
#   MEMCACHED_PORT=11311 bash hack/memcached-down.sh
#
# MEMCACHED_PORT (default 11311, away from a system memcached on 11211), MEMCACHED_DIR (pid file
# and log; default /tmp/keystone-go-memcached-PORT). Listens on 127.0.0.1 only. Running again
# with the same port and a live server only prints the variable.
set -euo pipefail
log() { printf 'memcached-up: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

port=${MEMCACHED_PORT:-11311}
dir=${MEMCACHED_DIR:-/tmp/keystone-go-memcached-$port}
mkdir -p "$dir"
pidfile=$dir/memcached.pid

answering() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && printf 'version\r\n' >&3 && head -c 8 <&3" 2>/dev/null | grep -q VERSION; }

if ! command -v memcached >/dev/null; then
  [[ $(id -u) == 0 ]] || die "memcached is not installed (apt-get install memcached, as root)"
  log "installing memcached"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends memcached >&2
fi

if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && answering; then
  log "already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"
else
  answering && die "port $port is taken by another server"
  user=()
  if [[ $(id -u) == 0 ]]; then  # memcached refuses to run as root
    if id memcache >/dev/null 2>&1; then user=(-u memcache); else user=(-u nobody); fi
  fi
  setsid memcached -l 127.0.0.1 -p "$port" -U 0 -m 64 -c 1024 "${user[@]}" >"$dir/memcached.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 50); do answering && break; sleep 0.1; done
  answering || die "memcached did not answer on 127.0.0.1:$port (log: $dir/memcached.log)"
  log "memcached (pid $(cat "$pidfile")) answering on 127.0.0.1:$port"
fi
echo "export MEMCACHED_SERVERS=127.0.0.1:$port"
