# Physician Peer Support. `make run` and `make test` are all a new machine needs (Python 3.11+).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
TOOLS := .venv-tools
# checkov pins a boto3 of its own, older than aws-sam-cli's: it gets its own environment.
CHECKOV := .venv-checkov
PY := $(VENV)/bin/python
PORT ?= 3000
REGION ?= ca-central-1
# Tests and the local runner import the shared package from the layer, as Lambda does.
export PYTHONPATH := $(CURDIR)/layers/common:$(CURDIR)
export SAM_CLI_TELEMETRY := 0

.PHONY: help install tools run test lint lint-python lint-template unit audit bench build deploy roster report clean

help:
	@echo "make run      the whole system locally at http://127.0.0.1:$(PORT)"
	@echo "               PARAMETERS=\"GroupCapacity=3 ...\" overrides template parameters (as sam deploy does)"
	@echo "               NOW=2026-12-24T18:00:00Z starts its clock at that time"
	@echo "make test     lint, type-check and every test"
	@echo "make lint     ruff, ruff format --check, mypy, the import contracts, cfn-lint, sam validate --lint, checkov"
	@echo "make audit    pip-audit: known vulnerabilities in every requirements file (needs the network)"
	@echo "make bench    every benchmark; writes benchmarks/results.json"
	@echo "make roster   import a roster CSV: make roster FILE=roster.csv TABLE=<Supporters table>"
	@echo "make report   print the program's report as CSV: make report TABLE=<Counters table> [MIN_COUNT=5]"
	@echo "make build    sam build (no Docker needed)"
	@echo "make deploy   sam deploy --guided"

$(VENV)/.installed: requirements-dev.txt layers/common/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

$(TOOLS)/.installed: requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --upgrade pip
	$(TOOLS)/bin/pip install --quiet -r requirements-tools.txt
	@touch $@

$(CHECKOV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV)
	$(CHECKOV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV)/bin/pip install --quiet -r requirements-checkov.txt
	@touch $@

install: $(VENV)/.installed

tools: $(TOOLS)/.installed $(CHECKOV)/.installed

# PARAMETERS and NOW, given on the command line, reach the runner in its environment.
run: install
	PORT=$(PORT) $(PY) -m local_runner

lint-python: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

lint-template: tools
	$(TOOLS)/bin/cfn-lint template.yaml
	$(TOOLS)/bin/sam validate --lint --region $(REGION)
	$(CHECKOV)/bin/checkov --file template.yaml --framework cloudformation --compact --quiet --skip-download

lint: lint-python lint-template

# The template checks run inside pytest (tests/template), so `make test` needs the tools too.
test: install tools lint-python
	$(PY) -m pytest

unit: install
	$(PY) -m pytest tests/unit

# Known vulnerabilities in every environment's pins, one requirements file at a time (each resolves its own:
# aws-sam-cli and checkov pin other versions of boto3 than the layer's). pip-audit asks PyPI's vulnerability
# service, so this is for operators and CI with the network, never part of `make test`. --strict fails when
# a package could not be audited, and pip-audit prints which and why.
AUDITED := layers/common/requirements.txt requirements-dev.txt requirements-tools.txt requirements-checkov.txt

audit: $(TOOLS)/.installed
	@status=0; for requirements in $(AUDITED); do \
		echo "pip-audit -r $$requirements"; \
		$(TOOLS)/bin/pip-audit --strict --desc on --progress-spinner off -r $$requirements || status=1; \
	done; exit $$status

# Import a roster CSV into a Supporters table: make roster FILE=examples/roster.csv TABLE=<name>
# With ENDPOINT (the local stack's moto, from GET /_local/aws), the command gets moto's dummy credentials
# and region: moto takes any, the AWS SDK sends none without some, and real ones never go to it.
LOCAL_AWS := env -u AWS_PROFILE -u AWS_SESSION_TOKEN AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \
	AWS_DEFAULT_REGION=$(REGION) AWS_REGION=$(REGION)
roster: install
	@test -n "$(FILE)" -a -n "$(TABLE)" || { echo "usage: make roster FILE=roster.csv TABLE=<Supporters table> [ENDPOINT=<local AWS>]"; exit 2; }
	$(if $(ENDPOINT),$(LOCAL_AWS)) $(PY) tools/roster.py "$(FILE)" --table "$(TABLE)" --region $(REGION) $(if $(ENDPOINT),--endpoint-url "$(ENDPOINT)")

# Print the program's report (the same CSV as the report link's): make report TABLE=<Counters table>
report: install
	@test -n "$(TABLE)" || { echo "usage: make report TABLE=<Counters table> [MIN_COUNT=5] [ENDPOINT=<local AWS>]"; exit 2; }
	@$(if $(ENDPOINT),$(LOCAL_AWS)) $(PY) tools/report.py --table "$(TABLE)" --min-count $(or $(MIN_COUNT),5) --region $(REGION) $(if $(ENDPOINT),--endpoint-url "$(ENDPOINT)")

bench: install
	$(PY) -m benchmarks

build: tools
	@$(MAKE) --no-print-directory -C layers/common lambda-python
	$(TOOLS)/bin/sam build --region $(REGION)

deploy: build
	$(TOOLS)/bin/sam deploy --guided --region $(REGION)

clean:
	rm -rf $(VENV) $(TOOLS) $(CHECKOV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
