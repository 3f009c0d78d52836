# ATO — the two commands: `make run` (the app on the embedded default) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := ato.settings

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ato_bench
BENCH_NATIONAL_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ato_national
BENCH_NATIONAL5_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ato_national5
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/3

.PHONY: run test bench lint format messages clean

$(VENV)/.run-deps: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "ATO needs Python 3.11 or newer"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-deps: $(VENV)/.run-deps
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.run-deps
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py load_territory
	DJANGO_DEBUG=1 $(PY) manage.py load_demo
	@echo
	@echo "ATO: http://127.0.0.1:$(PORT)/"
	@echo "Usuarios de demostración (contraseña ato-demo-2026):"
	@echo "  atm.cascas  Responsable del ATM, 131101 Cascas"
	@echo "  atm.lucma   Personal del ATM, 131102 Lucma"
	@echo "  revisor     Revisor del sector"
	@echo "  admin       Administrador (/admin/)"
	@echo
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.dev-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks on PostgreSQL (and Redis + a real Celery worker for the national run). Prints one
# JSON object per line; see README "Performance". The national dataset is generated once into
# its own database (about 3 minutes) and reused by later runs.
bench: $(VENV)/.dev-deps
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null || \
	  { echo "bench needs wrk (apt-get install wrk)"; exit 1; }
	@redis-cli -u $(BENCH_REDIS_URL) ping >/dev/null 2>&1 || \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
	@for url in $(BENCH_DATABASE_URL) $(BENCH_NATIONAL_DATABASE_URL) $(BENCH_NATIONAL5_DATABASE_URL); do \
	  psql "$$url" -c "select 1" >/dev/null 2>&1 || \
	  psql "$$(dirname $$url)/postgres" -qc "create database $$(basename $$url)" || exit 1; \
	done
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/registry.py
	$(PY) bench/exports.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/visits.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/field_sync.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/import_limits.py
	@# national.py on the 1-year and the 5-year datasets, and each figure's ratio (issue 14)
	BENCH_NATIONAL_DATABASE_URL=$(BENCH_NATIONAL_DATABASE_URL) \
	  BENCH_NATIONAL5_DATABASE_URL=$(BENCH_NATIONAL5_DATABASE_URL) \
	  REDIS_URL=$(BENCH_REDIS_URL) $(PY) bench/history.py
	@# the activity page and the digest with 1 and 5 years of history records, added and rolled back
	DATABASE_URL=$(BENCH_NATIONAL5_DATABASE_URL) $(PY) bench/activity.py
	DATABASE_URL=$(BENCH_NATIONAL_DATABASE_URL) $(PY) bench/open_data.py
	DATABASE_URL=$(BENCH_NATIONAL_DATABASE_URL) $(PY) bench/communities.py
	DATABASE_URL=$(BENCH_NATIONAL_DATABASE_URL) $(PY) bench/grades.py
	DATABASE_URL=$(BENCH_NATIONAL_DATABASE_URL) $(PY) bench/backup_restore.py

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev-deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: $(VENV)/.dev-deps
	$(PY) manage.py makemessages -l en --ignore '.venv/*' --ignore 'staticfiles/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
