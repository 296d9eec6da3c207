# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: install run test lint dev bench clean generate backfill status docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install  ## generate sample data if the landing zone is empty, then run every asset
	$(BIN)/segment-kpis run

test: install  ## lint + the whole test suite (unit, dbt, end-to-end, headless browser)
	bash tests/dashboard/install_browser.sh
	$(BIN)/ruff check dagster_project tests
	$(BIN)/pytest

generate: install  ## make generate CUSTOMERS=2000
	$(BIN)/segment-kpis generate --customers $(or $(CUSTOMERS),20000)

backfill: install  ## make backfill FROM=2025-12-01 TO=2025-12-31
	$(BIN)/segment-kpis backfill --from $(FROM) --to $(TO)

status: install  ## watermark, last run, publication, quarantine, failed runs (read-only)
	$(BIN)/segment-kpis status

docs: install  ## dbt docs as one static page (no run may be writing the warehouse)
	SEGMENT_KPIS_WAREHOUSE=$${SEGMENT_KPIS_WAREHOUSE:-$(CURDIR)/data/warehouse/warehouse.duckdb} \
	$(BIN)/dbt docs generate --static --project-dir dbt_models --profiles-dir dbt_models --target-path $(CURDIR)/data/dbt_docs

lint: install
	$(BIN)/ruff check dagster_project tests
	$(BIN)/ruff format --check dagster_project tests

dev: install  ## Dagster UI on the same definitions
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/dagster dev -m dagster_project.definitions

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf data/landing data/warehouse data/published data/dagster_home dbt_models/target
