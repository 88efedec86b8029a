"""Structure of every course notebook: collected and compared by nbval, badges, install cell.

These checks are static (they read the .ipynb files); nbval itself runs the notebooks and
compares their stored outputs as part of the same `make test`.
"""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
sys.path.insert(0, str(ROOT))
from tools import nbtools  # noqa: E402

IGNORE = nbtools.IGNORE_OUTPUT
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: Why a cell may skip output comparison: it shows a widget, a timing or a progress bar.
VOLATILE_WORDS = ("explorer", "widget", "time", "progress", "tqdm", "seconds", "measure", "device", "cuda")


def read(path):
    return nbformat.read(path, as_version=4)


COURSE = ("01_the_algorithm.ipynb", "02_acceptance_and_losslessness.ipynb", "03_speedup_theory.ipynb",
          "04_benchmarks.ipynb")


def test_the_course_notebooks_exist():
    missing = [name for name in COURSE if not (NOTEBOOK_DIR / name).is_file()]
    assert not missing, f"missing from {NOTEBOOK_DIR}: {missing} (run `make notebooks`)"


def test_pytest_runs_nbval_comparing_outputs():
    """`make test` (plain pytest) must compare stored outputs, not merely execute the notebooks."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    addopts = options["addopts"].split()
    assert "--nbval" in addopts and "--nbval-lax" not in addopts
    sanitize = addopts[addopts.index("--nbval-sanitize-with") + 1]
    assert (ROOT / sanitize).is_file()
    assert "notebooks" in options["testpaths"]


def test_every_notebook_is_collected_by_nbval():
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                             "notebooks"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    collected = {line.split("::")[0] for line in result.stdout.splitlines() if ".ipynb::" in line}
    missing = [nb.name for nb in NOTEBOOKS if f"notebooks/{nb.name}" not in collected]
    assert not missing, f"nbval did not collect {missing}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_name_is_number_and_topic(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_title_cell_has_colab_and_binder_badges(path):
    first = read(path).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert nbtools.colab_url(path.name) in first.source, "Open in Colab badge missing or pointing elsewhere"
    assert "colab-badge.svg" in first.source
    assert nbtools.binder_url(path.name) in first.source, "Binder badge missing or pointing elsewhere"
    assert "mybinder.org/badge_logo.svg" in first.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_install_cell_then_import(path):
    """Cell 2 installs speclab in Colab only (from nbtools.REPOSITORY), with the real-model extra only
    where the notebook uses it; cell 3 imports it as sl."""
    cells = read(path).cells
    install, imports = cells[1], cells[2]
    assert install.cell_type == "code" and install.source == nbtools.install_source(**nbtools.install_needs(cells))
    assert 'if "google.colab" in sys.modules:' in install.source
    assert not install.get("outputs"), "outside Colab the install cell must do nothing (no output)"
    assert imports.cell_type == "code" and imports.source.strip() == "import speclab as sl"


def test_repository_url_lives_in_one_place():
    """The GitHub address is written only in tools/nbtools.py; builders and tests import it."""
    sources = [p for p in (ROOT / "tools").rglob("*.py") if nbtools.REPOSITORY in p.read_text()]
    assert sources == [ROOT / "tools" / "nbtools.py"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stored_and_mostly_compared(path):
    """Every code cell ran when the notebook was built; most are compared; skipped ones are volatile."""
    code_cells = [c for c in read(path).cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code_cells), "build the notebook so outputs are stored"
    compared = [c for c in code_cells if IGNORE not in c.metadata.get("tags", []) and c.outputs]
    assert compared, "at least one cell's output must be compared by nbval"
    for cell in code_cells:
        if IGNORE in cell.metadata.get("tags", []):
            shows_widget = any(WIDGET_MIME in o.get("data", {}) for o in cell.outputs)
            volatile = shows_widget or any(word in cell.source.lower() for word in VOLATILE_WORDS)
            assert volatile, f"cell tagged {IGNORE} shows no widget, timing or progress:\n{cell.source}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_plain_error_outputs(path):
    errors = [c.source for c in read(path).cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, f"cells stored with errors: {errors}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_markdown_holds_a_control_character(path):
    """A builder's md(\"\"\"...\"\"\") is not a raw string: "\\alpha" or "\\top" written with one backslash
    become a bell or a tab, and the formula shows as "<BEL>lpha"."""
    bad = [(i, repr(c)) for i, cell in enumerate(read(path).cells) if cell.cell_type == "markdown"
           for c in cell.source if ord(c) < 32 and c != "\n"]
    assert not bad, f"{path.name}: control characters in markdown cells (cell, char): {bad[:5]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stored_output_is_a_half_drawn_progress_bar(path):
    """A static viewer shows a stored bar's first frame ("0%"): nbtools strips bars after a build."""
    for i, cell in enumerate(read(path).cells):
        for output in cell.get("outputs", []):
            for text in (output.get("text", ""), output.get("data", {}).get("text/plain", "")):
                assert not nbtools.PROGRESS_BAR.match(text), f"{path.name} cell {i} stores a progress bar: {text[:60]!r}"


BUILDERS = sorted((ROOT / "tools" / "notebooks").glob("nb*.py"))


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda p: p.stem)
def test_the_stored_notebook_is_its_builders_output(builder):
    """A learner reads the stored notebook, a contributor edits the builder: a builder changed without
    `make notebooks` leaves the course showing what it no longer says (a pointer to a missing exercise)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"builder_{builder.stem}", builder)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = [(cell.cell_type, cell.source) for cell in nbtools.fit_install_cell(module.CELLS)]
    stored = [(cell.cell_type, cell.source) for cell in read(NOTEBOOK_DIR / module.FILENAME).cells]
    assert len(stored) == len(built), f"{module.FILENAME}: {len(stored)} cells stored, the builder makes {len(built)}"
    stale = [i for i, (a, b) in enumerate(zip(built, stored)) if a != b]
    assert not stale, f"{module.FILENAME}: cells {stale} differ from {builder.name}; run `make notebooks`"
