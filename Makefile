# The two set-up commands of the README: each creates .venv, installs, and runs.
PYTHON ?= python3
VENV := .venv

.PHONY: demo test install install-test

$(VENV)/bin/pip:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

install: $(VENV)/bin/pip
	$(VENV)/bin/pip install --quiet -e .

install-test: $(VENV)/bin/pip
	$(VENV)/bin/pip install --quiet -e '.[test]'

demo: install
	$(VENV)/bin/envadmin demo

# Three processes on two cores: many tests wait on workers, brokers, browsers and subprocesses rather than on the
# CPU. A module's tests stay in one process, so a module's running stack is started once.
test: install-test
	$(VENV)/bin/pytest -q -n 3 --dist loadscope
