# Muster: `make run` serves the demo on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint typecheck check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/muster db upgrade
	$(BIN)/muster demo
	$(BIN)/muster serve

test: install
	$(BIN)/pytest --cov --cov-report=term

lint: install
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	@tmp=$$(mktemp -d); \
	MUSTER_DATABASE_URL="sqlite+aiosqlite:///$$tmp/check.db" $(BIN)/muster db upgrade >/dev/null && \
	MUSTER_DATABASE_URL="sqlite+aiosqlite:///$$tmp/check.db" $(BIN)/alembic check; \
	status=$$?; rm -rf "$$tmp"; exit $$status
	@echo "TODO marks: $$(grep -rn 'TODO(#' src | wc -l)"

typecheck: install
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) muster.db muster.db-wal muster.db-shm .pytest_cache .mypy_cache .ruff_cache
