# Aether: the two commands a newcomer needs are `make lab` and `make test`.
# Everything else here is a step those two take, exposed for when you want just that step.

SWIFT ?= swift
LAB   := .build/debug/aether-lab
# Upper bound for the whole test run; a hung test fails the run instead of CI's clock.
TEST_TIMEOUT ?= 45m

.PHONY: lab lab-down test test-down deps build build-tests build-static fuzz drills soak bench clean
# The containerlab images' binaries: static Swift standard library, in their own build folder.
STATIC_PRODUCTS := aether-bng aether-relay aether-ingestor aether-api aether-sim

## make lab: install what is missing, build, run the lab in the foreground (Ctrl-C stops it).
lab: build
	$(LAB) up --profile lab --simulator Examples/lab/simulator.json

## make lab-down: stop a lab started with `aether-lab up --detach`.
lab-down: build
	$(LAB) down --profile lab

## make test: install what is missing, build, start the test services, run every test,
## stop the services and delete their state, exit with the tests' status.
test: build-tests build-static
	$(LAB) services run --profile test --purge -- \
		timeout --foreground $(TEST_TIMEOUT) $(SWIFT) test --skip-build --disable-xctest

## make test-down: stop test services a bare `swift test` started.
test-down: build
	$(LAB) services down --profile test --purge

deps:
	./scripts/install-deps.sh

build: deps
	$(SWIFT) build

build-tests: deps
	$(SWIFT) build --build-tests

## make build-static: what ContainerlabExportTests runs without the toolchain (built before the
## tests start, so the tests never compete with a compiler for the two cores).
build-static: deps
	for product in $(STATIC_PRODUCTS); do \
		$(SWIFT) build --static-swift-stdlib --scratch-path .build-static --product $$product || exit 1; \
	done

## make drills: the fault drills under load, DRILL_RUNS times in a row (default 3); each prints
## its report and writes drill-report.json into its test folder (kept). See Docs/drills.md.
DRILL_RUNS ?= 3
drills: build-tests
	$(LAB) services run --profile test -- sh -c 'for run in $$(seq $(DRILL_RUNS)); do echo "== drill run $$run of $(DRILL_RUNS)"; \
		AETHER_KEEP_TEST_LOGS=1 $(SWIFT) test --skip-build --disable-xctest --filter FaultDrillTests || exit 1; done'

## make soak: the churn soak for SOAK_SECONDS (default 3600), sampling once a minute; see Docs/drills.md.
SOAK_SECONDS ?= 3600
soak: build-tests
	$(LAB) services run --profile test -- env AETHER_SOAK_SECONDS=$(SOAK_SECONDS) AETHER_KEEP_TEST_LOGS=1 \
		$(SWIFT) test --skip-build --disable-xctest --filter ChurnSoakTests

## make bench: Docs/PERFORMANCE.md — release builds of the products (.build-release), the bench
## harness (/16 Kea subnets), BENCH_RUNS runs of BENCH_SESSIONS subscribers per measurement and
## of one BNG filled to BENCH_SCALE sessions (an interim window of BENCH_INTERIM s at a fifth of it and
## at all of it). About 45 minutes.
BENCH_RUNS ?= 3
BENCH_SESSIONS ?= 2000
BENCH_SCALE ?= 50000
BENCH_INTERIM ?= 300
BENCH_PRODUCTS := aether-bng aether-relay aether-sim
bench: build-tests
	for product in $(BENCH_PRODUCTS); do \
		$(SWIFT) build -c release --scratch-path .build-release --product $$product || exit 1; \
	done
	$(LAB) services run --profile bench --purge -- env AETHER_TEST_PROFILE=bench AETHER_BENCH_RUNS=$(BENCH_RUNS) \
		AETHER_BENCH_SESSIONS=$(BENCH_SESSIONS) AETHER_BENCH_SCALE=$(BENCH_SCALE) AETHER_BENCH_INTERIM=$(BENCH_INTERIM) AETHER_PRODUCTS=$(CURDIR)/.build-release/release AETHER_BNG_LOG_LEVEL=info AETHER_KEEP_TEST_LOGS=1 \
		$(SWIFT) test --skip-build --disable-xctest --filter PerformanceBenchmarks

## make fuzz: every libFuzzer target for FUZZ_SECONDS each (ASan build in .build-fuzz); see Fuzz/README.md.
FUZZ_SECONDS ?= 60
fuzz: deps
	Fuzz/run.sh all $(FUZZ_SECONDS)

clean:
	rm -rf .build
