"""The package's public surface and its layout: what DESIGN.md promises, and the house rules.

Names that notebooks and users import keep working; each subpackage has a short front door; no
top-level module shares a prefix with a sibling; imports only run down the layers.
"""

import ast
import importlib
from pathlib import Path

import pytest

import speclab as sl

PACKAGE = Path(sl.__file__).parent

#: The public contract in DESIGN.md: module -> names it must export.
CONTRACT = {
    "speclab": ["expected_tokens", "speedup", "optimal_k", "breakeven_alpha", "acceptance_rate",
                "tokens_per_round_pmf", "verify", "verify_greedy", "Verification", "SyntheticPair", "simulate",
                "CostModel", "simulate_iid", "sweep", "chi_square_test", "plot_rounds", "metrics"],
    "speclab.exercises": ["ex1", "ex2", "ex3", "ex4"],
    "speclab.trees": ["TreeShape", "verify_tree", "decide_tree", "best_tree", "expected_tokens_tree",
                      "simulate_tree", "simulate_tree_iid", "sibling_rates"],
    "speclab.widgets": ["speedup_explorer", "acceptance_explorer", "trace_explorer", "roofline_explorer",
                        "tree_explorer", "temperature_explorer", "Explorer"],
    "speclab.plots": ["plot_speedup_vs_alpha", "plot_timeline", "plot_lossless"],
    "speclab.cli": ["main", "build_parser"],
}
REAL_CONTRACT = ["SpeculativeDecoder", "PromptLookupDrafter", "load_offline_model", "train_draft",
                 "load_offline_draft", "measure_pair", "FeatureDrafter", "DraftModelDrafter", "EarlyExitDrafter"]
SUBPACKAGES = ["trees", "plots", "widgets", "exercises", "exercises._grading", "cli", "real", "real.drafters",
               "real.measure", "real.training"]
#: Lines a front door may take: one screen of an editor on a laptop (about 70 lines of 14 px).
ONE_SCREEN = 70


@pytest.mark.parametrize("module", sorted(CONTRACT))
def test_the_documented_names_import(module):
    imported = importlib.import_module(module)
    missing = [name for name in CONTRACT[module] if not hasattr(imported, name)]
    assert not missing, f"{module} lost {missing}"
    exported = getattr(imported, "__all__", None)
    if exported is not None:
        assert all(hasattr(imported, name) for name in exported), f"{module}.__all__ names a missing name"


def test_the_real_names_import_lazily():
    pytest.importorskip("torch")
    real = importlib.import_module("speclab.real")
    for name in REAL_CONTRACT + list(real.__all__):
        assert getattr(real, name) is not None, name


def test_the_contract_still_computes():
    assert sl.expected_tokens(1.0, 4) == 5 and sl.optimal_k(0.8, 0.1) >= 1
    from speclab.exercises import ex1

    assert callable(ex1.check) and callable(ex1.hint) and callable(ex1.solution)


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_every_subpackage_has_a_one_screen_front_door(name):
    init = PACKAGE.joinpath(*name.split("."), "__init__.py")
    tree = ast.parse(init.read_text())
    assert ast.get_docstring(tree), f"{init} needs a docstring that names its modules"
    assert len(init.read_text().splitlines()) <= ONE_SCREEN, f"{init} is longer than one screen"


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_top_level_module_shares_a_prefix_with_a_sibling():
    names = [p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")]
    names += [p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    heads = {}
    for name in names:
        heads.setdefault(name.split("_")[0].rstrip("s"), []).append(name)
    shared = {head: group for head, group in heads.items() if len(group) > 1}
    assert not shared, f"top-level modules sharing a prefix (make them a subpackage): {shared}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_says_its_idea_in_its_docstring(path):
    doc = ast.get_docstring(ast.parse(path.read_text()))
    assert doc and doc.split("\n")[0].strip(), f"{path} needs a docstring whose first line says its one idea"


def _imports(path: Path) -> set:
    """Absolute names of everything `path` imports (relative imports resolved)."""
    dotted = _dotted(path)
    package = dotted if path.name == "__init__.py" else dotted.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_torch_and_transformers_are_imported_only_inside_real():
    outside = {str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p) if n.split(".")[0] in ("torch", "transformers"))
               for p in _modules() if "real" not in p.relative_to(PACKAGE).parts}
    assert not {k: v for k, v in outside.items() if v}


def test_imports_run_down_the_layers():
    """Nothing below widgets, real and cli imports them; theory and verify use only the private helpers."""
    upper = ("speclab.widgets", "speclab.real", "speclab.cli")
    for path in _modules():
        dotted = _dotted(path)
        if dotted.startswith(upper):
            continue
        wrong = sorted(n for n in _imports(path) if n.startswith(upper))
        assert not wrong, f"{dotted} imports {wrong}"
    for core in ("theory.py", "verify.py"):
        used = {n for n in _imports(PACKAGE / core) if n.startswith("speclab.")}
        assert all(n.split(".")[1] in ("_validate", "limits") for n in used), f"{core} imports {used}"
