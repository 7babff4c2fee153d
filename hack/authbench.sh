#!/usr/bin/env bash
# authbench.sh - the authtoken comparison: keystone-go's token-validating middleware (pkg/authtoken,
# served by examples/protected-service) against Python's keystonemiddleware auth_token (served by
# uWSGI, hack/keystonemiddleware-up.sh), both in front of a trivial handler, on the same machine,
# against the same Keystone, under the same load (bench/cmd/authload), alternately, round by round:
#
#   warm: a set of AUTHBENCH_WARM_TOKENS tokens, validated once on every connection beforehand,
#         sent for AUTHBENCH_DURATION (the token cache answers);
#   new:  AUTHBENCH_NEW_TOKENS tokens issued beforehand, each sent once (every request makes
#         the middleware validate the token against Keystone).
#
# It starts (and stops) its own Keystone, the two services, and writes the raw figures to
# AUTHBENCH_RESULTS; then `bench/cmd/report -only authtoken` rewrites the authtoken section of
# docs/benchmarks.md (and nothing else) unless AUTHBENCH_REPORT=0 (hack/bench.sh does the report).
# `make bench BENCH_ONLY=authtoken` runs just this.
#
# Knobs (environment):
#   AUTHBENCH_ROUNDS=3            rounds; in each, every side runs every mode once
#   AUTHBENCH_CONCURRENCY=8       client connections (each one worker, keep-alive)
#   AUTHBENCH_DURATION=10s        length of a warm run
#   AUTHBENCH_WARM_TOKENS=16      tokens in the warm set
#   AUTHBENCH_NEW_TOKENS=600      requests (= tokens) of a new-token run
#   AUTHBENCH_TOKEN_CACHE_TIME=300  seconds, both middlewares
#   AUTHBENCH_INCLUDE_CATALOG=true  include_service_catalog of both middlewares (both default to true)
#   AUTHBENCH_PY_PROCESSES=nproc  uWSGI processes of the Python service
#   AUTHBENCH_PY_THREADS          threads per process [CONCURRENCY / PROCESSES, rounded up]
#   AUTHBENCH_KEYSTONE_PORT=5002, AUTHBENCH_KEYSTONE_DIR=/tmp/keystone-go-authbench
#   AUTHBENCH_PY_PORT=5011, AUTHBENCH_PY_DIR=/tmp/keystone-go-authbench-ksm, AUTHBENCH_GO_PORT=5021
#   AUTHBENCH_MEMCACHED=1         also measure both with memcached as the token cache (one memcached
#                                 each, on AUTHBENCH_MEMCACHED_PORT and the port after it [11011])
#   AUTHBENCH_RESULTS=bench/results/authtoken, AUTHBENCH_REPORT=1
#   AUTHBENCH_KEEP_KEYSTONE=1     leave Keystone running afterwards
set -euo pipefail

log() { printf 'authbench: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
ROUNDS="${AUTHBENCH_ROUNDS:-3}"
CONC="${AUTHBENCH_CONCURRENCY:-8}"
DURATION="${AUTHBENCH_DURATION:-10s}"
WARM_TOKENS="${AUTHBENCH_WARM_TOKENS:-16}"
NEW_TOKENS="${AUTHBENCH_NEW_TOKENS:-600}"
CACHE_TIME="${AUTHBENCH_TOKEN_CACHE_TIME:-300}"
CATALOG="${AUTHBENCH_INCLUDE_CATALOG:-true}"
[[ "$CATALOG" == true || "$CATALOG" == false ]] || die "AUTHBENCH_INCLUDE_CATALOG must be true or false"
PY_PROCESSES="${AUTHBENCH_PY_PROCESSES:-$(nproc)}"
PY_THREADS="${AUTHBENCH_PY_THREADS:-$(( (CONC + PY_PROCESSES - 1) / PY_PROCESSES ))}"
KS_PORT="${AUTHBENCH_KEYSTONE_PORT:-5002}"
KS_DIR="${AUTHBENCH_KEYSTONE_DIR:-/tmp/keystone-go-authbench}"
PY_PORT="${AUTHBENCH_PY_PORT:-5011}"
PY_DIR="${AUTHBENCH_PY_DIR:-/tmp/keystone-go-authbench-ksm}"
GO_PORT="${AUTHBENCH_GO_PORT:-5021}"
MEMCACHED="${AUTHBENCH_MEMCACHED:-0}"
MC_PORT="${AUTHBENCH_MEMCACHED_PORT:-11011}"
OUT="${AUTHBENCH_RESULTS:-$ROOT/bench/results/authtoken}"
BIN="$OUT/bin"
[[ "$KS_PORT" != 5000 ]] || die "refusing port 5000: that Keystone belongs to the test suites"
(( PY_PROCESSES * PY_THREADS >= CONC )) \
  || die "the Python service needs PROCESSES x THREADS >= CONCURRENCY (uWSGI keeps a keep-alive connection on one thread)"

rm -rf "$OUT"
mkdir -p "$OUT/runs" "$BIN" "$OUT/tokens"
META="$OUT/meta.txt"
meta() { printf '%s: %s\n' "$1" "$2" >> "$META"; }
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"; }
START=$(date +%s)

# --- build -------------------------------------------------------------------
log "building the load generator, the token issuer and the Go service"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
(cd bench && go build -o "$BIN/" ./cmd/authload ./cmd/authtokens ./cmd/report)
SIDES=(python)
if [[ -d examples/protected-service ]]; then
  go build -o "$BIN/protected-service" ./examples/protected-service
  SIDES=(python go)
else
  meta "go side" "not measured: examples/protected-service is not in this tree"
fi

# --- servers -------------------------------------------------------------------
# Every service runs from the start to the end; the one measured is the only one with load.
# CACHES: "inproc" (the headline), and "memcached" with AUTHBENCH_MEMCACHED=1. For each cache and
# side: its URL and pid.
CACHES=(inproc)
[[ "$MEMCACHED" == 1 ]] && CACHES+=(memcached)
declare -A URL PID
GO_PIDS=()
cleanup() {
  for pid in "${GO_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  for dir in "$PY_DIR" "$PY_DIR-memcached"; do
    [[ -f "$dir/uwsgi.pid" ]] && { KSM_DIR="$dir" bash hack/keystonemiddleware-down.sh "$dir" || true; }
  done
  if [[ "$MEMCACHED" == 1 ]]; then
    for port in "$MC_PORT" $((MC_PORT + 1)); do MEMCACHED_PORT=$port bash hack/memcached-down.sh || true; done
  fi
  [[ "${AUTHBENCH_KEEP_KEYSTONE:-0}" == 1 ]] || KEYSTONE_RELEASE=zed bash hack/keystone-down.sh "$KS_DIR" || true
}
trap cleanup EXIT

# One process (so that Keystone's in-memory cache is coherent) with 8 threads, and no keep-alive:
# with keep-alive an idle connection of one service's HTTP pool would hold a Keystone thread
# while the other service is measured.
log "starting Keystone on 127.0.0.1:$KS_PORT ($KS_DIR)"
KS_ENV=$(KEYSTONE_RELEASE=zed KEYSTONE_PORT="$KS_PORT" KEYSTONE_DIR="$KS_DIR" KEYSTONE_THREADS=8 KEYSTONE_KEEPALIVE=0 bash hack/keystone-up.sh)
eval "$KS_ENV"
KS_PID=$(cat "$KS_DIR/keystone.pid")

for ((k = 0; k < ${#CACHES[@]}; k++)); do
  cache=${CACHES[$k]} mc_py="" mc_go="" dir=$PY_DIR
  if [[ $cache == memcached ]]; then
    mc_py="127.0.0.1:$MC_PORT" mc_go="127.0.0.1:$((MC_PORT + 1))" dir=$PY_DIR-memcached
    for port in "$MC_PORT" $((MC_PORT + 1)); do MEMCACHED_PORT=$port bash hack/memcached-up.sh >/dev/null; done
  fi
  log "starting the Python service (keystonemiddleware, $cache cache) on 127.0.0.1:$((PY_PORT + k))"
  # The same include_service_catalog on both sides: both ask Keystone the same.
  URL[$cache-python]=$(KSM_PORT=$((PY_PORT + k)) KSM_DIR="$dir" KSM_PROCESSES="$PY_PROCESSES" KSM_THREADS="$PY_THREADS" \
    KSM_TOKEN_CACHE_TIME="$CACHE_TIME" KSM_INCLUDE_CATALOG="$CATALOG" KSM_MEMCACHED_SERVERS="${mc_py:-}" \
    bash hack/keystonemiddleware-up.sh)
  PID[$cache-python]=$(cat "$dir/uwsgi.pid")
  [[ " ${SIDES[*]} " == *" go "* ]] || continue
  log "starting the Go service (examples/protected-service, $cache cache) on 127.0.0.1:$((GO_PORT + k))"
  url="http://127.0.0.1:$((GO_PORT + k))/"
  args=(-listen "127.0.0.1:$((GO_PORT + k))" -token-cache-time "${CACHE_TIME}s" -include-service-catalog="$CATALOG")
  [[ $cache == memcached ]] && args+=(-memcached-servers "$mc_go")
  "$BIN/protected-service" "${args[@]}" </dev/null >"$OUT/protected-service-$cache.log" 2>&1 &
  GO_PIDS+=($!)
  PID[$cache-go]=$!
  URL[$cache-go]=$url
  for _ in $(seq 1 100); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)" == 401 ]] && break
    kill -0 "${PID[$cache-go]}" 2>/dev/null || { cat "$OUT/protected-service-$cache.log" >&2; die "the Go service exited"; }
    sleep 0.1
  done
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)" == 401 ]] \
    || { cat "$OUT/protected-service-$cache.log" >&2; die "the Go service does not answer 401 without a token"; }
done

# --- tokens --------------------------------------------------------------------
log "issuing $WARM_TOKENS warm tokens and $NEW_TOKENS new tokens per run (${ROUNDS} rounds x ${#SIDES[@]} sides x ${#CACHES[@]} caches)"
USER_ID=$("$BIN/authtokens" -n "$WARM_TOKENS" -out "$OUT/tokens/warm.txt")
"$BIN/authtokens" -n $(( NEW_TOKENS * ROUNDS * ${#SIDES[@]} * ${#CACHES[@]} )) -out "$OUT/tokens/new-all.txt" >/dev/null
split -d -a 3 -l "$NEW_TOKENS" "$OUT/tokens/new-all.txt" "$OUT/tokens/new-"
rm "$OUT/tokens/new-all.txt"

# --- facts -----------------------------------------------------------------------
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta "CPUs (nproc)" "$(nproc)"
meta "CPU model" "$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
meta "Go" "$(go version | awk '{print $3, $4}')"
meta "Python" "$(/usr/bin/python3 --version 2>&1 | awk '{print $2}'), keystonemiddleware $(pkgver python3-keystonemiddleware), uWSGI $(pkgver uwsgi-core)"
meta "Keystone" "python3-keystone $(pkgver python3-keystone) (Zed), uWSGI 1 process x 8 threads, no keep-alive, in-memory cache, sqlite"
meta "Python service" "uWSGI --http11-socket, $PY_PROCESSES processes x $PY_THREADS threads, keystonemiddleware.auth_token.AuthProtocol around a WSGI app (bench/python/authtoken_app.py), in-process token cache, token_cache_time $CACHE_TIME s, include_service_catalog $CATALOG"
meta "Go service" "examples/protected-service (one process, GOMAXPROCS = nproc), -token-cache-time ${CACHE_TIME}s, in-process cache, include_service_catalog $CATALOG"
meta "load" "bench/cmd/authload: $CONC connections (keep-alive, one worker each); warm: $WARM_TOKENS tokens for $DURATION; new: $NEW_TOKENS fresh tokens, each once"
meta "rounds" "$ROUNDS"
meta "load average at start" "$(cut -d' ' -f1-3 /proc/loadavg)"
knobs=$(for v in $(compgen -v AUTHBENCH_); do
  case $v in AUTHBENCH_RESULTS|AUTHBENCH_REPORT|AUTHBENCH_KEEP_KEYSTONE) ;; *) printf '%s=%q ' "$v" "${!v}" ;; esac
done)
meta "cmd whole comparison (make bench BENCH_ONLY=authtoken runs hack/authbench.sh)" "${knobs}make bench BENCH_ONLY=authtoken"
meta "cmd Keystone" "KEYSTONE_PORT=$KS_PORT KEYSTONE_DIR=$KS_DIR KEYSTONE_THREADS=8 KEYSTONE_KEEPALIVE=0 bash hack/keystone-up.sh"
meta "cmd Python service" "KSM_PORT=$PY_PORT KSM_PROCESSES=$PY_PROCESSES KSM_THREADS=$PY_THREADS KSM_TOKEN_CACHE_TIME=$CACHE_TIME KSM_INCLUDE_CATALOG=$CATALOG bash hack/keystonemiddleware-up.sh"
meta "cmd Go service" "go run ./examples/protected-service -listen 127.0.0.1:$GO_PORT -token-cache-time ${CACHE_TIME}s -include-service-catalog=$CATALOG"
if [[ "$MEMCACHED" == 1 ]]; then
  meta "memcached" "memcached $(pkgver memcached), one for each side (hack/memcached-up.sh), 127.0.0.1:$MC_PORT for Python, :$((MC_PORT + 1)) for Go; no memcache_security_strategy"
  meta "cmd Python service, memcached" "KSM_PORT=$((PY_PORT + 1)) ... KSM_MEMCACHED_SERVERS=127.0.0.1:$MC_PORT bash hack/keystonemiddleware-up.sh"
  meta "cmd Go service, memcached" "go run ./examples/protected-service -listen 127.0.0.1:$((GO_PORT + 1)) -token-cache-time ${CACHE_TIME}s -include-service-catalog=$CATALOG -memcached-servers 127.0.0.1:$((MC_PORT + 1))"
fi
meta "cmd tokens" "authtokens -n $WARM_TOKENS -out warm.txt; authtokens -n $(( NEW_TOKENS * ROUNDS * ${#SIDES[@]} * ${#CACHES[@]} )) -out new-all.txt (split into runs of $NEW_TOKENS)"
meta "cmd warm run" "authload -url URL -tokens warm.txt -mode warm -c $CONC -duration $DURATION -warm-tokens $WARM_TOKENS -expect-body USER_ID -server-pid PID -keystone-pid PID"
meta "cmd new-token run" "authload -url URL -tokens new-NNN.txt -mode new -c $CONC -expect-body USER_ID -server-pid PID -keystone-pid PID"

# --- runs ------------------------------------------------------------------------
pool=0
for ((round = 1; round <= ROUNDS; round++)); do
  order=("${SIDES[@]}")
  # Who goes first alternates from round to round.
  if (( round % 2 == 0 && ${#SIDES[@]} == 2 )); then order=("${SIDES[1]}" "${SIDES[0]}"); fi
  for cache in "${CACHES[@]}"; do
    for mode in warm new; do
      for side in "${order[@]}"; do
        if [[ $mode == warm ]]; then
          args=(-tokens "$OUT/tokens/warm.txt" -mode warm -duration "$DURATION" -warm-tokens "$WARM_TOKENS")
        else
          args=(-tokens "$OUT/tokens/new-$(printf '%03d' "$pool")" -mode new)
          pool=$((pool + 1))
        fi
        name=$mode
        [[ $cache == inproc ]] || name=${mode}_$cache
        log "round $round/$ROUNDS: $side, $mode, $cache cache"
        "$BIN/authload" -url "${URL[$cache-$side]}" "${args[@]}" -c "$CONC" -expect-body "$USER_ID" \
          -label "$side" -server-pid "${PID[$cache-$side]}" -keystone-pid "$KS_PID" > "$OUT/runs/$round-$name-$side.json"
      done
    done
  done
done
meta "load average at end" "$(cut -d' ' -f1-3 /proc/loadavg)"
meta "duration of the whole comparison" "$(( $(date +%s) - START )) s"
rm -rf "$OUT/tokens"

if [[ "${AUTHBENCH_REPORT:-1}" == 1 ]]; then
  "$BIN/report" -only authtoken -results "$(dirname "$OUT")" -out "$ROOT/docs/benchmarks.md"
  log "rewrote the authtoken section of docs/benchmarks.md"
fi
