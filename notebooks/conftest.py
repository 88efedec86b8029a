"""Each notebook's peak memory and wall time, measured while nbval runs it (`make test`).

`make test` runs the notebooks in .venv, which the Makefile builds the way Binder builds its image
from binder/. mybinder.org gives a session at most 2 GB of memory, so a notebook whose kernel
peaks above that fails here, on its last cell. The kernel's peak resident memory is the kernel's
own high-water mark (VmHWM in /proc: Linux only; elsewhere only times are kept). The figures go
to build/notebook-resources.json and are printed at the end of the run.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

#: The most memory mybinder.org gives one session (bytes); the variable lets a test lower it.
BINDER_MEMORY = int(os.environ.get("SPECLAB_NOTEBOOK_MEMORY_LIMIT", 2 * 10**9))
REPORT = Path(__file__).resolve().parent.parent / "build" / "notebook-resources.json"
_runs: dict = {}
_last_cells: set = set()


def _kernel_peak_bytes(item):
    """The nbval kernel's peak resident memory so far, or None where /proc cannot tell."""
    kernel = getattr(item.parent, "kernel", None)
    try:
        pid = kernel.km.provisioner.process.pid
        status = Path(f"/proc/{pid}/status").read_text()
    except (AttributeError, OSError):
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


def _is_cell(item) -> bool:
    return item.nodeid.split("::")[0].endswith(".ipynb")


def pytest_collection_modifyitems(items):
    """Remember each notebook's last cell: its memory check runs there."""
    last = {}
    for item in items:
        if _is_cell(item):
            last[item.parent] = item
    _last_cells.update(id(item) for item in last.values())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if not _is_cell(item):
        yield
        return
    start = time.perf_counter()
    yield
    run = _runs.setdefault(Path(item.parent.path).name, {"seconds": 0.0, "peak_bytes": None})
    run["seconds"] += time.perf_counter() - start
    peak = _kernel_peak_bytes(item)
    if peak is not None:
        run["peak_bytes"] = max(peak, run["peak_bytes"] or 0)
    if id(item) in _last_cells and (run["peak_bytes"] or 0) > BINDER_MEMORY:
        raise AssertionError(f"{Path(item.parent.path).name} peaked at {run['peak_bytes'] / 1e9:.2f} GB of "
                             f"memory; Binder gives a session {BINDER_MEMORY / 1e9:.0f} GB")


def pytest_terminal_summary(terminalreporter):
    if not _runs:
        return
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(_runs, indent=1, sort_keys=True))
    terminalreporter.section("notebooks: peak memory and time (Binder's environment, this machine)")
    for name, run in sorted(_runs.items()):
        memory = "n/a" if run["peak_bytes"] is None else f"{run['peak_bytes'] / 1e6:7.0f} MB"
        terminalreporter.write_line(f"{name:45s} {memory}  {run['seconds']:6.0f} s")
