# Thin wrappers over npm scripts so operators and CI use one vocabulary.
# onnxruntime-node's install script downloads CUDA libraries; the CPU binaries ship in the
# package, so skip the download everywhere npm installs it.
export ONNXRUNTIME_NODE_INSTALL := skip
SHELL := /bin/bash

# Node 24 LTS for every target (ADR 0029). The machine's node when it is a Node 24; else the
# official build from the npm registry's node-linux-<arch> package (only the node binary),
# fetched once into .cache/node24 and put first on PATH, so npm, npx, the tests, the servers
# they start (process.execPath) and `npm start` all run on it. The machine's npm runs on it too.
NODE_MAJOR := 24
NODE_VERSION := 24.22.3
NODE_ARCH := $(subst x86_64,x64,$(subst aarch64,arm64,$(shell uname -m)))
ifeq ($(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null),$(NODE_MAJOR))
NODE := $(shell command -v node)
else
NODE_DIR := $(CURDIR)/.cache/node$(NODE_MAJOR)
NODE := $(NODE_DIR)/node_modules/node-linux-$(NODE_ARCH)/bin/node
export PATH := $(NODE_DIR)/node_modules/node-linux-$(NODE_ARCH)/bin:$(PATH)
endif

.PHONY: install run dev test test-unit test-e2e lint format typecheck train bench build \
	docker-build run-compose container-smoke validate clean node node-env

# The machine's npm (on its own node) fetches the binary; the package has no install script.
$(NODE):
	@echo "Node $(NODE_MAJOR) is not this machine's node ($$(node --version 2>/dev/null || echo none)):" \
		"fetching node-linux-$(NODE_ARCH)@$(NODE_VERSION) into $(NODE_DIR)" >&2
	npm install --prefix "$(NODE_DIR)" --no-save --no-package-lock --no-audit --no-fund \
		"node-linux-$(NODE_ARCH)@$(NODE_VERSION)" >&2

node: $(NODE) ## Fetch Node 24 if needed and show which node every target runs on
	@echo "$$(command -v node) $$(node --version)"

# For running commands on the same node outside make:  eval "$$(make -s node-env)"
node-env: $(NODE)
	@echo "export PATH=\"$(dir $(NODE)):\$$PATH\""
	@echo "export ONNXRUNTIME_NODE_INSTALL=$(ONNXRUNTIME_NODE_INSTALL)"

# npm ci's postinstall applies patches/ (patch-package): a changed patch reinstalls too.
node_modules/.installed: package.json package-lock.json $(wildcard patches/*.patch) | $(NODE)
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed

build: install
	npm run build

run: build ## Start the app on http://localhost:3000 with the bundled model
	APP_ENV=$${APP_ENV:-development} npm start

dev: install
	npm run dev

test: install ## Every test: lint, types, unit, training, HTTP, browser e2e
	scripts/install-system-deps.sh xgboost python3-xgboost chromium
	npm run lint
	npm run format:check
	npm run typecheck
	npm run build
	npm test
	npm run test:e2e

test-unit: install
	npx vitest run --project unit

test-e2e: build
	scripts/install-system-deps.sh chromium
	npm run test:e2e

lint: install
	npm run lint
	npm run format:check

format: install
	npm run format

typecheck: install
	npm run typecheck

train: install
	scripts/install-system-deps.sh xgboost python3-xgboost
	npm run train

bench: build
	npm run bench

validate: install
	npm run validate

docker-build:
	docker build -t housing-price-platform .

run-compose:
	docker compose up --build

container-smoke: install
	scripts/container-smoke.sh

clean:
	rm -rf build public/build server-build .cache
