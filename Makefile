# Thin wrappers over npm scripts so operators and CI use one vocabulary.
# onnxruntime-node's install script downloads CUDA libraries; the CPU binaries ship in the
# package, so skip the download everywhere npm installs it.
export ONNXRUNTIME_NODE_INSTALL := skip
SHELL := /bin/bash

.PHONY: install run dev test test-unit test-e2e lint format typecheck train bench build \
	docker-build run-compose container-smoke validate clean

# npm ci's postinstall applies patches/ (patch-package): a changed patch reinstalls too.
node_modules/.installed: package.json package-lock.json $(wildcard patches/*.patch)
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
