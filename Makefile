# The entry points. `make up` runs the suite; `make test` passes the tests (both install what
# they need on a fresh Debian machine).
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

# nextest when present (parallel, one process per test), cargo test otherwise.
TEST_RUNNER := $(shell cargo nextest --version >/dev/null 2>&1 && echo "nextest run --workspace --no-fail-fast" || echo "test --workspace --no-fail-fast")

.PHONY: up test lint bench deps build

deps:
	@scripts/deps

build:
	$(CARGO) build --workspace --bins

up: deps
	$(CARGO) run -p egov -- up

test: deps
	scripts/with-redis $(CARGO) $(TEST_RUNNER)

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

bench: deps
	$(CARGO) run --release -p egov-bench -- streams $(BENCH_ARGS)
	$(CARGO) run --release -p egov-bench -- http $(BENCH_HTTP_ARGS)
