# solsec: infrastructure (Pulumi, Go) and the platform's workloads.
# `make` alone lists the targets.

STACK ?=
GO ?= go
# Go's test cache stays valid across runs; -count=1 is not forced so that a
# warm `make test` only reruns what changed.
GOTEST_FLAGS ?= -timeout 30m

.DEFAULT_GOAL := help

-include mk/*.mk

.PHONY: help test test-services plan preview up lint bench tidy ci corpus-tests

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*## "}; {printf "  %-16s %s\n", $$1, $$2}'

test: ## run every test (infrastructure under Pulumi mocks, config validation, services against real PostgreSQL and Redis)
	@eval "$$(scripts/test-services.sh start)" && \
		SOLSEC_REQUIRE_SERVICES=1 $(GO) test $(GOTEST_FLAGS) ./...

test-services: ## install (if missing) and start the loopback PostgreSQL the service tests share; prints its exports
	@scripts/test-services.sh start

plan: ## evaluate every stack offline (or STACK=name): validate config, print the inventory
	$(GO) run ./cmd/plan $(if $(STACK),-stack $(STACK))

preview: ## pulumi preview of STACK=staging|production (needs the Pulumi CLI and AWS credentials)
	@test -n "$(STACK)" || { echo "usage: make preview STACK=staging|production" >&2; exit 2; }
	$(GO) run ./cmd/plan -stack $(STACK) >/dev/null
	pulumi preview --stack $(STACK) --diff --policy-pack policy

up: ## pulumi up of STACK=staging|production (needs the Pulumi CLI and AWS credentials)
	@test -n "$(STACK)" || { echo "usage: make up STACK=staging|production" >&2; exit 2; }
	$(GO) run ./cmd/plan -stack $(STACK) >/dev/null
	pulumi up --stack $(STACK)

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags browser ./services/internal/webui/browser/

bench: ## offline evaluation time of each stack, then the analysis benchmarks against npm peers
	$(GO) test -run '^$$' -bench . -benchmem ./stacks/...
	$(MAKE) bench-analysis

tidy: ## go mod tidy
	$(GO) mod tidy

ci: ## what .ci/run runs: lint, every test, the offline plan, the browser tests, the solc cross-check and a bounded fuzz run
	$(MAKE) lint
	$(MAKE) test
	$(MAKE) plan
	$(MAKE) browser-tests
	$(MAKE) crosscheck
	$(MAKE) corpus-tests
	$(MAKE) fuzz FUZZTIME=60s

# The corpus crosscheck installs; the shared SWC data set when it is beside
# the repository (tests skip, saying so, where it is not).
OZ_CORPUS := $(CURDIR)/bench/.npm/node_modules/@openzeppelin/contracts
SOLSEC_DATASETS ?= $(abspath $(CURDIR)/../shared/datasets)

corpus-tests: ## parser and detectors on the OpenZeppelin corpus (no syntax errors, no high findings) and the SWC data set
	bash bench/setup.sh
	SOLSEC_SOL_CORPUS=$(OZ_CORPUS) SOLSEC_OZ=$(OZ_CORPUS) SOLSEC_DATASETS=$(SOLSEC_DATASETS) \
		$(GO) test -count=1 -v -run 'Corpus|OpenZeppelin|SWC' ./services/internal/solidity ./services/internal/detectors

.PHONY: browser-tests
browser-tests: ## the web front ends in real headless Chromium, over a fake and over the real API, pipeline and notification service (installs chromium, axe-core, PostgreSQL and Redis if missing); SOLSEC_UPDATE_SCREENSHOTS=1 refreshes docs/screenshots
	bash services/internal/webui/browser/setup.sh
	@eval "$$(scripts/test-services.sh start)" && \
		SOLSEC_REQUIRE_SERVICES=1 SOLSEC_REQUIRE_BROWSER=1 $(GO) test -count=1 -tags browser -v ./services/internal/webui/browser/

.PHONY: dev dev-demo dev-down

dev: ## run the whole platform on loopback (installs PostgreSQL and Redis if missing, migrates, starts every service, the notification service and the web front ends included); prints the API URL, an API key, the web app's sign-in URL and a dev user's password
	@scripts/dev.sh up

dev-demo: ## upload the sample Foundry project to the running platform (starting it if needed) and print its findings
	@scripts/dev.sh demo

dev-down: ## stop what make dev started
	@scripts/dev.sh down

.PHONY: bench-pipeline

bench-pipeline: ## end-to-end time of a single-file analysis through the four pipeline services (N analyses, COUNT rounds)
	@bash bench/pipeline/run.sh
