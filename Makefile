# Entry points: `make` builds, `make run` serves the site on http://127.0.0.1:8080,
# `make test` runs every test. run and test install missing Debian packages first.
BUILD_DIR ?= build
SANITIZE_BUILD_DIR ?= build-sanitize
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
PORT ?= 8080
# Empty: deploy/run-local.sh derives the worker count from the machine.
WORKERS ?=
JOBS ?= $(shell nproc)
MAKEFLAGS += --no-print-directory
CMAKE_FLAGS ?=
# CI builds must be warning-free.
ifeq ($(CI),true)
CMAKE_FLAGS += -DMICROBLOG_WERROR=ON
endif

.PHONY: soak all build deps run test test-unit test-integration test-e2e test-deploy test-cluster test-sanitize fuzz check-fresh-host format clean bench release

all: build

deps:
	@deploy/install-deps.sh

build:
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: deps build
	@PORT=$(PORT) WORKERS=$(WORKERS) BUILD_DIR=$(abspath $(BUILD_DIR)) deploy/run-local.sh

# The deployment tests boot a throwaway host, which takes root: without it they are left out,
# and said so, rather than failing.
test: deps build
	@if [ "$$(id -u)" -eq 0 ]; then \
		cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS); \
	else \
		echo "make test: leaving out the deploy and cluster tests, which need root (sudo make test-deploy test-cluster)"; \
		cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE 'deploy|cluster'; \
	fi

test-unit: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -L unit

test-integration: deps build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L integration

test-e2e: deps build
	@cd $(BUILD_DIR) && ctest --output-on-failure -L e2e

# The deployment scripts against a throwaway Debian 12 host (root; part of `make test` too).
test-deploy: deps build
	@cd $(BUILD_DIR) && ctest --output-on-failure -L deploy

# Two app hosts on a 3-node Galera cluster, in network namespaces (root; part of `make test` too).
test-cluster: deps build
	@cd $(BUILD_DIR) && ctest --output-on-failure -L cluster

# The unit and integration tests again, with every program built under AddressSanitizer
# and UndefinedBehaviorSanitizer; any report fails the test that triggered it.
test-sanitize: deps
	@cmake -S . -B $(SANITIZE_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DMICROBLOG_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(SANITIZE_BUILD_DIR) -j $(JOBS)
	@cd $(SANITIZE_BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L 'unit|integration|reliability'

# libFuzzer on everything that reads client bytes (tests/fuzz/), built with clang into
# $(FUZZ_DIR), each target for FUZZ_SECONDS from the seeds in tests/fuzz/corpus/.
fuzz: deps
	@CXX=clang++ cmake -S tests/fuzz -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS)
	@tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# .ci/run for the committed HEAD inside a freshly debootstrapped Debian 12 (root, a few minutes).
check-fresh-host:
	@tests/fresh-host/check.sh

# Measures the pages with wrk against a private stack under build/bench/ (see bench/bench.py) and
# writes build/bench/results.txt and .json. Variables given to make reach it as environment:
# DURATION=3s, CONNECTIONS, THREADS, SCALE=large, COMPARE=http://127.0.0.1:PORT with
# COMPARE_USER and COMPARE_PASSWORD. As root it ends with a cluster scenario (CLUSTER=no leaves it out).
bench: deps build
	@BUILD_DIR=$(abspath $(BUILD_DIR)) /usr/bin/python3 bench/bench.py

# Ten minutes of mixed traffic with faults along the way (tests/reliability/soak.py); by hand,
# not in CI. SOAK_SECONDS=N for another length.
SOAK_SECONDS ?= 600
soak: deps build
	@MICROBLOG_BUILD_DIR=$(abspath $(BUILD_DIR)) /usr/bin/python3 tests/reliability/soak.py $(SOAK_SECONDS)

# A release for deploy/install.sh: build/release/microblog-VERSION.tar.gz (its path is printed).
release: build
	@deploy/make-release.sh --build-dir $(abspath $(BUILD_DIR))

format:
	@clang-format -i core/*/*.h core/*/*.cpp cgi-bin/*.cpp tools/*.cpp tools/admin/*.h \
		tools/admin/*.cpp bench/*.cpp tests/core/*/*.cpp tests/tools/*/*.cpp

clean:
	@rm -rf $(BUILD_DIR) $(SANITIZE_BUILD_DIR) $(FUZZ_DIR)
