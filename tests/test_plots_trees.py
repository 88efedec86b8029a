"""Notebook 09's figures draw the package's numbers (and return their figure)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import speclab as sl  # noqa: E402
from speclab.trees import theory as tt  # noqa: E402
from speclab.plots import temperature as temperature_plots  # noqa: E402
from speclab.plots import trees as tree_plots  # noqa: E402
from speclab.plots import typical as typical_plots  # noqa: E402
from speclab.trees import TreeShape  # noqa: E402
from speclab.typical import typical_tradeoff  # noqa: E402


def test_tree_and_mask_figures():
    shape = TreeShape.full((2, 2))
    fig = tree_plots.plot_tree(shape, alpha=0.6)
    dots = fig.axes[0].collections[-1]
    np.testing.assert_allclose(dots.get_array(), tt.node_acceptance(shape, 0.6))
    fig = tree_plots.plot_attention_mask(shape)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), shape.attention_mask())
    x, y = tree_plots.tree_layout(shape)
    assert x.tolist() == [0, 1, 1, 2, 2, 2, 2] and y[1] == np.mean(y[3:5]), "a parent sits between its children"


def test_chain_vs_tree_curves():
    alphas = np.array([0.3, 0.6, 0.9])
    fig = tree_plots.plot_chain_vs_tree(8, alphas)
    chain, tree = fig.axes[0].lines[:2]
    np.testing.assert_allclose(chain.get_ydata(), sl.expected_tokens(alphas, 8))
    np.testing.assert_allclose(tree.get_ydata(), [tt.expected_tokens_tree(tt.best_tree(8, a), a) for a in alphas])


def test_typical_and_temperature_figures():
    p, q = sl.SyntheticPair(vocab_size=20, agreement=0.5, seed=0).distributions(4)
    trade = typical_tradeoff(p, q[:3], [0.02, 0.1])
    line = typical_plots.plot_typical_tradeoff(trade).axes[0].lines[0]
    np.testing.assert_allclose(line.get_xdata(), trade.bias)
    np.testing.assert_allclose(line.get_ydata(), trade.tokens_per_round)
    fig = temperature_plots.plot_alpha_vs_temperature({"a": [0.9, 0.8], "b": [0.1, 0.4]}, [0.0, 1.0])
    assert [l.get_label() for l in fig.axes[0].lines[:2]] == ["a", "b"]
