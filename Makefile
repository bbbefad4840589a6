# crowdplan: `make run` serves the demo city; `make test` runs the whole suite on both backends.
VENV ?= .venv
PORT ?= 5000
FLASK = $(VENV)/bin/flask --app crowdplan

.PHONY: run serve test setup setup-test lint format translations migrate seed

run: setup
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production: gunicorn with deploy/gunicorn.conf.py (needs CROWDPLAN_ENV=production, SECRET_KEY).
serve: setup
	$(FLASK) db upgrade
	$(FLASK) calendar seed
	$(VENV)/bin/gunicorn --config deploy/gunicorn.conf.py "crowdplan:create_app()"

setup:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

test: setup-test lint
	$(VENV)/bin/python -m pytest

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Re-extract UI strings and merge them into the .po files (then translate and commit).
translations:
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o crowdplan/translations/messages.pot .
	$(VENV)/bin/pybabel update -i crowdplan/translations/messages.pot -d crowdplan/translations

migrate:
	$(FLASK) db upgrade

seed:
	$(FLASK) seed-demo
