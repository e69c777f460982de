# ChangeHub's front door: `make run` starts the demo, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
export DEBUG ?= true

# Find a Python 3.12+ (pyenv reads .python-version; plain python3 may be older).
PYTHON := $(shell for p in python3 python3.13 python3.12; do \
            command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
          done)

.PHONY: help run test lint bench messages clean check-python demo-data

help:
	@echo "make run    start ChangeHub with demo data on http://127.0.0.1:8000 (web, worker, beat)"
	@echo "make test   run the whole test suite (uses DATABASE_URL / REDIS_URL when set)"
	@echo "make lint   ruff, Django's checks, the migrations check and the import contracts"
	@echo "make messages  update the German and English message catalogs"

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "ChangeHub needs Python 3.12 or newer (3.13 recommended)."; \
	  echo "Install it, e.g. 'pyenv install 3.13' or 'apt-get install python3.13 python3.13-venv', then run make again."; \
	  exit 1; fi

$(VENV)/.installed: pyproject.toml | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

$(VENV)/.compiled: $(VENV)/.installed $(wildcard changehub/locale/*/LC_MESSAGES/django.po)
	cd changehub && ../$(PY) ../manage.py compilemessages --verbosity 0
	@touch $@

demo-data: $(VENV)/.compiled
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

run: demo-data
	@echo ""
	@echo "  ChangeHub runs on http://127.0.0.1:8000  (Ctrl-C stops web, worker and beat)"
	@echo ""
	$(VENV)/bin/honcho -e /dev/null -f changehub/Procfile -d . start

VNU := node_modules/vnu-jar/build/dist/vnu.jar

# The Nu HTML checker for the HTML test (needs npm; the test itself also needs Java).
$(VNU): package.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --no-package-lock --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm is missing: the HTML checker test is skipped (apt-get install npm default-jre-headless)"; fi

test: $(VENV)/.compiled $(VNU)
	@mkdir -p var
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports --no-cache

# The workspace pages under concurrent load on a large seeded company, on PostgreSQL
# (DATABASE_URL, or a local changehub_bench database); see docs/performance.md.
bench: $(VENV)/.compiled
	@set -e; export DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/changehub_bench}"; \
	  $(PY) manage.py bench --create-database; \
	  $(PY) manage.py migrate --noinput; \
	  $(PY) manage.py seed_scale --departments 200 --people 20000; \
	  $(PY) manage.py bench $(BENCH_ARGS); \
	  $(PY) manage.py bench_guidelines $(BENCH_GUIDELINES_ARGS); \
	  $(PY) manage.py bench_reminders $(BENCH_REMINDERS_ARGS); \
	  $(PY) manage.py bench_report; \
	  $(PY) manage.py bench_summary

messages: $(VENV)/.installed
	$(PY) manage.py makemessages --locale de --locale en --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*'
	@# English is the msgids themselves: every msgstr is made afresh from its msgid (a guess of
	@# makemessages, "fuzzy", is never right there).
	msgattrib --clear-fuzzy --clear-previous --no-wrap changehub/locale/en/LC_MESSAGES/django.po \
	  | msgfilter --keep-header --no-wrap sed -e d \
	  | msgen --no-wrap - -o changehub/locale/en/LC_MESSAGES/django.po
	@# The one English text that is not its msgid: Django's empty select choice (core/forms.py).
	sed -i '/^msgid "- Select an option -"$$/{n;s/^msgstr .*/msgstr "– please choose –"/}' changehub/locale/en/LC_MESSAGES/django.po

clean:
	rm -rf var/celery var/test-*.sqlite3
