"""Notebook 08's explorers: readouts equal the package's numbers; moving a slider redraws."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from speclab import tree_theory as tt  # noqa: E402
from speclab import widgets_trees  # noqa: E402
from speclab.temperature import alpha_at_temperatures, log_of  # noqa: E402
from speclab.trees import TreeShape  # noqa: E402


def shown(html_widget) -> str:
    return html_widget.value.split('class="speclab-value">')[1].split("</b>")[0]


def test_tree_readouts_equal_tree_theory():
    e = widgets_trees.tree_explorer(alpha=0.6, nodes=12, branching=3, depth=4)
    assert e.png.startswith(b"\x89PNG") and e.moving, "built, with its moving artists registered"
    for alpha, nodes, branching, depth in [(0.6, 12, 3, 4), (0.9, 20, 1, 20), (0.3, 7, 8, 1)]:
        for name, value in dict(alpha=alpha, nodes=nodes, branching=branching, depth=depth).items():
            e.controls[name].value = value
        shape = tt.best_tree(nodes, alpha, max_children=branching, max_depth=depth)
        assert e.values["shape"] == shape
        assert shown(e.readouts["tree"]) == f"{tt.expected_tokens_tree(shape, alpha):.3f}"
        assert shown(e.readouts["chain"]) == f"{tt.expected_tokens_tree(TreeShape.chain(nodes), alpha):.3f}"
        assert shown(e.readouts["best"]) == f"{tt.expected_tokens_tree(tt.best_tree(nodes, alpha), alpha):.3f}"
    assert e.values["shape"] == TreeShape.full((7,)), "depth 1: every node hangs off the root"
    before = e.png
    e.controls["depth"].value = 3
    assert e.png != before


def test_temperature_readouts_equal_alpha_at_temperatures():
    rng = np.random.default_rng(0)
    p, q = rng.dirichlet(np.ones(20), 30), rng.dirichlet(np.ones(20), 30)
    e = widgets_trees.temperature_explorer(pairs={"mine": (log_of(p), log_of(q))}, temperature=1.0)
    for t in (0.0, 0.35, 1.0, 2.0):
        e.controls["temperature"].value = t
        assert e.values["alphas"]["mine"] == pytest.approx(alpha_at_temperatures(log_of(p), log_of(q), t)[0])
        assert shown(e.readouts["alphas"]) == f"{e.values['alphas']['mine']:.3f}"
    assert e.values["alphas"]["mine"] == pytest.approx(np.mean(np.minimum(*(
        w / w.sum(-1, keepdims=True) for w in (p**0.5, q**0.5))).sum(-1)))
