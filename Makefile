# Every habit has a target. The virtualenv is created and kept up to date on demand, so on a fresh
# machine `make run` and `make test` are the only commands a newcomer needs.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help install tools lint format typecheck test test-unit test-deploy test-faults mutation deploy-schemas run bench schemas clean

help:
	@echo "make run        run the vault (API, tokens, relay, projector) on a local PostgreSQL + Kafka"
	@echo "make bench      benchmarks beside same-run baselines; table, JSON, plots in docs/benchmarks"
	@echo "make test       lint, type-check, then the whole test suite on a real PostgreSQL + Kafka"
	@echo "make test-unit  only the pure unit tests (no servers)"
	@echo "make test-deploy  render and validate the Kubernetes manifests offline (needs kubectl)"
	@echo "make test-faults  the fault-injection suite (own PostgreSQL + Kafka; 5-10 min); report in fault-report.md"
	@echo "make mutation  mutation testing of the pure code against the unit tests (6-8 min on 2 idle cores; docs/testing.md)"
	@echo "make lint       ruff check + format check + mypy"
	@echo "make format     apply ruff format"
	@echo "make schemas    regenerate docs/schemas from the event types"
	@echo "make clean      remove the virtualenv and caches"

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	@touch $@

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m events.schemas --check docs/schemas

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

# The fixtures start PostgreSQL and Kafka themselves (see docs/devstack.md). `tools` checks the
# README's prerequisites and obtains the rest once: the Kafka jars (Maven, into
# ~/.cache/customer-vault), promtool (unpacked from Debian's prometheus package into that cache)
# and wrk (apt-get). Nothing else is installed by hand or by CI.
test: lint tools
	$(BIN)/python -m pytest

tools: $(STAMP)
	$(BIN)/python -m devstack fetch-tools

# mutmut over the pure code ([tool.mutmut] in pyproject.toml), each mutant against tests/unit; one
# test process at a time under nice, so it can run beside other work. Not in CI: see docs/testing.md.
mutation: $(STAMP)
	rm -rf mutants
	nice -n 10 $(BIN)/mutmut run --max-children 1 > mutation.log 2>&1 || { tail -40 mutation.log; exit 1; }
	$(BIN)/python -m tests.mutation.report --survivors

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

test-deploy: $(STAMP)
	$(BIN)/python -m pytest tests/deploy -q

# Kills, stops and freezes the processes and a PostgreSQL and Kafka of its own (never the ones in
# DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS) under a write load; several minutes, so not in `make test`
# (whose tests/faults part is the quick outage, lag and shutdown tests). docs/operations.md.
test-faults: $(STAMP)
	$(BIN)/python -m devstack fetch-kafka
	VAULT_FAULT_REPORT=$(CURDIR)/fault-report.md $(BIN)/python -m pytest tests/faults -m fault_suite -s -q

deploy-schemas: $(STAMP)
	bash deploy/schemas/refresh.sh

run: $(STAMP)
	$(BIN)/python -m devstack run

# The stack as `make run` starts it, driven beside raw baselines; results, plots and README in
# docs/benchmarks (about 8 minutes on 2 cores). BENCH_ARGS passes options, e.g. --quick.
bench: $(STAMP)
	$(BIN)/python -m devstack fetch-kafka
	$(BIN)/python -m bench $(BENCH_ARGS)

schemas: $(STAMP)
	$(BIN)/python -m events.schemas --write docs/schemas

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
