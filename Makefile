# The two commands of the README: `make demo` and `make test`. CI runs `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: install demo test lint typecheck unit bench bench-large clean system-deps

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
	$(VENV)/bin/lint-imports

typecheck: install
	$(VENV)/bin/mypy

# One pytest worker per core (pytest-xdist): a single process keeps one core busy.
unit: install
	$(VENV)/bin/pytest -n auto

# Headless Chromium for the landing page browser test (Debian packages; never `playwright
# install`). Quick when installed; skipped with a message without root or apt-get.
system-deps:
	@if command -v chromium >/dev/null 2>&1; then \
		echo "system-deps: chromium is installed"; \
	elif [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
		echo "system-deps: skipped (needs root and apt-get): install chromium yourself, or the browser test is skipped"; \
	else \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

test: system-deps lint typecheck unit

bench: install
	$(PY) bench/cli_startup.py
	$(PY) bench/read_commands.py
	$(PY) bench/import_contacts.py
	$(PY) bench/scale.py --sizes 10000,100000
	$(PY) bench/indexes.py
	$(PY) bench/list_contacts.py
	$(PY) bench/keep_open.py
	$(PY) bench/serve.py
	$(PY) bench/console.py
	$(PY) bench/llm_gateway.py
	$(PY) bench/segments.py
	$(PY) bench/enrich.py
	$(PY) bench/executor.py
	$(PY) bench/scheduler.py
	$(PY) bench/api_roles.py
	$(PY) bench/session_auth.py
	$(PY) bench/local_model_quality.py

# The growth 10k -> 100k -> 1M contacts (import, bytes on disk, a fresh command's open and
# memory). The million alone takes 9-19 minutes to import on 2 cores (2.4 GB of memory),
# and each of the first two commands opening it afterwards about 2 GB (README, "What to
# expect at scale").
bench-large: install
	$(PY) bench/scale.py --sizes 10000,100000,1000000

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .grimp_cache .import_linter_cache
