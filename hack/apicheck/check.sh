#!/usr/bin/env bash
# The published documents (api/*.yaml) are good citizens: Redocly CLI's recommended rules pass
# (hack/apicheck/redocly.yaml says why any rule is off), and a generator for another language
# (openapi-typescript) turns each into TypeScript types that tsc accepts. Run by `make check`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# Redocly CLI's engines: Node.js 20.19+ or 22.12+ (Debian 12's own nodejs is 18).
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) || (a === 20 && b >= 19) ? 0 : 1)'; then
	echo "api-check: Node.js $(node --version) is too old for Redocly CLI (20.19+ or 22.12+)" >&2
	exit 1
fi
if [ ! -d "$here/node_modules" ]; then
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
bin=$here/node_modules/.bin
cd "$root"
"$bin/redocly" lint --config "$here/redocly.yaml" --format=summary 2>&1 |
	grep -v '^ *║\|^ *╔\|^ *╚' # the Node.js support banner
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for doc in api/*.yaml; do
	"$bin/openapi-typescript" "$doc" --output "$out/$(basename "$doc" .yaml).ts" --silent
done
"$bin/tsc" --noEmit --strict --skipLibCheck "$out"/*.ts
echo "api-check: $(ls api/*.yaml | wc -l) documents lint clean and typecheck as TypeScript"
