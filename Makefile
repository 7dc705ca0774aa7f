# The README's two commands: `make run` and `make test`. Each creates the virtualenv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-transactions lint bench bench-quick bench-load bench-live package clean screenshots catalogs

# The browser tests drive this Chromium (Debian's package); without one they are skipped with one line saying so.
CHROMIUM ?= $(shell command -v chromium 2>/dev/null || ls /usr/bin/chromium 2>/dev/null)

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
	@if [ -z "$(CHROMIUM)" ]; then echo "browser tests skipped: no Chromium found (apt-get install -y chromium)"; fi
	$(BIN)/python -m pytest -n 2 --dist loadfile

## The route tests with a passing condition check and an update slipped into every transaction: any code that
## found the failed item by its position in the cancellation reasons would blame the wrong one.
test-transactions: $(STAMP)
	MEMBERLINK_EXTRA_TX_ITEMS=1 $(BIN)/python -m pytest -n 2 --dist loadfile -q tests/functional

## Screenshots of the console and the staff app for the README (both languages), taken by the browser tests into docs/.
screenshots: $(STAMP)
	@if [ -z "$(CHROMIUM)" ]; then echo "make screenshots needs Chromium: apt-get install -y chromium"; exit 1; fi
	SCREENSHOTS_DIR=docs CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -p no:xdist -q tests/browser -k "screenshots or test_5 or test_languages or customer_screens"

## The server's message catalogs (what customers read, chalicelib/i18n): extract the marked messages, merge them
## into each language's .po (translate the new ones there), compile the .mo files Lambda reads (committed: the
## package needs no build step; tests/unit/test_i18n_catalogs.py fails when a .mo is older than its .po).
I18N := chalicelib/i18n
catalogs: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output -k N_ -k translate:2 -o $(I18N)/messages.pot chalicelib
	$(BIN)/pybabel update --no-fuzzy-matching -i $(I18N)/messages.pot -d $(I18N)/locale
	$(BIN)/pybabel compile --statistics -d $(I18N)/locale

## ruff and mypy on the deployed code.
lint: $(STAMP)
	$(BIN)/ruff check app.py chalicelib local manage.py tests bench infra
	$(BIN)/mypy app.py chalicelib

## Every performance section: cold start, calls, own time vs floor, cost, package, load (README "Performance").
bench: $(STAMP)
	$(BIN)/python bench/bench.py

## CI's bench: cold start and AWS calls per operation (counts only, about a minute); the long sections: make bench.
bench-quick: $(STAMP)
	$(BIN)/python bench/bench.py --quick

## The load run alone (make bench includes it): 5,000 signed deliveries and 1,000 verification sends on the local stack.
bench-load: $(STAMP)
	$(BIN)/python bench/bench.py --only load

## A live sale on the local stack (faithful DynamoDB on): 3,000 comments on one post from 2,000 customers, 32 senders,
## half matching a keyword rule, 10% redelivered; the last line says what was lost, doubled, replied and the hottest item.
bench-live: $(STAMP)
	$(BIN)/python bench/live.py

## One CloudFormation template (SAM) for a stage: make package STAGE=prod
STAGE ?= dev
package: $(STAMP)
	mkdir -p build
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/python -m infra.template resources --stage $(STAGE) \
		> build/$(STAGE)-resources.json
	# Chalice zips chalicelib/ as it is: no __pycache__ in the function's package (Lambda compiles nothing twice).
	find chalicelib -name __pycache__ -prune -exec rm -rf {} +
	STAGE=$(STAGE) PYTHONDONTWRITEBYTECODE=1 AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/chalice package \
		--stage $(STAGE) --merge-template build/$(STAGE)-resources.json build/$(STAGE)
	$(BIN)/cfn-lint build/$(STAGE)/sam.json

clean:
	rm -rf $(VENV) build .local .pytest_cache .mypy_cache .ruff_cache
