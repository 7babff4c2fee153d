#!/usr/bin/env bash
# Runs every fuzz target of the module for a short while (default 10s each):
#   hack/fuzz.sh [duration]        e.g. hack/fuzz.sh 5s, or FUZZTIME=1m make fuzz
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
		if ! $GO test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel "${FUZZ_PARALLEL:-2}" "$pkg"; then
			failed+=("$pkg $target")
		fi
	done
done

echo "fuzz: $count targets, ${#failed[@]} failed"
if ((${#failed[@]})); then
	printf '  FAILED: %s\n' "${failed[@]}"
	exit 1
fi
