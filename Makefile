# Shanzhi — two commands: `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
BENCH ?=
PYTEST_ARGS ?= -n 2

.PHONY: run test lint pytest bench deps clean messages

deps: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: deps
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	PORT=$(PORT) $(BIN)/python manage.py shanzhi demo
	@echo "Shanzhi is serving on http://127.0.0.1:$(PORT)/  (stop with Ctrl-C)"
	@# Background tasks (imports, large exports) run in a django-tasks worker beside gunicorn;
	@# it is stopped when gunicorn stops.
	$(BIN)/python manage.py db_worker --no-startup-delay -v0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn shanzhi.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --access-logfile -

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/mypy shanzhi/*/services.py shanzhi/*/selectors.py shanzhi/accounts/scope.py \
		shanzhi/events/services shanzhi/events/deadlines.py \
		shanzhi/petitions/services shanzhi/*/workflow.py shanzhi/petitions/deadlines.py \
		shanzhi/*/statistics.py shanzhi/core/documents.py

pytest: deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint pytest

bench: deps
	$(BIN)/python bench/run.py $(BENCH)

clean:
	rm -rf $(VENV) node_modules staticfiles var
