# The two commands of the README: `make demo` and `make test`. CI runs `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: install demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,local]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/crm demo

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: install
	$(VENV)/bin/mypy

unit: install
	$(VENV)/bin/pytest

test: lint typecheck unit

bench: install
	$(PY) bench/cli_startup.py
	$(PY) bench/import_contacts.py
	$(PY) bench/list_contacts.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
