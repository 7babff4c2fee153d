#!/usr/bin/env bash
# test.sh - every test, against every verified Keystone release (hack/keystone-releases.tsv):
# starts them all, runs `make check` (spec checks, regeneration, vet, every package's tests) with
# the first release, the end-to-end suite again with each other one, then every fuzz target
# briefly; prints each release's result and stops what it started.
#
#   hack/test.sh                      (what `make test` runs)
#   KEYSTONE_RELEASES="zed" hack/test.sh
#   FUZZTIME=5000x TEST_FLAGS="-race -count=1" TEST_TIMEOUT=30m
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/keystone-release.sh
log() { printf 'test: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

read -r -a releases <<<"${KEYSTONE_RELEASES:-$(release_names)}"
((${#releases[@]})) || die "no releases"
for r in "${releases[@]}"; do release_field "$r" 1 >/dev/null || die "unknown release '$r' (known: $(release_names))"; done
TEST_FLAGS=${TEST_FLAGS:--race -count=1}
TEST_TIMEOUT=${TEST_TIMEOUT:-30m}
GO=${GO:-go}
logs=$(mktemp -d /tmp/keystone-go-test.XXXXXX)

stop_all() {
  for r in "${releases[@]}"; do
    KEYSTONE_RELEASE=$r bash hack/keystone-down.sh 2>/dev/null || true
  done
  bash hack/memcached-down.sh 2>/dev/null || true
}
trap stop_all EXIT

# Start every release first: building a chroot takes minutes on a fresh machine, and a release
# that cannot start fails the run before anything else has taken time.
for r in "${releases[@]}"; do
  t0=$SECONDS
  KEYSTONE_RELEASE=$r bash hack/keystone-up.sh >"$logs/$r.env" || die "Keystone $r did not start"
  log "Keystone $r is up ($((SECONDS - t0)) s)"
done

# The shared token cache the authtoken suite tests against (MEMCACHED_SERVERS).
memcached_env=$(bash hack/memcached-up.sh) || die "memcached did not start"
eval "$memcached_env"
export MEMCACHED_SERVERS

# summarize LOG: "PACKAGES PASSED FAILED" of the e2e packages in a `go test -v` log. go test
# prints a package's output when the package is done, ending with its ok/FAIL line, so the
# top-level results before that line are the package's.
summarize() {
  awk '/^--- PASS: /{p++} /^--- FAIL: /{f++}
       /^(ok|FAIL)[ \t]+github\.com\// { if ($2 ~ /\/test\/e2e\//) { pk++; P += p; F += f }; p = 0; f = 0 }
       END { printf "%d %d %d\n", pk, P, F }' "$1"
}

# With the first release, `make check`; with the others, the end-to-end suite. Verbose output
# goes to a log; the package lines and failures are shown.
status=0
summary=()
total_passed=0
total_failed=0
for i in "${!releases[@]}"; do
  r=${releases[$i]}
  log "== $r: $(if ((i == 0)); then echo "make check (every test) with Keystone $r"; else echo "the e2e suite against Keystone $r"; fi)"
  t0=$SECONDS
  set +e
  (
    set -e
    eval "$(cat "$logs/$r.env")"
    if ((i == 0)); then
      make --no-print-directory check TEST_FLAGS="$TEST_FLAGS -v" TEST_TIMEOUT="$TEST_TIMEOUT"
    else
      $GO test $TEST_FLAGS -v -timeout "$TEST_TIMEOUT" ./test/e2e/...
    fi
  ) >"$logs/$r.log" 2>&1
  rc=$?
  set -e
  # what a non-verbose run would have shown: package lines, failures and their messages
  grep -E $'^(ok|FAIL|panic:|check:|go: )|^ *--- FAIL|^ +\t(Error|Messages):|^ +\t +\t' "$logs/$r.log" || true
  ((rc == 0)) || { status=1; tail -n 20 "$logs/$r.log"; }
  read -r packages passed failed < <(summarize "$logs/$r.log")
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  summary+=("$(printf '%-7s %2d e2e packages: %d passed, %d failed (%d s, exit %d)' "$r" "$packages" "$passed" "$failed" $((SECONDS - t0)) "$rc")")
done

log "== fuzz targets"
bash hack/fuzz.sh "${FUZZTIME:-5000x}" || status=1

echo
echo "Keystone releases (logs in $logs):"
printf '  %s\n' "${summary[@]}"
printf 'e2e: %d passed, %d failed\n' "$total_passed" "$total_failed"
if ((status)); then
  echo "test: FAILED"
  exit 1
fi
