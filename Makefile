# jetgate — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

GEN := proto/gen/protocol.js proto/gen/protocol.d.ts
PROTO := proto/jetgate/v1/protocol.proto

.PHONY: help deps nats chromium gen build dev test test-unit test-integration lint clean bench bench-quick bench-profile

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json
	@echo "==> installing npm dependencies"
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.installed ## Install npm dependencies (when package-lock.json changed)

nats: ## Install nats-server from Debian's packages when missing
	@bash infra/scripts/ensure-nats.sh

$(GEN): $(PROTO) node_modules/.installed
	@echo "==> generating protocol code from $(PROTO)"
	@mkdir -p proto/gen
	pbjs -t static-module -w es6 --es6 --force-number --no-verify --no-service --no-delimited --no-typeurl -o proto/gen/protocol.js $(PROTO)
	pbts --no-comments -o proto/gen/protocol.d.ts proto/gen/protocol.js

gen: $(GEN) ## Generate TypeScript/JS code from proto/

build: deps gen ## Compile everything into dist/, and the browser bundle of the SDK
	@echo "==> compiling TypeScript"
	tsc -p .
	@mkdir -p dist/proto/gen && cp $(GEN) dist/proto/gen/
	@echo "==> bundling the client SDK for browsers (dist/browser/jetgate.min.js)"
	esbuild client/index.ts --bundle --format=esm --platform=browser --target=es2020 --minify --sourcemap --log-level=warning --outfile=dist/browser/jetgate.min.js

dev: build nats ## Run NATS (embedded, data in .data/) and the gateway; NATS_URL=… uses yours
	@bash infra/scripts/dev.sh

test: build nats ## Run the whole test suite (unit and integration, real nats-server)
	@bash test/run.sh dist/test/unit dist/test/integration

test-unit: build ## Run the unit tests only
	@bash test/run.sh dist/test/unit

test-integration: build nats ## Run the integration tests only
	@bash test/run.sh dist/test/integration

# Benchmarks raise the open-files limit to the hard limit (tens of thousands of sockets).
BENCH = ulimit -n "$$(ulimit -Hn)"; BENCH_COMMAND="make $@" node dist/bench/run.js

bench: build nats ## Benchmarks against peers, side by side (~20 min; on a quiet machine): bench/results/
	$(BENCH) --profile full

bench-quick: build nats ## A short benchmark run (under 2 minutes): bench/results/
	$(BENCH) --profile quick

bench-profile: build nats ## jetgate and nats-server at a steady load; CPU profiles of the gateway in bench/results/tmp/prof
	$(BENCH) --profile hot --systems nats,jetgate --scenarios fanout --gateway-prof bench/results/tmp/prof --out bench/results/tmp

lint: deps gen ## Type-check (strict); the SDK also without Node's types (browser guard)
	tsc -p . --noEmit
	tsc -p client

clean: ## Remove build output (keeps .data/, the dev NATS store)
	rm -rf dist proto/gen node_modules/.installed
