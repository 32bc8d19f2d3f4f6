# Osprey: one entry point for building, running and testing. Every target installs what it needs.
SHELL := /bin/bash
NODE_TESTS = find $(1) -name '*.test.js' | sort

.PHONY: all setup build run demo test test-unit test-e2e clean bench

all: build

# System packages and npm dependencies (idempotent; apt only runs when something is missing).
setup:
	./scripts/setup.sh

build: setup
	$(MAKE) -C bpf
	npx tsc -p tsconfig.json

# Osprey's main job on this host (needs root): the server with its SQLite store on
# 127.0.0.1:7070 and the agent delivering every captured LLM call to it, also echoed to stdout.
# DEMO=1 adds a demo workload: a local provider-like server and real clients calling it.
run: build
	./bin/osprey up --jsonl - $(if $(DEMO),--demo)

test-unit:
	node --test --test-reporter=spec $$($(call NODE_TESTS,dist/src))

test-e2e:
	node --test --test-concurrency=1 --test-reporter=spec $$($(call NODE_TESTS,dist/test/e2e))

test: build
	$(MAKE) test-unit
	$(MAKE) test-e2e

# Benchmarks (needs root; not part of the tests): overhead, pipeline throughput, latency, memory.
# Writes bench/results/REPORT.md; BENCH_QUICK=1 is a ~2-minute smoke run into bench/results/quick/.
bench: build
	ulimit -n $$(ulimit -Hn) && node dist/bench/run.js

clean:
	$(MAKE) -C bpf clean
	rm -rf dist
