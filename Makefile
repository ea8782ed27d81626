# UKM — the two commands a newcomer needs are `make up` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
BUF := $(TOOLS)/node_modules/.bin/buf
BUF_VERSION := 1.75.0

.PHONY: up test gen lint bench install tools status render-k8s clean help

help:
	@echo "make up     - run the whole system (embedded PostgreSQL/Redis/NATS, services, Envoy)"
	@echo "make test   - run the whole test suite against real components"
	@echo "make gen    - regenerate gen/ from proto/ (and k8s/, whose gateway config embeds it)"
	@echo "make render-k8s - re-render k8s/ from mesh/topology.yaml"
	@echo "make lint   - buf lint, ruff, mypy"
	@echo "make bench  - benchmarks (figures and ratios, not pass/fail)"
	@echo "make status - health of a running 'make up'"

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml gen/python/pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e gen/python -e ".[dev]"
	@touch $@

tools: $(BUF)

$(BUF):
	@mkdir -p $(TOOLS)
	npm install --silent --no-audit --no-fund --prefix $(TOOLS) @bufbuild/buf@$(BUF_VERSION)

gen: install
	$(VENV)/bin/ukm gen
	$(PY) -m mesh.kubernetes

render-k8s: install
	$(PY) -m mesh.kubernetes

up: install
	$(VENV)/bin/ukm gen
	$(VENV)/bin/ukm up

status: install
	$(VENV)/bin/ukm status

test: install tools
	$(VENV)/bin/pytest

lint: install tools
	$(PY) -m ukmctl.buflint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: install
	$(PY) -m tests.perf.bench

clean:
	rm -rf .ukm
