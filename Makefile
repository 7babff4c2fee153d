# keystone-go — see README.md. Every target works on a fresh Debian machine as root.
SHELL := /bin/bash
GO ?= go
OAPI := $(GO) tool -modfile=hack/tools/go.mod oapi-codegen
# v3 and discovery describe the verified Keystone releases (x-keystone-releases); v2.0, which
# Keystone stopped serving in Queens, is described from Keystone's older code alone.
BUNDLE_V2 := $(GO) run ./hack/bundle
BUNDLE := $(BUNDLE_V2) -releases hack/keystone-releases.tsv
# The Keystone release to start for e2e, demo and keystone-up/down: zed, epoxy or latest.
KEYSTONE_RELEASE ?= zed
export KEYSTONE_RELEASE
TEST_FLAGS ?= -race -count=1
TEST_TIMEOUT ?= 30m

.PHONY: all generate bundle check spec-check api-check vet test unit e2e bench demo keystone-up keystone-down fuzz clean-gen

all: check

## generate: bundle spec/ into api/ and regenerate gen/ from it. The clients are generated from
## the client-only views (2xx answers only) that bundle writes beside them under gen/.
generate:
	@flock /tmp/keystone-go-generate.lock $(MAKE) --no-print-directory generate-locked

generate-locked: bundle
	@for cfg in gen/*/oapi-codegen.yaml gen/*/*/oapi-codegen.yaml; do \
		[ -f "$$cfg" ] || continue; \
		input=$$(sed -n 's/^# input: //p' "$$cfg"); \
		echo "oapi-codegen $$cfg <- $$input"; \
		$(OAPI) -config "$$cfg" "$$input" || exit 1; \
		typed=$$(sed -n 's/^# typed: //p' "$$cfg"); \
		[ -z "$$typed" ] || $(GO) run ./hack/typed -spec "$$input" -gen "$$(sed -n 's/^output: //p' "$$cfg")" \
			-out "$$typed" || exit 1; \
	done

bundle:
	$(BUNDLE) -out api/identity-discovery.yaml -title "OpenStack Identity API version discovery" \
		-version 3.14 -server http://localhost:5000 spec/discovery.yaml
	$(BUNDLE) -out api/identity-v3.yaml -title "OpenStack Identity API v3" \
		-version 3.14 -server http://localhost:5000/v3 -client-out gen/identityv3/identity-v3.client.yaml spec/v3/*.yaml
	@if ls spec/v2/*.yaml >/dev/null 2>&1; then \
		$(BUNDLE_V2) -out api/identity-v2.yaml -title "OpenStack Identity API v2.0" \
			-version 2.0 -server http://localhost:5000/v2.0 -client-out gen/identityv2/identity-v2.client.yaml \
			spec/v2/*.yaml; fi

## spec-check: every spec document validates on its own
spec-check:
	$(BUNDLE) -check spec/*.yaml spec/v3/*.yaml $(wildcard spec/v2/*.yaml)

## api-check: the published documents pass Redocly's recommended rules and generate TypeScript
## types that tsc accepts (pinned npm packages under hack/apicheck, installed on first use)
api-check:
	@bash hack/apicheck/check.sh

## check: gen/ is in sync with spec/, specs validate, go vet, tests with -race
check: spec-check
	@bash hack/gen-sum.sh > /tmp/keystone-go-gen.before
	$(MAKE) --no-print-directory generate
	@bash hack/gen-sum.sh > /tmp/keystone-go-gen.after
	@if ! cmp -s /tmp/keystone-go-gen.before /tmp/keystone-go-gen.after; then \
		echo "check: regenerating changed api/ or gen/ (hand edit, or spec/ not regenerated):"; \
		diff /tmp/keystone-go-gen.before /tmp/keystone-go-gen.after | head -20; exit 1; fi
	@if [ -n "$$CI" ] && [ -n "$$(git status --porcelain)" ]; then \
		echo "check: the tree differs from the commit after regenerating:"; git status --porcelain | head -20; exit 1; fi
	@bash hack/apicheck/check.sh
	$(GO) vet ./...
	cd hack/tools && $(GO) mod verify >/dev/null
	$(GO) test $(TEST_FLAGS) -timeout $(TEST_TIMEOUT) ./...

## test: every test against every verified Keystone release (hack/keystone-releases.tsv): starts
## them, runs `check` with Zed, the e2e suite with Epoxy and the newest, each fuzz target briefly,
## prints each release's result and stops them. KEYSTONE_RELEASES="zed" narrows the matrix.
test:
	@bash hack/test.sh

## unit: the tests that need no Keystone (the e2e suite skips itself without one)
unit:
	$(GO) test $(TEST_FLAGS) ./pkg/... ./cmd/... ./test/spec/...

## e2e: the end-to-end suite against one local Keystone: make e2e KEYSTONE_RELEASE=epoxy
e2e:
	@set -e; eval "$$(bash hack/keystone-up.sh)"; eval "$$(bash hack/memcached-up.sh)"; \
	trap 'bash hack/keystone-down.sh; bash hack/memcached-down.sh' EXIT; \
	$(GO) test $(TEST_FLAGS) -timeout $(TEST_TIMEOUT) ./test/e2e/...

## fuzz: run every fuzz target briefly
fuzz:
	@bash hack/fuzz.sh $${FUZZTIME:-10s}

## bench: benchmarks, written to docs/benchmarks.md. bench.sh starts (and stops) its own
## Keystone on 127.0.0.1:5001: the one on 5000 belongs to the test suites and is left alone.
## make bench BENCH_ONLY=authtoken: only the Go-vs-keystonemiddleware comparison (hack/authbench.sh),
## which rewrites only its section of docs/benchmarks.md.
bench:
	@bash hack/bench.sh

## demo: the quickstart, against OS_CLOUD/OS_AUTH_URL if set, else a local Keystone
demo:
	@set -e; if [ -n "$$OS_CLOUD" ] || [ -n "$$OS_AUTH_URL" ]; then \
		$(GO) run ./examples/quickstart; \
	else \
		eval "$$(bash hack/keystone-up.sh)"; $(GO) run ./examples/quickstart; \
	fi

keystone-up:
	@bash hack/keystone-up.sh

keystone-down:
	@bash hack/keystone-down.sh
