#!/usr/bin/env bash
# keystone-down.sh - stop the Keystone started by keystone-up.sh.
# Kills ONLY the pid recorded in STATE_DIR/keystone.pid (the uwsgi/gunicorn
# master, which stops its own workers), and only after checking that this pid
# really is our server (its environment has OS_KEYSTONE_CONFIG_DIR=STATE_DIR).
# Never kills by process name. Leaves the state dir (db, keys, log) in place.
#
# For a release run in a chroot (KEYSTONE_RELEASE, as for keystone-up.sh) it also unmounts what
# keystone-up.sh mounted there.
#
# Usage: keystone-down.sh [STATE_DIR]     (default: $KEYSTONE_DIR, or the release's default)
set -euo pipefail

log() { printf 'keystone-down: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
. "$(dirname "${BASH_SOURCE[0]}")/keystone-release.sh"
select_release
chroot_root=$(release_root "$KEYSTONE_RELEASE")
# alive PID: running and not a zombie (a zombie passes `kill -0`)
alive() {
  local st
  st=$( { sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f1; } 2>/dev/null ) || return 1
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}

KEYSTONE_DIR="${1:-${KEYSTONE_DIR:-$default_dir}}"
case "$KEYSTONE_DIR" in /*) ;; *) KEYSTONE_DIR="$PWD/$KEYSTONE_DIR";; esac
KEYSTONE_DIR="${KEYSTONE_DIR%/}"
# unmount_chroot: on every way out, once the server is gone
unmount_chroot() { [[ -z "$chroot_root" ]] || chroot_umount "$chroot_root" "$KEYSTONE_DIR" || log "could not unmount what $chroot_root borrowed"; }
trap unmount_chroot EXIT
PIDFILE="$KEYSTONE_DIR/keystone.pid"
STOP_TIMEOUT="${KEYSTONE_STOP_TIMEOUT:-15}"

if [[ ! -f "$PIDFILE" ]]; then
  log "not running (no $PIDFILE)"
  exit 0
fi
pid=$(tr -dc '0-9' < "$PIDFILE" || true)
if [[ -z "$pid" ]] || ! alive "$pid"; then
  log "stale pid file (pid '${pid}' not running); removing it"
  rm -f "$PIDFILE"
  exit 0
fi
if ! { tr '\0' '\n' < "/proc/$pid/environ"; } 2>/dev/null | grep -qxF "OS_KEYSTONE_CONFIG_DIR=$KEYSTONE_DIR"; then
  log "pid $pid is alive but is not the keystone of $KEYSTONE_DIR (pid reused?); not killing it, removing pid file"
  rm -f "$PIDFILE"
  exit 0
fi

log "sending TERM to pid $pid"
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 $((STOP_TIMEOUT * 10))); do
  alive "$pid" || break
  sleep 0.1
done
if alive "$pid"; then
  log "pid $pid still alive after ${STOP_TIMEOUT}s; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
fi
rm -f "$PIDFILE"
if alive "$pid"; then
  log "ERROR: pid $pid did not exit"
  exit 1
fi
log "stopped (pid $pid)"
