# Tracker: `make run` serves the app on http://127.0.0.1:5000, `make test` runs the whole suite.
VENV   := .venv
PYTHON ?= python3
FLASK  := $(VENV)/bin/flask --app tracker
HOST   ?= 127.0.0.1
PORT   ?= 5000
MO     := $(patsubst %.po,%.mo,$(wildcard tracker/translations/*/LC_MESSAGES/messages.po))

.PHONY: run test lint install translations extract bench bench-load bench-plans clean

$(VENV)/.installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements-test.txt $(VENV)/.installed
	$(VENV)/bin/pip install -q -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

%.mo: %.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile -i $< -o $@

translations: $(MO)

run: install translations
	$(FLASK) init-db
	@if $(FLASK) is-empty; then $(FLASK) demo; fi
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.test-installed translations
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .

# The company benchmark (docs/performance.md): BENCH_ARGS="--engineers 200 --orders 10000" for a quick run,
# BENCH_ARGS="--database postgresql://postgres@127.0.0.1:5432/tracker_bench" for PostgreSQL (emptied first).
$(VENV)/.bench-installed: benchmarks/requirements.txt $(VENV)/.test-installed
	$(VENV)/bin/pip install -q -r benchmarks/requirements.txt
	touch $@

bench: $(VENV)/.bench-installed translations
	$(VENV)/bin/python -m benchmarks.run $(BENCH_ARGS)

# Pages through gunicorn (4 workers) on PostgreSQL, alone and under 50 clients (docs/performance.md). The database is
# created when missing and emptied first; BENCH_LOAD_ARGS="--reuse" keeps a company of the same sizes,
# "--engineers 200 --orders 10000 --months 2 --seconds 15" is a quick run.
BENCH_LOAD_DATABASE ?= postgresql://postgres@127.0.0.1:5432/tracker_load
bench-load: install translations
	$(VENV)/bin/python -m benchmarks.load --database $(BENCH_LOAD_DATABASE) $(BENCH_LOAD_ARGS)

# The plan of every fact query on PostgreSQL at 100,000 work orders a month over six months (docs/performance.md);
# fails when one reads the whole work-order table. BENCH_PLANS_ARGS="--reuse" keeps a company of the same sizes.
BENCH_PLANS_DATABASE ?= postgresql://postgres@127.0.0.1:5432/tracker_plans
bench-plans: install translations
	$(VENV)/bin/python -m benchmarks.plans --database $(BENCH_PLANS_DATABASE) $(BENCH_PLANS_ARGS)

# Collect the messages into messages.pot and merge them into each catalogue; translate what is new
# (tests/test_i18n.py lists anything untranslated), then `make translations` compiles the .mo files.
extract: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 \
		--project Tracker -o tracker/translations/messages.pot .
	$(VENV)/bin/pybabel update -i tracker/translations/messages.pot -d tracker/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV)
