# Two commands are the whole set-up: `make lab` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Colab's widget stack (ipywidgets 7.7.1, classic Notebook 6.5), for the tests that run on it.
CLASSIC       := .venv-classic
CLASSIC_STAMP := $(CLASSIC)/.installed

.PHONY: lab test bench install notebooks classic classic-notebook

install: $(STAMP)

# Create .venv if it is missing, the way Binder (repo2docker) reads binder/: its requirements, then
# its postBuild; then the test tools. The one difference: torch comes from this machine's disk
# (pinned first, so pip never swaps in a CUDA build) instead of Binder's CPU index.
$(STAMP): pyproject.toml requirements-dev.txt binder/requirements.txt binder/postBuild binder/runtime.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c "import sys; v = 'python-%d.%d' % sys.version_info[:2]; b = open('binder/runtime.txt').read().strip(); \
	  print('note: .venv runs ' + v + ', Binder ' + b) if v != b else None"
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	grep -v '^--extra-index-url' binder/requirements.txt > $(VENV)/binder-requirements.txt
	$(PY) -m pip install -q -r $(VENV)/binder-requirements.txt
	PATH="$(abspath $(VENV))/bin:$$PATH" bash binder/postBuild
	touch $(STAMP)

# Root (a container, CI) needs --allow-root to start JupyterLab.
lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

# A failed build of .venv-classic does not stop the run: its two tests then fail, saying so.
test: $(STAMP)
	-@$(MAKE) --no-print-directory classic
	$(PY) -m pytest

classic: $(CLASSIC_STAMP)

# No real-model extra here (no torch): the widget stack and the explorers only.
$(CLASSIC_STAMP): pyproject.toml requirements-classic.txt
	rm -f $(CLASSIC_STAMP)
	test -x $(CLASSIC)/bin/python || $(PYTHON) -m venv $(CLASSIC)
	$(CLASSIC)/bin/python -m pip install -q --no-deps -r requirements-classic.txt
	touch $(CLASSIC_STAMP)

# The course in the classic Notebook with ipywidgets 7.7.1, to see what a Colab learner sees
# (the notebooks without real models; those need `make lab`).
classic-notebook: $(CLASSIC_STAMP)
	$(CLASSIC)/bin/jupyter notebook notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(STAMP)
	$(PY) benchmarks/bench_core.py
	$(PY) benchmarks/bench_widgets.py
	$(PY) benchmarks/bench_real.py
	$(PY) benchmarks/bench_trained_draft.py

# Rebuild every notebook from its builder in tools/notebooks/ and store fresh outputs.
notebooks: $(STAMP)
	for f in tools/notebooks/nb*.py; do $(PY) $$f || exit 1; done
