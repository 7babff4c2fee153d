#!/usr/bin/env bash
# Runs every fuzz target of the module for a short while (default 10s each):
#   hack/fuzz.sh [budget]          e.g. hack/fuzz.sh 5s, hack/fuzz.sh 2000x, or FUZZTIME=1m make fuzz
# A count budget (Nx) is what the test run uses: Go 1.26's fuzz coordinator can report a spurious
# "context deadline exceeded" when a duration budget ends while a worker is busy
# (go.dev/issue/75804, fixed in Go 1.27). A duration run that fails only that way, without writing
# a failing input, is run again once with a count budget, so a real crasher still fails the run.
# Targets are found by looking for `func FuzzXxx(f *testing.F)` in the test
# files, so a new one is picked up without editing this script. Crashers land in the package's
# testdata/fuzz/<Target>/ (commit them: they become regression tests).
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-10s}
GO=${GO:-go}

failed=()
count=0
for dir in $(grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' pkg internal 2>/dev/null | xargs -r -n1 dirname | sort -u); do
	pkg=./$dir
	targets=$(grep -h -o -E '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' "$dir"/*_test.go | sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/' | sort -u)
	for target in $targets; do
		count=$((count + 1))
		echo "== $pkg $target ($fuzztime)"
		# -run matches nothing so only the fuzz target runs; -parallel keeps
		# a CI machine usable.
		out=$(mktemp)
		if ! $GO test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel "${FUZZ_PARALLEL:-2}" "$pkg" 2>&1 | tee "$out"; then
			if [[ $fuzztime != *x ]] && grep -q 'context deadline exceeded' "$out" && ! grep -q 'Failing input written' "$out"; then
				echo "== $pkg $target: the budget ended mid-run (go.dev/issue/75804); again with ${FUZZ_RETRY_COUNT:-2000x}"
				$GO test -run '^$' -fuzz "^${target}\$" -fuzztime "${FUZZ_RETRY_COUNT:-2000x}" -parallel "${FUZZ_PARALLEL:-2}" "$pkg" || failed+=("$pkg $target")
			else
				failed+=("$pkg $target")
			fi
		fi
		rm -f "$out"
	done
done

echo "fuzz: $count targets, ${#failed[@]} failed"
if ((${#failed[@]})); then
	printf '  FAILED: %s\n' "${failed[@]}"
	exit 1
fi
