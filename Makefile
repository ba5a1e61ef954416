# TMDB batch layer. `make help` lists every target.
#
# STACK=local runs the embedded stack (local processes on 127.0.0.1, the default when no Docker engine
# answers); STACK=docker runs docker-compose.batch.yml. The same target names work on both.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
SETUP_STAMP := $(VENV)/.installed-from
STACK ?= $(shell docker info >/dev/null 2>&1 && echo docker || echo local)
LOCAL := $(PY) -m local_stack
DOCKER := scripts/docker_stack.sh
# Optional: LOGICAL_DATE for the one-shot layer targets; defaults to the latest 4-hour boundary.
LOGICAL_DATE ?= $(shell date -u +%Y-%m-%dT$$(printf %02d $$(( $$(date -u +%-H) / 4 * 4 ))):00:00+00:00)

export PYTHONPATH := $(CURDIR)

ifeq ($(STACK),docker)
  ON_STACK = $(DOCKER)
  LAKE_CLI = $(DOCKER) lake-cli
else
  ON_STACK = $(LOCAL)
  LAKE_CLI = $(PY) -m spark_jobs.lake_cli
endif

.PHONY: help
help: ## List every target with one line
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  STACK=$(STACK) (local: embedded stack; docker: docker-compose.batch.yml)"

# ---------------------------------------------------------------- environment
$(SETUP_STAMP): requirements.lock pyproject.toml package-lock.json scripts/setup.sh \
		local_stack/mongo_express/package-lock.json scripts/setup_mongo_express.sh
	@bash scripts/setup.sh

.PHONY: setup
setup: ## Create .venv from the lock file with uv (from PyPI into build/uv if missing); install mongosh, Mongo Express and the HDFS server jars; check Python 3.11, Java 17+, Node
	@bash scripts/setup.sh

.PHONY: lock
lock: ## Re-resolve requirements.lock from pyproject.toml with uv (on PATH, or make setup's build/uv)
	$$(command -v uv || echo build/uv/bin/uv) pip compile pyproject.toml --extra dev --python-version 3.11 --python-platform x86_64-unknown-linux-gnu -o requirements.lock

# ---------------------------------------------------------------- the product in one command
.PHONY: demo
demo: $(SETUP_STAMP) ## Set up, start the embedded stack, run the pipeline for a short history, print results (CATALOGUE=full: the whole simulated catalogue)
	@$(LOCAL) demo $(if $(RUNS),--runs $(RUNS)) $(if $(CATALOGUE),--catalogue $(CATALOGUE))

# ---------------------------------------------------------------- quality
.PHONY: lint
lint: $(SETUP_STAMP) ## Run ruff (lint and format check)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

.PHONY: test
test: $(SETUP_STAMP) lint ## Run ruff, then the whole pytest suite
	$(PY) -m pytest

.PHONY: generate
generate: $(SETUP_STAMP) ## Rewrite what the Gold view registry generates (docker/mongo-init.js, the READMEs' view tables)
	$(PY) -m batch_views.registry --write

.PHONY: bench
bench: $(SETUP_STAMP) ## Measure every stage's speed and memory; report in bench/results/ (ARGS="--days 1 --only processing")
	$(PY) -m bench.run $(ARGS) $(BENCH_ARGS)

# ---------------------------------------------------------------- stack
.PHONY: up down down-v ps health ui logs logs-airflow logs-spark logs-mongo logs-hdfs
up: $(SETUP_STAMP) ## Start the stack and wait until every service is healthy
	@$(ON_STACK) up

down: ## Stop every service of the stack (data kept)
	@$(ON_STACK) down

down-v: ## Stop the stack and delete its data
	@$(ON_STACK) down-v

ps: ## Show each service's state
	@$(ON_STACK) ps

health: ## One line per service; non-zero exit when one is down
	@$(ON_STACK) health

ui: ## Print service URLs and credentials
	@$(ON_STACK) ui

logs: ## Follow all logs
	@$(ON_STACK) logs

logs-airflow: ## Follow Airflow logs
	@$(ON_STACK) logs airflow

logs-spark: ## Follow Spark logs
	@$(ON_STACK) logs spark

logs-mongo: ## Follow MongoDB logs
	@$(ON_STACK) logs mongo

logs-hdfs: ## Follow HDFS logs (NameNode and DataNodes)
	@$(ON_STACK) logs hdfs

.PHONY: build clean airflow-shell spark-master-shell
build: ## Build the Docker images (Docker stack only)
ifeq ($(STACK),docker)
	@$(DOCKER) build
else
	@echo "STACK=local builds nothing: the embedded stack runs from .venv (make setup). Use STACK=docker make build."
endif

clean: ## Remove Docker resources (Docker) or caches (embedded)
ifeq ($(STACK),docker)
	@$(DOCKER) clean
else
	rm -rf .pytest_cache .ruff_cache spark-warehouse metastore_db derby.log
	find . -name __pycache__ -type d -not -path './.venv/*' -not -path './node_modules/*' -prune -exec rm -rf {} +
endif

airflow-shell: $(SETUP_STAMP) ## Open a shell with the Airflow CLI configured for the stack
ifeq ($(STACK),docker)
	@$(DOCKER) airflow-shell
else
	@echo "Embedded stack: a shell with AIRFLOW_HOME and the stack's settings; try 'airflow dags list'."
	@env $$($(PY) -c 'from config import get_settings; from local_stack.services import airflow_env; import shlex; print(" ".join(f"{k}={shlex.quote(v)}" for k, v in airflow_env(get_settings()).items()))') bash -i
endif

spark-master-shell: $(SETUP_STAMP) ## Open a PySpark shell on the stack's Spark master
ifeq ($(STACK),docker)
	@$(DOCKER) spark-master-shell
else
	@$(VENV)/bin/pyspark --master spark://127.0.0.1:$$($(PY) -c 'from config import get_settings; print(get_settings().spark_master_port)')
endif

# ---------------------------------------------------------------- lake
.PHONY: hdfs-ls hdfs-create-dirs hdfs-shell
hdfs-ls: $(SETUP_STAMP) ## List the lake's folders (hdfs dfs -ls -R), then each Delta table's version, last run and files
	@$(ON_STACK) hdfs-ls
ifneq ($(STACK),docker)
	@$(PY) -m spark_jobs.lake_cli tables
endif

.PHONY: history time-travel diff-runs
history: $(SETUP_STAMP) ## A Delta table's commits, newest first: make history TABLE=silver/movies [LIMIT=20]
	@if [ -z "$(TABLE)" ]; then echo "usage: make history TABLE=layer/name (e.g. silver/movies) [LIMIT=20]"; exit 2; fi
	@$(LAKE_CLI) history $(TABLE) $(if $(LIMIT),--limit $(LIMIT))

time-travel: $(SETUP_STAMP) ## A table as of a run or version: make time-travel TABLE=gold/genre_analytics RUN=batch_... [VERSION=N] [WHERE="..."]
	@if [ -z "$(TABLE)" ] || [ -z "$(RUN)$(VERSION)" ]; then \
		echo "usage: make time-travel TABLE=layer/name RUN=batch_YYYY_MM_DD_HH | VERSION=N [WHERE=\"sql\"] [LIMIT=20]"; exit 2; fi
	@$(LAKE_CLI) show $(TABLE) $(if $(VERSION),--version $(VERSION),--as-of-run $(RUN)) \
		$(if $(LIMIT),--limit $(LIMIT)) $(if $(WHERE),--where "$(WHERE)")

diff-runs: $(SETUP_STAMP) ## A Gold view's rows added, removed, changed between two runs: make diff-runs VIEW=trending_scores A=batch_... B=batch_...
	@if [ -z "$(VIEW)" ] || [ -z "$(A)" ] || [ -z "$(B)" ]; then \
		echo "usage: make diff-runs VIEW=trending_scores A=batch_YYYY_MM_DD_HH B=batch_YYYY_MM_DD_HH"; exit 2; fi
	@$(LAKE_CLI) diff $(VIEW) $(A) $(B)

.PHONY: quality-docs
quality-docs: $(SETUP_STAMP) ## Where the Data Docs pages of every quality suite are (newest runs)
ifeq ($(STACK),docker)
	@$(DOCKER) quality-docs
else
	@$(PY) -m spark_jobs.lake_cli quality-docs
endif

hdfs-create-dirs: $(SETUP_STAMP) ## Create the lake's layer folders (hdfs dfs -mkdir -p bronze, silver, gold, ...)
	@$(ON_STACK) hdfs-create-dirs

hdfs-shell: $(SETUP_STAMP) ## Run Hadoop's shell against the stack's NameNode: make hdfs-shell ARGS="-du -h /data"
	@$(ON_STACK) hdfs dfs $(ARGS)

# ---------------------------------------------------------------- pipeline
.PHONY: trigger-dag backfill
trigger-dag: $(SETUP_STAMP) ## Trigger tmdb_batch_pipeline and follow it (REINGEST=1: fetch a stored hour again)
ifeq ($(STACK),docker)
	@$(DOCKER) trigger-dag
else
	@$(LOCAL) trigger-dag $(if $(REINGEST),--reingest)
endif

backfill: $(SETUP_STAMP) ## Backfill tmdb_batch_pipeline: make backfill START=YYYY-MM-DD END=YYYY-MM-DD
	@if [ -z "$(START)" ] || [ -z "$(END)" ]; then echo "usage: make backfill START=YYYY-MM-DD END=YYYY-MM-DD"; exit 2; fi
ifeq ($(STACK),docker)
	@$(DOCKER) backfill $(START) $(END)
else
	@$(LOCAL) backfill $(START) $(END)
endif

.PHONY: retention-dry-run retention
retention-dry-run: $(SETUP_STAMP) ## List the partitions, rows and files retention would delete (LOGICAL_DATE=... optional)
	@$(PY) -m spark_jobs.retention --logical-date $(LOGICAL_DATE) --dry-run

retention: $(SETUP_STAMP) ## DELETE rows older than *_RETENTION_DAYS, OPTIMIZE, VACUUM (DELTA_VACUUM_RETENTION_HOURS)
	@$(PY) -m spark_jobs.retention --logical-date $(LOGICAL_DATE)

# ---------------------------------------------------------------- serving
.PHONY: mongo-query-views mongo-shell
mongo-query-views: $(SETUP_STAMP) ## Run the seed's sample queries on moviedb.batch_views (YEAR=, MONTH= for the temporal one)
ifeq ($(STACK),docker)
	@$(DOCKER) mongo-query-views
else
	@$(PY) -m batch_views.serving query-views $(if $(YEAR),--year $(YEAR)) $(if $(MONTH),--month $(MONTH))
endif

mongo-shell: $(SETUP_STAMP) ## Open mongosh on the serving database
ifeq ($(STACK),docker)
	@$(DOCKER) mongo-shell
else
	@$(PY) -m batch_views.serving shell
endif

.PHONY: simulator bronze
simulator: $(SETUP_STAMP) ## Run the TMDB simulator in the foreground on TMDB_SIMULATOR_PORT (make up also starts it)
	@$(PY) -m master_dataset.simulator

bronze: $(SETUP_STAMP) ## Extract one logical hour from TMDB (or the running simulator) into Bronze: LOGICAL_DATE=...
	@$(PY) -m spark_jobs.bronze.run --logical-date $(LOGICAL_DATE) --step all
