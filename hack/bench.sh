#!/usr/bin/env bash
# bench.sh - run every benchmark of keystone-go and rewrite docs/benchmarks.md.
#
#   1. in-process Go benchmarks (bench/*_test.go), BENCH_ROUNDS rounds of `go test -bench`,
#      each round on the tree as it is and, when bench/fixes/*.patch still apply, on a copy
#      of the tree with them applied (the proposed SDK fixes, measured side by side);
#   2. the process-level comparison against a real Keystone (bench/cmd/runner): this SDK,
#      gophercloud v2, raw net/http and python-keystoneclient, each client its own process;
#   3. the token-validating middleware, Go against keystonemiddleware (hack/authbench.sh, with
#      its own Keystone, services and knobs: AUTHBENCH_*).
#
# BENCH_ONLY=authtoken (make bench BENCH_ONLY=authtoken) runs only 3 and rewrites only its
# section of docs/benchmarks.md.
#
# It starts its OWN Keystone on 127.0.0.1:$BENCH_KEYSTONE_PORT (default 5001, state dir
# /tmp/keystone-go-bench, uWSGI 1 process x 8 threads with keep-alive) and stops it at
# the end. The test Keystone on port 5000 is never touched.
#
# Knobs (environment):
#   BENCH_ROUNDS=5        rounds of the Go benchmarks
#   BENCH_TIME=500ms      -test.benchtime of each benchmark in a round
#   BENCH_REPEATS=5       runs of each client in each mode against Keystone
#   BENCH_CALLS=1000      GETs per run (list, validate) after the first call
#   BENCH_AUTH_CALLS=200  password authentications per run (auth) after the first
#   BENCH_COLD_REPEATS=7  cold starts of each variant
#   BENCH_FIXES=1         also measure the tree with bench/fixes/*.patch applied (0: don't)
#   BENCH_SKIP_PROCESS=1  only the Go benchmarks (no Keystone needed; no authtoken comparison)
#   BENCH_ONLY=authtoken  only the authtoken comparison
#   BENCH_AUTHTOKEN=0     leave the authtoken comparison out (its section of docs/benchmarks.md
#                         stays as the last run that measured it wrote it)
#   BENCH_KEEP_KEYSTONE=1 leave the bench Keystone running afterwards
#   BENCH_KEYSTONE_PORT=5001, BENCH_KEYSTONE_DIR=/tmp/keystone-go-bench
set -euo pipefail

log() { printf 'bench: %s\n' "$*" >&2; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
case "${BENCH_ONLY:-}" in
  "") ;;
  authtoken) exec bash hack/authbench.sh ;;
  *) log "BENCH_ONLY=$BENCH_ONLY: the only part run alone is authtoken"; exit 2 ;;
esac
ROUNDS="${BENCH_ROUNDS:-5}"
BENCHTIME="${BENCH_TIME:-500ms}"
REPEATS="${BENCH_REPEATS:-5}"
CALLS="${BENCH_CALLS:-1000}"
AUTH_CALLS="${BENCH_AUTH_CALLS:-200}"
COLD_REPEATS="${BENCH_COLD_REPEATS:-7}"
FIXES="${BENCH_FIXES:-1}"
KS_PORT="${BENCH_KEYSTONE_PORT:-5001}"
KS_DIR="${BENCH_KEYSTONE_DIR:-/tmp/keystone-go-bench}"
PYTHON=/usr/bin/python3
RESULTS="$ROOT/bench/results"
BIN="$RESULTS/bin"
[[ "$KS_PORT" != 5000 ]] || { log "refusing port 5000: that Keystone belongs to the test suites"; exit 2; }

START=$(date +%s)
rm -rf "$RESULTS"
mkdir -p "$RESULTS/gotest" "$BIN"
META="$RESULTS/meta.txt"
CLIENTS="sdk,gophercloud,raw,python"
meta() { printf '%s: %s\n' "$1" "$2" >> "$META"; }

# Module bookkeeping is the bench module's own business: -mod=mod adds go.sum
# entries the SDK's newer dependencies need, without touching the root go.mod.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"

# --- machine -----------------------------------------------------------------
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta "CPUs (nproc)" "$(nproc)"
meta "CPU model" "$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
meta "memory" "$(awk '/^MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
meta "kernel" "$(uname -r)"
meta "Go" "$(go version | awk '{print $3, $4}')"
meta "gophercloud" "$(awk '$1=="github.com/gophercloud/gophercloud/v2"{print $2}' bench/go.mod)"
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"; }
meta "Python" "$($PYTHON --version 2>&1 | awk '{print $2}') (Debian's /usr/bin/python3)"
meta "keystoneauth1 / keystoneclient" "$(pkgver python3-keystoneauth1) / $(pkgver python3-keystoneclient)"
meta "load average at start" "$(cut -d' ' -f1-3 /proc/loadavg)"

# --- build -------------------------------------------------------------------
log "building the client programs and the benchmark binary"
(cd bench && go build -o "$BIN/" ./cmd/... && go test -c -o "$BIN/bench.test" .)
GOBENCH="-test.run ^\$ -test.bench . -test.benchmem -test.benchtime $BENCHTIME"
FIXBENCH="ListProjects|CatalogLookup|TokenDecode/password|PasswordAuth|RefreshContention/auth-0s"
meta "cmd build" "cd bench && go build -o results/bin/ ./cmd/... && go test -c -o results/bin/bench.test ."
meta "cmd assertion" "results/bin/bench.test -test.run TestRefreshUnderContentionMakesOneTokenRequest -test.v"
meta "cmd go benchmarks, each round" "results/bin/bench.test $GOBENCH"

if [[ "$FIXES" == 1 ]] && ls bench/fixes/*.patch >/dev/null 2>&1; then
  FIXED="$(mktemp -d /tmp/keystone-go-bench-fixed.XXXXXX)"
  trap 'rm -rf "$FIXED"' EXIT
  tar --exclude=./.git --exclude=./bench/results -cf - . | tar -C "$FIXED" -xf -
  applied=0
  for p in bench/fixes/*.patch; do
    name=$(basename "$p")
    if (cd "$FIXED" && git apply --check "$ROOT/$p" 2>/dev/null && git apply "$ROOT/$p"); then
      what=$(sed -n '1s/^# //p' "$p")
      echo "\`bench/fixes/$name\` applied${what:+: $what}" >> "$RESULTS/fixes.txt"
      applied=$((applied + 1))
    else
      echo "\`bench/fixes/$name\` does not apply to this tree (applied already, or stale): not measured" >> "$RESULTS/fixes.txt"
    fi
  done
  if (( applied > 0 )); then
    log "the SDK's own tests on the tree with the fixes"
    if (cd "$FIXED" && go test ./pkg/catalog/ ./pkg/auth/ ./pkg/identity/) > "$RESULTS/fixes-tests.txt" 2>&1; then
      echo "the SDK's unit tests pass with them applied (\`go test ./pkg/catalog/ ./pkg/auth/ ./pkg/identity/\` on the patched copy)" >> "$RESULTS/fixes.txt"
    else
      echo "**the SDK's unit tests FAIL with them applied** (see bench/results/fixes-tests.txt)" >> "$RESULTS/fixes.txt"
    fi
    (cd "$FIXED/bench" && go test -c -o "$BIN/bench-fixed.test" . && go build -o "$BIN/sdkclient-fixed" ./cmd/sdkclient)
    CLIENTS="sdk,sdk-fixed,gophercloud,raw,python"
    meta "cmd go benchmarks with the fixes, each round" "(copy of the tree + bench/fixes/*.patch)/bench: go test -c, then bench-fixed.test -test.run ^\$ -test.bench '$FIXBENCH' -test.benchmem -test.benchtime $BENCHTIME"
  fi
fi

# --- 1. in-process benchmarks --------------------------------------------------
log "asserting: 1,000 goroutines, one expired token, exactly one token request"
"$BIN/bench.test" -test.run TestRefreshUnderContentionMakesOneTokenRequest -test.v > "$RESULTS/assertion.txt" 2>&1 \
  || { cat "$RESULTS/assertion.txt" >&2; exit 1; }
for ((i = 1; i <= ROUNDS; i++)); do
  log "Go benchmarks, round $i of $ROUNDS"
  # shellcheck disable=SC2086
  (cd bench && "$BIN/bench.test" $GOBENCH) > "$RESULTS/gotest/base-$i.txt"
  if [[ -x "$BIN/bench-fixed.test" ]]; then
    log "Go benchmarks with the proposed fixes, round $i of $ROUNDS"
    (cd bench && "$BIN/bench-fixed.test" -test.run '^$' -test.bench "$FIXBENCH" -test.benchmem -test.benchtime "$BENCHTIME") \
      > "$RESULTS/gotest/fixed-$i.txt"
  fi
done

# --- 2. against a real Keystone ------------------------------------------------
if [[ "${BENCH_SKIP_PROCESS:-0}" != 1 ]]; then
  log "starting the benchmark Keystone on 127.0.0.1:$KS_PORT ($KS_DIR)"
  KS_ENV=$(KEYSTONE_PORT="$KS_PORT" KEYSTONE_DIR="$KS_DIR" KEYSTONE_THREADS=8 KEYSTONE_KEEPALIVE=1 bash hack/keystone-up.sh)
  if [[ "${BENCH_KEEP_KEYSTONE:-0}" != 1 ]]; then
    trap 'rm -rf "${FIXED:-/nonexistent}"; bash hack/keystone-down.sh "$KS_DIR"' EXIT
  fi
  eval "$KS_ENV"
  meta "Keystone" "python3-keystone $(pkgver python3-keystone), uWSGI 1 process x 8 threads, keep-alive, in-memory cache, sqlite"
  RUNNER="results/bin/runner -bin results/bin -pyscript python/ksclient.py -out results/process.json -repeats $REPEATS -calls $CALLS -auth-calls $AUTH_CALLS -cold-repeats $COLD_REPEATS -clients $CLIENTS"
  meta "cmd Keystone" "KEYSTONE_PORT=$KS_PORT KEYSTONE_DIR=$KS_DIR KEYSTONE_THREADS=8 KEYSTONE_KEEPALIVE=1 bash hack/keystone-up.sh"
  meta "cmd process-level runner (OS_AUTH_URL=$OS_AUTH_URL)" "$RUNNER"
  log "process-level runs against $OS_AUTH_URL"
  # shellcheck disable=SC2086
  (cd bench && $RUNNER)
fi

# --- 3. token-validating middleware: Go against keystonemiddleware -----------------
if [[ "${BENCH_SKIP_PROCESS:-0}" != 1 && "${BENCH_AUTHTOKEN:-1}" != 0 ]]; then
  log "authtoken comparison (hack/authbench.sh)"
  AUTHBENCH_RESULTS="$RESULTS/authtoken" AUTHBENCH_REPORT=0 bash hack/authbench.sh
fi

meta "load average at end" "$(cut -d' ' -f1-3 /proc/loadavg)"
meta "duration of the whole run" "$(( $(date +%s) - START )) s"
"$BIN/report" -results "$RESULTS" -out "$ROOT/docs/benchmarks.md"
log "wrote docs/benchmarks.md ($(( $(date +%s) - START )) s)"
