"""The explorers' unit tests, once more under ipywidgets 7.7.1 (Colab's), in `.venv-classic`.

`make test` builds that virtualenv (requirements-classic.txt); this test runs the explorer tests
there in a subprocess, so that nothing in the explorers, their slider events or their display
relies on an ipywidgets 8 API. A missing or half-built `.venv-classic` fails it (`make classic`).
"""

import json
import subprocess
from pathlib import Path

import pytest
from test_browser_classic import classic_python

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

TESTS = Path(__file__).resolve().parent
#: Every explorer test file: all test_widgets*.py but this one and the static figures' tests.
EXPLORER_TESTS = sorted(p.name for p in TESTS.glob("test_widgets*.py")
                        if p.name not in {Path(__file__).name, "test_widgets_figures.py"})
#: Reads the stored notebooks, whatever ipywidgets is installed: the main run has it.
STORED_NOTEBOOKS = "tests/test_widgets_static.py::test_the_stored_notebooks_show_each_explorer_as_a_picture"


def test_the_classic_stack_has_ipywidgets_7():
    version = subprocess.run([str(classic_python()), "-c", "import ipywidgets; print(ipywidgets.__version__)"],
                             capture_output=True, text=True, timeout=120)
    assert version.stdout.strip() == "7.7.1", version.stderr


def test_installing_speclab_next_to_ipywidgets_7_leaves_it_there(tmp_path):
    """What Colab's install cell does, offline: pip installs speclab alone, ipywidgets stays 7.7.1."""
    report = tmp_path / "report.json"
    run = subprocess.run([str(classic_python()), "-m", "pip", "install", "--dry-run", "--no-index",
                          "--no-build-isolation", "--quiet", "--report", str(report), str(TESTS.parent)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert [item["metadata"]["name"] for item in json.loads(report.read_text())["install"]] == ["speclab"]


def test_the_explorer_tests_pass_under_ipywidgets_7():
    assert "test_widgets.py" in EXPLORER_TESTS and "test_widgets_frames.py" in EXPLORER_TESTS
    run = subprocess.run([str(classic_python()), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                          "--deselect", STORED_NOTEBOOKS, "--durations=8",
                          *(f"tests/{name}" for name in EXPLORER_TESTS)], cwd=TESTS.parent, capture_output=True,
                         text=True, timeout=840)
    assert run.returncode == 0, f"under ipywidgets 7.7.1:\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
    assert " passed" in run.stdout.splitlines()[-1] and " failed" not in run.stdout.splitlines()[-1]
    print(run.stdout[-1500:])
