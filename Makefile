# The README's two commands: `make run` and `make test`. Each creates the virtualenv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench package clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## Start the whole system locally: embedded AWS, API, channel sandbox, schedules, demo store.
## The data is saved under .local/ on Ctrl-C and restored on the next run; `make run FRESH=1` starts clean.
run: $(STAMP)
	$(BIN)/python manage.py run-local $(if $(filter 1 true yes,$(FRESH)),--fresh,)

## Run the whole test suite.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

## ruff and mypy on the deployed code.
lint: $(STAMP)
	$(BIN)/ruff check app.py chalicelib local manage.py tests bench infra
	$(BIN)/mypy app.py chalicelib

## AWS calls per operation and cold-start import ratio (see README "Performance").
bench: $(STAMP)
	$(BIN)/python bench/bench.py

## One CloudFormation template (SAM) for a stage: make package STAGE=prod
STAGE ?= dev
package: $(STAMP)
	mkdir -p build
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/python -m infra.template resources --stage $(STAGE) \
		> build/$(STAGE)-resources.json
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/chalice package --stage $(STAGE) \
		--merge-template build/$(STAGE)-resources.json build/$(STAGE)
	$(BIN)/cfn-lint build/$(STAGE)/sam.json

clean:
	rm -rf $(VENV) build .local .pytest_cache .mypy_cache .ruff_cache
