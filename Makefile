# The README's commands. Everything runs from the project's own virtualenv (.venv).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := data/demo
DEMO_START := 2025-01-01
DEMO_END := 2025-12-31
WAREHOUSE ?= duckdb:///$(CURDIR)/data/warehouse.duckdb
DAGSTER_HOME ?= $(CURDIR)/.dagster_home

# The demo and the UI share one Dagster instance, warehouse and input folder; tests use their own.
demo ui: export DAGSTER_HOME := $(DAGSTER_HOME)
demo ui: export RELATIONSHIP_PIPELINE_WAREHOUSE_URL ?= $(WAREHOUSE)
demo ui: export RELATIONSHIP_PIPELINE_DATA_DIR ?= $(CURDIR)/$(DEMO_DIR)

.PHONY: install demo demo-data test ui bench benchmark clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

demo-data: install
	$(BIN)/python -m relationship_pipeline.demo --out $(DEMO_DIR)

# Generate the demo folder, materialise every day of the demo year into the warehouse (DuckDB), print a summary.
demo: demo-data $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/relationship-pipeline run --data-dir $(DEMO_DIR) --warehouse $(WAREHOUSE) \
		--start $(DEMO_START) --end $(DEMO_END)

test: install
	env -u DAGSTER_HOME -u RELATIONSHIP_PIPELINE_WAREHOUSE_URL -u RELATIONSHIP_PIPELINE_DATA_DIR $(BIN)/pytest -n 2 --dist loadfile

# The Dagster UI on http://127.0.0.1:3000 with the lineage graph, runs and checks.
ui: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

$(BIN)/.bench-installed: $(BIN)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

# The benchmark suite (benchmarks/bench.py): generate at scale, CLI backfill + next day, the DuckDB
# peer, ingest against the stdlib floor, Dagster overhead; one table, also as JSON. Flags: ARGS="...".
bench: $(BIN)/.bench-installed
	env -u RELATIONSHIP_PIPELINE_WAREHOUSE_URL -u RELATIONSHIP_PIPELINE_DATA_DIR -u RELATIONSHIP_PIPELINE_START_DATE \
		$(BIN)/python -m benchmarks.bench $(ARGS)

# Older micro-benchmarks (incremental pair strength, warehouse writes), kept as they were.
benchmark: install
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf data .dagster_home
