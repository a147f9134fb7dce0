PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install test check lint typecheck docs demo bench clean

$(STAMP): setup.cfg setup.py pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q
	# the in-process suites again, every session on the shared reader thread
	$(PY) -m pytest -q --shared-reader tests/test_emulator.py tests/test_emulator_model.py \
		tests/test_tools_session.py tests/test_transport.py tests/test_golden.py \
		tests/test_interop_google_genai.py tests/test_security.py tests/test_shared_reader.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check genai_live tests

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict genai_live

docs: $(STAMP)
	$(VENV)/bin/sphinx-build -W --keep-going -q -b html docs docs/_build/html

check: lint typecheck test docs

demo: $(STAMP)
	$(PY) -m genai_live demo $(ARGS)

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) docs/_build build *.egg-info
