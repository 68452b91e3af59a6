# Attest: `make demo` runs the whole thing on the embedded defaults; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/attest
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: demo test lint fmt install contracts clean messages

# Reinstalls only when pyproject.toml, requirements.lock or package-lock.json change.
$(VENV)/.installed: pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The translation catalogues (locale/*/LC_MESSAGES/django.po) compiled to .mo (ignored by git); needs GNU gettext.
messages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

install: $(VENV)/.installed node_modules/.installed messages

demo: install
	$(PY) scripts/demo.py --port $(PORT)

test: install
	DEBUG=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

contracts: node_modules/.installed
	node contracts/build.mjs

clean:
	rm -rf .demo .demo-* staticfiles .pytest-celery-worker.log
