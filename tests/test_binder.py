"""The Binder environment installs this package (from the repository root) and a CPU-only torch.

Binder (repo2docker) builds from the repository root with `pip install -r binder/requirements.txt`,
so the line that installs speclab must be the root path "." (with or without extras / -e).
"""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


def requirement_lines() -> list:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def package_line() -> str:
    """The requirement that installs the repository root, e.g. `-e .[real]`."""
    local = [line for line in requirement_lines() if re.fullmatch(r"(-e\s+|--editable\s+)?\.(\[[\w,\s-]+\])?", line)]
    assert len(local) == 1, f"binder/requirements.txt must install the repo root exactly once; found {local}"
    return local[0]


def test_requirements_install_this_package_with_cpu_torch():
    lines = requirement_lines()
    package_line()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines, "torch must come from the CPU index"
    assert any(re.match(r"torch\b", line) for line in lines), "torch must be listed so the CPU index is used"


def test_runtime_pins_a_python_the_package_supports():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-3\.(\d+)", runtime)
    assert match, f"runtime.txt must read python-3.X; got {runtime!r}"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = int(re.search(r">=\s*3\.(\d+)", requires).group(1))
    assert int(match.group(1)) >= minimum


def test_package_line_resolves_to_speclab_offline(tmp_path):
    """pip, offline and without dependencies, confirms the package line builds speclab from the root."""
    line = package_line()
    args = line.split()
    report = tmp_path / "report.json"
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index",
                             "--no-build-isolation", "--quiet", "--report", str(report), *args],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    if result.returncode != 0 and "No module named" in result.stderr:
        pytest.skip("pip or setuptools missing from this environment: " + result.stderr.strip().splitlines()[-1])
    assert result.returncode == 0, result.stderr
    import json

    installs = json.loads(report.read_text())["install"]
    assert [item["metadata"]["name"] for item in installs] == ["speclab"]
    assert installs[0]["download_info"]["url"] == ROOT.as_uri()


def test_make_builds_the_test_environment_from_binder():
    """The notebooks that nbval runs in .venv run in the environment Binder builds: the Makefile's
    recipe installs binder/requirements.txt and runs binder/postBuild (and nothing replaces them)."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile[makefile.index("$(STAMP):"):makefile.index("touch $(STAMP)")]
    for part in ("binder/requirements.txt", "binder/postBuild", "binder/runtime.txt"):
        assert part in recipe, f"the .venv recipe must use {part}"
    assert recipe.index("requirements-dev.txt") < recipe.index("binder-requirements.txt"), \
        "torch must be pinned (requirements-dev.txt) before Binder's unpinned torch>=2.2 is read"


NOTEBOOK_SOURCE = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                              "source": "import numpy as np\nblock = np.ones(40_000_000)  # 320 MB"},
                             {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                              "source": "print(round(block.sum()))"}],
                   "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _run_memory_check(tmp_path, limit: int):
    import json

    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "conftest.py").write_text((ROOT / "notebooks" / "conftest.py").read_text())
    (folder / "big.ipynb").write_text(json.dumps(NOTEBOOK_SOURCE))
    env = {**os.environ, "SPECLAB_NOTEBOOK_MEMORY_LIMIT": str(limit)}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                             "--nbval-current-env", "-o", "addopts=", "notebooks/big.ipynb"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    report = tmp_path / "build" / "notebook-resources.json"
    return result, (json.loads(report.read_text()) if report.exists() else None)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc (Linux)")
def test_a_notebook_above_the_memory_limit_fails_and_every_run_is_reported(tmp_path):
    """The check reads the kernel's own peak: 320 MB of numpy fails a 200 MB limit, passes 2 GB."""
    failed, report = _run_memory_check(tmp_path, 200 * 10**6)
    assert failed.returncode == 1 and "big.ipynb peaked at 0." in failed.stdout, failed.stdout[-2000:]
    assert 320e6 < report["big.ipynb"]["peak_bytes"] < 2e9
    again = tmp_path / "again"
    again.mkdir()
    passed, report = _run_memory_check(again, 2 * 10**9)
    assert passed.returncode == 0, passed.stdout[-2000:]
    assert report["big.ipynb"]["seconds"] > 0 and "peak memory and time" in passed.stdout
