# Two set-up commands: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
DEV_ENV := PEERKIT_DEV=1 SESSION_COOKIE_SECURE=0 FLASK_APP=wsgi

.PHONY: run test lock bench load clean messages messages-server messages-field

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Exact versions, every transitive one with its hashes, from the lock files (`make lock`);
# then PeerKit itself, editable, with no further dependency resolution.
$(VENV)/.app-installed: $(BIN)/activate requirements.txt pyproject.toml
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/pybabel compile -d peerkit/translations  # never a stale .mo
	touch $@

$(VENV)/.test-installed: $(VENV)/.app-installed requirements-test.txt
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.txt
	touch $@

## Serve the demo on http://127.0.0.1:$(PORT) (SQLite under instance/).
run: $(VENV)/.app-installed
	$(DEV_ENV) $(BIN)/flask db upgrade
	$(DEV_ENV) $(BIN)/flask peerkit load-demo --if-empty
	$(DEV_ENV) $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## The whole suite against SQLite and a throwaway PostgreSQL, browser tests in Chromium.
test: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	.ci/system-deps
	PATH=$(abspath $(BIN)):$$PATH .ci/with-postgres $(BIN)/python -m pytest $(PYTEST_ARGS)

## Regenerate the lock files from pyproject.toml after changing a dependency (needs the
## package index). Commit requirements.txt and requirements-test.txt with the change.
LOCK := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --resolver=backtracking
lock: $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[lock]'
	$(LOCK) --output-file requirements.txt pyproject.toml
	$(LOCK) --extra test --output-file requirements-test.txt pyproject.toml

## Benchmarks: print figures and ratios measured side by side.
bench: $(VENV)/.test-installed
	.ci/system-deps
	PATH=$(abspath $(BIN)):$$PATH .ci/with-postgres $(BIN)/python -m bench

## Load and fault run: 200 simulated phones against gunicorn on PostgreSQL, then long
## fuzzing (schemathesis, its stateful phase from the document's links, and our own stateful
## sequences). A few minutes.
load: $(VENV)/.test-installed
	.ci/system-deps
	PATH=$(abspath $(BIN)):$$PATH .ci/with-postgres $(BIN)/python -m bench.load
	PEERKIT_FUZZ_EXAMPLES=150 PATH=$(abspath $(BIN)):$$PATH .ci/with-postgres \
	  $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_api_fuzz.py tests/test_api_stateful.py

## Extract every visible string, merge it into each catalogue, compile: one command.
## English is the source; translate the new entries of peerkit/translations/*/LC_MESSAGES/
## messages.po, then run it again (docs/TRANSLATING.md). The field app's ids (markup of
## pwa/index.html, t("...") in pwa/js, vocabulary labels) go into pwa/i18n/cy.json.
messages: messages-server messages-field

messages-server: $(VENV)/.app-installed
	$(BIN)/pybabel extract --no-location --omit-header --sort-output -F babel.cfg \
	  -k _l -k lazy_gettext -o peerkit/translations/messages.pot peerkit templates
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --no-wrap \
	  -i peerkit/translations/messages.pot -d peerkit/translations
	$(BIN)/pybabel compile -d peerkit/translations

# After messages-server: new field ids take the server's Welsh where it has the same id.
messages-field: messages-server
	$(BIN)/python -m peerkit.i18n_field

clean:
	rm -rf $(VENV) instance/peerkit.db* .pytest_cache
