#!/usr/bin/env bash
# Lists every file under api/ and gen/ with its checksum, so that `make check`
# can tell whether regenerating changed, added or removed anything.
set -euo pipefail
cd "$(dirname "$0")/.."
find api gen -type f -print0 | sort -z | xargs -0 sha256sum
