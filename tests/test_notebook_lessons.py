"""Each notebook is a lesson a learner can finish: at most about 2,500 words of prose, and no
pointer to a repository file (a learner in Colab cannot open one; how things were measured lives
in docs/). Reads the stored notebooks, which tests/test_notebooks.py holds to their builders."""

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
MAX_WORDS = 2500
#: What a pointer into this repository looks like: a folder of it, a script, a commit.
REPOSITORY_PATH = re.compile(r"(?<![\w.])(benchmarks|docs|tests|tools|notebooks|binder)/|speclab/[a-z_]+/|"
                             r"\bbench_\w+\.py\b|\bcommit [0-9a-f]{7}")
URL = re.compile(r"https?://\S+")


def prose(path) -> list:
    return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_fits_a_lesson(path):
    words = sum(len(re.findall(r"[A-Za-z][A-Za-z'-]*", text)) for text in prose(path))
    assert words <= MAX_WORDS, f"{words} words of prose (a lesson holds at most about {MAX_WORDS})"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_pointer_to_a_repository_file(path):
    cells = nbformat.read(path, as_version=4).cells
    found = [(n, m.group(0)) for n, cell in enumerate(cells)
             for m in REPOSITORY_PATH.finditer(URL.sub("", cell.source))      # badges link to the course
             if not cell.source.startswith("# Colab only")]
    assert not found, f"cells point into the repository: {found}"


def test_the_pattern_sees_a_pointer():
    assert REPOSITORY_PATH.search("see `benchmarks/bench_real.py` and docs/benchmarks.md")
    assert REPOSITORY_PATH.search("the weights live in speclab/real/training/shipped/")
    assert not REPOSITORY_PATH.search("docs.vllm.ai, and a 2/3 split")
