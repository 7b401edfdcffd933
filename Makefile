# Two entry points: `make run` (set up, build the index if needed, serve the chat) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

AXE := node_modules/axe-core/axe.min.js

.PHONY: setup run test lint eval bench browser-tools

setup: $(STAMP)

# axe-core for the browser tests' accessibility check (skipped, with the reason, when npm is missing)
browser-tools: $(AXE)

$(AXE): package.json
	command -v npm >/dev/null && npm install --silent --no-audit --no-fund && touch $(AXE) \
	  || echo "warning: npm missing: the accessibility test will skip"

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: setup
	$(PY) ui.py

test: setup browser-tools
	$(PY) -m ruff check .
	$(PY) -m pytest -q

lint: setup
	$(PY) -m ruff check .

eval: setup
	$(PY) -m eval

bench: setup
	$(PY) benchmarks/build_index.py
	$(PY) benchmarks/ask_latency.py
	$(PY) benchmarks/cold_start.py
	$(PY) benchmarks/load_ui.py
