# The two set-up commands of the README: each creates .venv, installs, and runs.
PYTHON ?= python3
VENV := .venv

.PHONY: demo test install install-test lock lint messages catalogues

$(VENV)/bin/pip:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

# The lock files pin every package with its hashes (pyproject.toml keeps the ranges); `make lock` makes them again.
install: $(VENV)/bin/pip
	$(VENV)/bin/pip install --quiet -r requirements.lock
	$(VENV)/bin/pip install --quiet --no-deps -e .

install-test: $(VENV)/bin/pip
	$(VENV)/bin/pip install --quiet -r requirements-test.lock
	$(VENV)/bin/pip install --quiet --no-deps -e '.[test]'

LOCK := $(VENV)/bin/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url \
	--no-emit-find-links --upgrade
lock: $(VENV)/bin/pip
	$(VENV)/bin/pip install --quiet pip-tools
	$(LOCK) -o requirements.lock pyproject.toml
	$(LOCK) --extra test -o requirements-test.lock pyproject.toml

# The import contracts of pyproject.toml ([tool.importlinter]): the packages depend one way, the domain on no
# infrastructure.
lint: install-test
	$(VENV)/bin/lint-imports

# The French (and any other) catalogue: `make messages` extracts the text people read into languages/messages.pot
# and merges it into each languages/locale/<language>/LC_MESSAGES/messages.po, for a translator; `make catalogues`
# compiles them into the .mo files the package ships (tests/unit/test_catalogues.py checks both are up to date).
messages: install-test
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output -o languages/messages.pot .
	$(VENV)/bin/pybabel update --no-fuzzy-matching -i languages/messages.pot -d languages/locale

catalogues: install-test
	$(VENV)/bin/pybabel compile --statistics -d languages/locale

demo: install
	$(VENV)/bin/envadmin demo

# Three processes on two cores: many tests wait on workers, brokers, browsers and subprocesses rather than on the
# CPU. A module's tests stay in one process, so a module's running stack is started once.
test: install-test
	$(VENV)/bin/pytest -q -n 3 --dist loadscope
