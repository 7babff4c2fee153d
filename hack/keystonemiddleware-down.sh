#!/usr/bin/env bash
# keystonemiddleware-down.sh - stop the service keystonemiddleware-up.sh started. Kills ONLY the
# pid in STATE_DIR/uwsgi.pid (the uWSGI master, which stops its workers), and only after checking
# that it is ours (its environment has KSM_STATE_DIR=STATE_DIR).
#
# Usage: keystonemiddleware-down.sh [STATE_DIR]     (default: $KSM_DIR, or /tmp/keystone-go-ksm)
set -euo pipefail

log() { printf 'keystonemiddleware-down: %s\n' "$*" >&2; }
KSM_DIR="${1:-${KSM_DIR:-/tmp/keystone-go-ksm}}"
case "$KSM_DIR" in /*) ;; *) KSM_DIR="$PWD/$KSM_DIR";; esac
KSM_DIR="${KSM_DIR%/}"
PIDFILE="$KSM_DIR/uwsgi.pid"
[[ -f "$PIDFILE" ]] || { log "not running (no $PIDFILE)"; exit 0; }
pid=$(tr -dc '0-9' < "$PIDFILE" || true)
alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null && [[ "$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]]; }
if alive "$pid" && { tr '\0' '\n' < "/proc/$pid/environ"; } 2>/dev/null | grep -qxF "KSM_STATE_DIR=$KSM_DIR"; then
  log "stopping uWSGI pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
elif alive "$pid"; then
  log "pid $pid is not this state dir's server; leaving it alone"
fi
rm -f "$PIDFILE"
