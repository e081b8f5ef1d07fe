# Thin front door: each cluster target runs one script under scripts/; test, e2e and shellcheck
# call npm or shellcheck directly (see `make help`).
# Variables: CLUSTER (k3d cluster name, default "cluster"), USE_CURRENT_CONTEXT=1 (skip cluster
# creation, use kubectl's current context), DRY_RUN=1 (print the commands, run nothing).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

CLUSTER ?= cluster
VERSION := $(shell sed -n 's/^  "version": "\([^"]*\)",\{0,1\}$$/\1/p' package.json | head -n1)
DRY_RUN ?= 0
USE_CURRENT_CONTEXT ?= 0
export CLUSTER VERSION DRY_RUN USE_CURRENT_CONTEXT
# The pinned tools `make tools` installs come first, for every target (e2e and compare included).
export PATH := $(CURDIR)/.bin:$(PATH)

.PHONY: help tools preflight mesh-up plain-up down status images zero-trust-demo compare test e2e \
	resilience-demo zero-trust-rollout \
	shellcheck run-local-kube-with-ping-pong-app cluster-up-with-services

help: ## List the targets with one line each
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-36s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

tools: ## Install pinned k3d, kubectl, linkerd into ./.bin, SHA-256 verified (Linux/macOS, amd64/arm64)
	scripts/tools.sh

preflight: ## Check docker, k3d, kubectl, linkerd are present at the pinned versions
	scripts/preflight.sh

mesh-up: ## Cluster + images + Linkerd (CNI, tracing) + observability + viz + plain and mesh apps
	scripts/mesh-up.sh

plain-up: ## Cluster + images + observability + plain app only (no Linkerd)
	scripts/plain-up.sh

down: ## Delete the k3d cluster (USE_CURRENT_CONTEXT=1: remove only what this repo applied)
	scripts/down.sh

status: ## Pods per namespace, plus linkerd viz stat/edges when the mesh is up
	scripts/status.sh

images: ## Build pingpong/pinger and pingpong/ponger at the package.json version, load into the cluster (k3d; kind or minikube with USE_CURRENT_CONTEXT=1)
	scripts/images.sh

zero-trust-demo: ## An intruder pod calls ponger: plain answers 200, mesh denies (403)
	scripts/zero-trust-demo.sh

resilience-demo: ## Same fault (ponger: 50% 500s) in plain and mesh: success, latency, proxy retries and ejections
	scripts/resilience-demo.sh

zero-trust-rollout: ## Allow -> audit -> authorize -> deny on a throwaway namespace, deleted after
	scripts/zero-trust-rollout.sh

compare: ## Table from Prometheus: success rate, p50/p99, verified identity share, plain vs mesh
	scripts/compare.sh

test: ## Unit and config tests, no cluster needed (= npm test)
	npm test

e2e: ## End-to-end suite against the running cluster (skips cleanly without one)
	npm run test:e2e

shellcheck: ## Lint every shell script in the repo with shellcheck
	shellcheck -x $$(git ls-files '*.sh') $$(git ls-files --others --exclude-standard '*.sh')

run-local-kube-with-ping-pong-app: mesh-up ## Alias of mesh-up (the first exercise's entry point)

cluster-up-with-services: mesh-up ## Alias of mesh-up (the second exercise's entry point)
