# The README's two commands: `make run` and `make test`. Each creates the virtualenv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-quick package clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## Start the whole system locally: embedded AWS, API, channel sandbox, schedules, demo store.
run: $(STAMP)
	$(BIN)/python manage.py run-local

## Run the whole test suite.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

## ruff and mypy on the deployed code.
lint: $(STAMP)
	$(BIN)/ruff check app.py chalicelib local manage.py tests bench infra
	$(BIN)/mypy app.py chalicelib

## Every performance section: cold start, calls, own time vs floor, cost, package, load (README "Performance").
bench: $(STAMP)
	$(BIN)/python bench/bench.py

## CI's share of the bench: cold-start ratio and AWS calls per operation (counts only, a few minutes).
bench-quick: $(STAMP)
	$(BIN)/python bench/bench.py --quick

## One CloudFormation template (SAM) for a stage: make package STAGE=prod
STAGE ?= dev
package: $(STAMP)
	mkdir -p build
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/python -m infra.template resources --stage $(STAGE) \
		> build/$(STAGE)-resources.json
	# Chalice zips chalicelib/ as it is: no __pycache__ in the function's package (Lambda compiles nothing twice).
	find chalicelib -name __pycache__ -prune -exec rm -rf {} +
	PYTHONDONTWRITEBYTECODE=1 AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/chalice package \
		--stage $(STAGE) --merge-template build/$(STAGE)-resources.json build/$(STAGE)
	$(BIN)/cfn-lint build/$(STAGE)/sam.json

clean:
	rm -rf $(VENV) build .local .pytest_cache .mypy_cache .ruff_cache
