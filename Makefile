# jetgate — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

GEN := proto/gen/protocol.js proto/gen/protocol.d.ts
PROTO := proto/jetgate/v1/protocol.proto
EXAMPLES_GEN := proto/gen/examples.js proto/gen/examples.d.ts
EXAMPLES := $(wildcard proto/examples/*.proto)

.PHONY: help deps nats nats-cluster chromium gen build dev test test-current current-leg test-unit test-integration test-chaos lint clean bench bench-quick bench-profile

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json
	@echo "==> installing npm dependencies"
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.installed ## Install npm dependencies (when package-lock.json changed)

# The nats-server of dev, tests and benchmarks: a current one of Debian's packages fetched into
# .cache/nats-server/ by default; NATS_SERVER=/path/to/nats-server or NATS_SERVER=system picks another.
# Put first on PATH for the recipe that starts with it.
WITH_NATS = nats_dir=$$(bash infra/scripts/ensure-nats.sh) && export PATH="$$nats_dir:$$PATH" &&
SUITE := dist/test/unit dist/test/integration dist/test/browser dist/test/chaos

nats: ## Fetch the nats-server dev and tests run (Debian's newest; NATS_SERVER=/path or =system picks another)
	@bash infra/scripts/ensure-nats.sh >/dev/null

nats-cluster: ## Run the 3-node NATS cluster of infra/nats/cluster.conf on this host (ports 4222-4224)
	@$(WITH_NATS) bash infra/scripts/nats-cluster.sh

$(GEN): $(PROTO) node_modules/.installed
	@echo "==> generating protocol code from $(PROTO)"
	@mkdir -p proto/gen
	pbjs -t static-module -w es6 --es6 --force-number --no-verify --no-service --no-delimited --no-typeurl -o proto/gen/protocol.js $(PROTO)
	pbts --no-comments -o proto/gen/protocol.d.ts proto/gen/protocol.js

# The example schemas get their own protobufjs root ("examples"); typeurl kept: the producer helper
# reads a type's full name from getTypeUrl().
$(EXAMPLES_GEN): $(EXAMPLES) node_modules/.installed
	@echo "==> generating example schema code from proto/examples"
	@mkdir -p proto/gen
	pbjs -t static-module -w es6 --es6 --force-number --no-verify --no-service --no-delimited -r examples -o proto/gen/examples.js $(EXAMPLES)
	pbts --no-comments -o proto/gen/examples.d.ts proto/gen/examples.js

gen: $(GEN) $(EXAMPLES_GEN) ## Generate TypeScript/JS code from proto/

build: deps gen ## Compile everything into dist/, and the browser bundle of the SDK
	@echo "==> compiling TypeScript"
	tsc -p .
	@mkdir -p dist/proto/gen && cp $(GEN) $(EXAMPLES_GEN) dist/proto/gen/
	@echo "==> bundling the client SDK for browsers (dist/browser/jetgate.min.js, shared mode's jetgate-worker.min.js)"
	esbuild client/index.ts --bundle --format=esm --platform=browser --target=es2020 --minify --sourcemap --log-level=warning --outfile=dist/browser/jetgate.min.js
	esbuild client/shared/worker.ts --bundle --format=iife --platform=browser --target=es2020 --minify --sourcemap --log-level=warning --outfile=dist/browser/jetgate-worker.min.js
	@echo "==> bundling the demo pages (dist/demo-web)"
	node infra/scripts/bundle-demo.mjs

chromium: ## Install Chromium from Debian's packages when missing (browser tests)
	@bash infra/scripts/ensure-chromium.sh

dev: build ## Run NATS (data in .data/), the gateway, the example services and the demo pages; NATS_URL=… uses yours
	@$(WITH_NATS) bash infra/scripts/dev.sh

# The platform legs `make test` runs: both (the current one builds or reuses its Debian 13 root and
# needs root); TEST_LEGS=today runs only this machine's.
TEST_LEGS ?= today current

test: build chromium ## The whole suite on the platform legs of TEST_LEGS (both by default), then one summary line
	@LEGS="$(TEST_LEGS)" bash infra/scripts/test-legs.sh $(SUITE)

test-current: build ## The whole suite in the Debian 13 root only (Node 24, uWebSockets.js 20.57, newest Debian nats-server; root)
	@LEGS=current bash infra/scripts/test-legs.sh $(SUITE)

current-leg: ## Build (or check) the cached Debian 13 root of the current leg under .cache/ (root)
	@bash infra/scripts/current-leg.sh build

test-unit: build ## Run the unit tests only
	@bash test/run.sh dist/test/unit

test-integration: build ## Run the integration tests only (current nats-server; NATS_SERVER=… picks another)
	@$(WITH_NATS) bash test/run.sh dist/test/integration

test-chaos: build ## Only the chaos test: 3-node NATS cluster, 2 gateways, 60 clients, kills (a few minutes)
	@$(WITH_NATS) bash test/run.sh dist/test/chaos
# Benchmarks raise the open-files limit to the hard limit (tens of thousands of sockets).
BENCH = $(WITH_NATS) ulimit -n "$$(ulimit -Hn)"; BENCH_COMMAND="make $@" node dist/bench/run.js

bench: build ## Benchmarks against peers, side by side, and the abuse scenario (~25 min; on a quiet machine): bench/results/
	$(BENCH) --profile full

bench-quick: build ## A short benchmark run, the abuse scenario included (about 4 minutes): bench/results/
	$(BENCH) --profile quick

bench-profile: build ## jetgate and nats-server at a steady load; CPU profiles of the gateway in bench/results/tmp/prof
	$(BENCH) --profile hot --systems nats,jetgate --scenarios fanout --gateway-prof bench/results/tmp/prof --out bench/results/tmp

lint: deps gen ## Type-check (strict); the SDK also without Node's types (browser guard)
	tsc -p . --noEmit
	tsc -p client
	tsc -p demo/web

clean: ## Remove build output (keeps .data/, the dev NATS store, and .cache/: nats-server, the Debian 13 root)
	rm -rf dist proto/gen node_modules/.installed
