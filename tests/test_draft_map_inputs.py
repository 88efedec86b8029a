"""The draft map refuses what it cannot draw with one error naming the argument, and shows where a
draft's proposals place it beside its measured alpha."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from speclab.plots.draft_map import best_speedup_grid, plot_draft_map  # noqa: E402

COSTS = [1.0, 1.1, 1.2, 1.3]
GOOD = dict(name="lookup", alpha=0.5, alpha_low=0.4, alpha_high=0.6, c=0.1, measured=1.0, predicted=1.1)


def _without(name):
    return {key: value for key, value in GOOD.items() if key != name}


@pytest.mark.parametrize("args, kwargs, name", [
    ((None, COSTS), {}, "drafts"),
    (("abc", COSTS), {}, "drafts"),
    ((["abc"], COSTS), {}, r"drafts\[0\]"),
    (([dict(GOOD, alpha=float("nan"))], COSTS), {}, r"drafts\[0\]\['alpha'\]"),
    (([dict(GOOD, alpha=1.5)], COSTS), {}, r"drafts\[0\]\['alpha'\]"),
    (([GOOD, dict(GOOD, c=-0.1)], COSTS), {}, r"drafts\[1\]\['c'\]"),
    (([dict(GOOD, c=float("nan"))], COSTS), {}, r"drafts\[0\]\['c'\]"),
    (([dict(GOOD, c="0.1")], COSTS), {}, r"drafts\[0\]\['c'\]"),
    (([_without("c")], COSTS), {}, r"drafts\[0\] lacks 'c'"),
    (([_without("measured")], COSTS), {}, r"drafts\[0\] lacks 'measured'"),
    (([dict(GOOD, alpha_low=0.55)], COSTS), {}, r"drafts\[0\]"),
    (([dict(GOOD, effective_alpha=2.0)], COSTS), {}, r"drafts\[0\]\['effective_alpha'\]"),
    (([dict(GOOD, flags="oops")], COSTS), {}, r"drafts\[0\]\['flags'\]"),
    (([GOOD], COSTS), dict(c_max=0), "c_max"),
    (([GOOD], COSTS), dict(c_max=-1.0), "c_max"),
    (([GOOD], COSTS), dict(c_max=float("nan")), "c_max"),
    (([GOOD], "abc"), {}, "pass_costs"),
    (([GOOD], None), {}, "pass_costs"),
    (([GOOD], [1.0, 0.0]), {}, "pass_costs"),
])
def test_bad_input_gets_one_error_naming_the_argument(args, kwargs, name):
    figures = len(plt.get_fignums())
    with pytest.raises(ValueError, match=name):
        plot_draft_map(*args, **kwargs)
    assert len(plt.get_fignums()) == figures                  # refused before any figure was made


def test_the_grid_names_its_arguments():
    for alphas, cs, name in [([1.5], [0.1], "alphas"), ([0.5], [-0.1], "cs"), (["x"], [0.1], "alphas")]:
        with pytest.raises(ValueError, match=name):
            best_speedup_grid(alphas, cs, COSTS)


def test_a_draft_whose_proposals_fall_short_is_drawn_where_they_place_it():
    """Measured alpha hollow with its interval, the effective alpha filled below it, the chain's promise named."""
    short = dict(GOOD, name="lookup", alpha=0.87, alpha_low=0.8, alpha_high=0.92, c=0.003, measured=1.2,
                 predicted=1.25, effective_alpha=0.35, chain_predicted=2.9)
    chain = dict(GOOD, name="copy", alpha=0.6, alpha_low=0.5, alpha_high=0.7, c=0.3, effective_alpha=0.6)
    fig = plot_draft_map([short, chain], COSTS)
    ax = fig.axes[0]
    hollow, full = ax.containers[0].lines[0], ax.containers[1].lines[0]
    assert hollow.get_markerfacecolor() == "white" and hollow.get_ydata()[0] == pytest.approx(0.87)
    assert full.get_markerfacecolor() != "white"              # a chain stays where its alpha is
    moved = [line for line in ax.lines if line.get_ydata().size == 1 and line.get_ydata()[0] == pytest.approx(0.35)]
    assert len(moved) == 1 and moved[0].get_xdata()[0] == pytest.approx(0.003)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["lookup: measured 1.20x, map 1.25x, chain 2.90x", "copy: measured 1.00x, map 1.10x"]
    assert "hollow" in ax.get_legend().get_title().get_text()
    plt.close(fig)


def test_an_empty_list_draws_the_bare_map():
    fig = plot_draft_map([], COSTS)
    assert fig.axes[0].get_legend() is None and np.isfinite(fig.axes[0].get_xlim()).all()
    plt.close(fig)
