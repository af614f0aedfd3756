# Muster: `make run` serves the demo on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Browser libraries: pinned in frontend/package-lock.json, fetched by npm, copied
# where the pages load them from (the copy is not part of the repository).
NODE_MODULES := frontend/node_modules
VENDOR := src/muster/web/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed-stamp

.PHONY: install run test lint typecheck check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(VENDOR_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/leaflet/images $(VENDOR)/htmx
	cp $(NODE_MODULES)/leaflet/dist/leaflet.js $(NODE_MODULES)/leaflet/dist/leaflet.css \
		$(NODE_MODULES)/leaflet/LICENSE $(VENDOR)/leaflet/
	cp $(NODE_MODULES)/leaflet/dist/images/*.png $(VENDOR)/leaflet/images/
	cp $(NODE_MODULES)/htmx.org/dist/htmx.min.js $(NODE_MODULES)/htmx.org/LICENSE $(VENDOR)/htmx/
	touch $@

install: $(STAMP) $(VENDOR_STAMP)

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
	rm -rf $(VENV) $(VENDOR) $(NODE_MODULES) test-artifacts muster.db muster.db-wal muster.db-shm .pytest_cache .mypy_cache .ruff_cache
