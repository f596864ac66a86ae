# jetgate — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

GEN := proto/gen/protocol.js proto/gen/protocol.d.ts
PROTO := proto/jetgate/v1/protocol.proto
EXAMPLES_GEN := proto/gen/examples.js proto/gen/examples.d.ts
EXAMPLES := $(wildcard proto/examples/*.proto)

.PHONY: help deps nats nats-cluster chromium gen build dev test test-unit test-integration test-chaos lint clean bench bench-quick bench-profile

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json
	@echo "==> installing npm dependencies"
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.installed ## Install npm dependencies (when package-lock.json changed)

nats: ## Install nats-server from Debian's packages when missing
	@bash infra/scripts/ensure-nats.sh

nats-cluster: nats ## Run the 3-node NATS cluster of infra/nats/cluster.conf on this host (ports 4222-4224)
	@bash infra/scripts/nats-cluster.sh

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
	@echo "==> bundling the client SDK for browsers (dist/browser/jetgate.min.js)"
	esbuild client/index.ts --bundle --format=esm --platform=browser --target=es2020 --minify --sourcemap --log-level=warning --outfile=dist/browser/jetgate.min.js
	@echo "==> bundling the demo pages (dist/demo-web)"
	node infra/scripts/bundle-demo.mjs

chromium: ## Install Chromium from Debian's packages when missing (browser tests)
	@bash infra/scripts/ensure-chromium.sh

dev: build nats ## Run NATS (data in .data/), the gateway, the example services and the demo pages; NATS_URL=… uses yours
	@bash infra/scripts/dev.sh

test: build nats chromium ## Run the whole test suite (unit, integration, browser, chaos; real nats-server and Chromium)
	@bash test/run.sh dist/test/unit dist/test/integration dist/test/browser dist/test/chaos

test-unit: build ## Run the unit tests only
	@bash test/run.sh dist/test/unit

test-integration: build nats ## Run the integration tests only
	@bash test/run.sh dist/test/integration

test-chaos: build nats ## Only the chaos test: 3-node NATS cluster, 2 gateways, 60 clients, kills (a few minutes)
	@bash test/run.sh dist/test/chaos
# Benchmarks raise the open-files limit to the hard limit (tens of thousands of sockets).
BENCH = ulimit -n "$$(ulimit -Hn)"; BENCH_COMMAND="make $@" node dist/bench/run.js

bench: build nats ## Benchmarks against peers, side by side, and the abuse scenario (~25 min; on a quiet machine): bench/results/
	$(BENCH) --profile full

bench-quick: build nats ## A short benchmark run (about 4 minutes): bench/results/
	$(BENCH) --profile quick

bench-profile: build nats ## jetgate and nats-server at a steady load; CPU profiles of the gateway in bench/results/tmp/prof
	$(BENCH) --profile hot --systems nats,jetgate --scenarios fanout --gateway-prof bench/results/tmp/prof --out bench/results/tmp

lint: deps gen ## Type-check (strict); the SDK also without Node's types (browser guard)
	tsc -p . --noEmit
	tsc -p client
	tsc -p demo/web

clean: ## Remove build output (keeps .data/, the dev NATS store)
	rm -rf dist proto/gen node_modules/.installed
