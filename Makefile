# The two commands: `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lock lint typecheck pytest migrate seed schema schema-diff bench bench-events clean

# The venv at the versions of requirements.lock (every dependency, direct or not, checked
# against its hashes), then the project itself, editable. In two steps because pip checks
# hashes for all or nothing, and an editable project has no file to hash.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# After changing a pin in pyproject.toml: resolve every dependency again (pip-tools).
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip-tools==7.7.0
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --extra dev \
		--output-file requirements.lock pyproject.toml

run: $(STAMP)
	$(BIN)/gridline-demo serve --host 127.0.0.1 --port 8000

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

migrate: $(STAMP)
	$(BIN)/gridline migrate

seed: $(STAMP)
	$(BIN)/gridline-demo seed

schema: $(STAMP)
	$(BIN)/gridline export-schema

# Breaking changes to clients since the last release (the SDL at the commit CHANGELOG.md
# gives for it): exit 1 if one is not named in CHANGELOG.md's Unreleased section. CI runs
# it (.ci/run). Against another base: make schema-diff SCHEMA_BASE=REV.
SCHEMA_BASE ?=
schema-diff: $(STAMP)
	$(BIN)/gridline schema-diff --changelog CHANGELOG.md $(if $(SCHEMA_BASE),--git $(SCHEMA_BASE))

# The screens under load against a raw floor and PostGraphile, on PostgreSQL and SQLite
# (bench/run.py; results in bench/results/). BENCH_ARGS=--quick for 2-second runs.
# bench/prerequisites.py says what is missing (wrk, npm) and how to install it; the bench
# installs no system package.
bench: $(STAMP)
	$(BIN)/python -m bench.prerequisites $(BENCH_ARGS)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Live events: commit-to-delivery latency with up to 1,000 websockets (PostgreSQL).
bench-events: $(STAMP)
	$(BIN)/python -m bench.subscriptions $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
