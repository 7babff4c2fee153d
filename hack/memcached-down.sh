#!/usr/bin/env bash
# memcached-down.sh - stop the memcached memcached-up.sh started on MEMCACHED_PORT (default
# 11311): only the pid in its pid file, and only when that process is a memcached on that port.
set -euo pipefail
log() { printf 'memcached-down: %s\n' "$*" >&2; }

port=${MEMCACHED_PORT:-11311}
dir=${MEMCACHED_DIR:-/tmp/keystone-go-memcached-$port}
pidfile=$dir/memcached.pid
[[ -f $pidfile ]] || { log "not running (no $pidfile)"; exit 0; }
pid=$(tr -dc '0-9' <"$pidfile")
rm -f "$pidfile"
if [[ -z $pid ]] || ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "memcached .*-p $port "; then
  log "pid '${pid}' is not the memcached of port $port; nothing to stop"
  exit 0
fi
kill -TERM "$pid"
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
log "stopped pid $pid"
