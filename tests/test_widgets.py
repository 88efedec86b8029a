"""The explorers: set sliders from code and check every readout equals the theory functions.

A widget that showed a number computed anywhere but `speclab.theory` would fail here.
"""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import speclab as sl  # noqa: E402
from speclab import widgets  # noqa: E402
from speclab.widgets import _frames as machinery  # noqa: E402

SETTINGS = [  # alpha, k, c, verify_growth
    (0.8, 4, 0.1, 0.0),
    (0.55, 7, 0.05, 0.02),
    (1.0, 3, 0.2, 0.0),
    (0.1, 16, 0.5, 0.2),
]


def shown_value(html_widget) -> str:
    """The text inside the readout's `speclab-value` element."""
    return html_widget.value.split('class="speclab-value">')[1].split("</b>")[0]


@pytest.fixture(scope="module")
def explorer():
    return widgets.speedup_explorer()


def test_explorer_exposes_controls_and_readouts(explorer):
    assert set(explorer.controls) == {"alpha", "k", "c", "verify_growth"}
    assert set(explorer.readouts) == {"speedup", "expected_tokens", "optimal_k", "breakeven_alpha",
                                      "accepted_fraction"}
    assert explorer.output in explorer.children
    assert explorer.png.startswith(b"\x89PNG"), "the first update must already have drawn the figure"


@pytest.mark.parametrize("alpha, k, c, growth", SETTINGS)
def test_speedup_readouts_equal_theory(explorer, alpha, k, c, growth):
    for name, value in dict(alpha=alpha, k=k, c=c, verify_growth=growth).items():
        explorer.controls[name].value = value
    v = explorer.values
    assert v["speedup"] == sl.speedup(alpha, k, c, growth)
    assert v["expected_tokens"] == sl.expected_tokens(alpha, k)
    assert v["optimal_k"] == sl.optimal_k(alpha, c, verify_growth=growth)
    assert v["accepted_fraction"] == sl.accepted_fraction(alpha, k)
    breakeven = sl.breakeven_alpha(c, k, growth)
    assert (math.isnan(v["breakeven_alpha"]) and math.isnan(breakeven)) or v["breakeven_alpha"] == breakeven
    # ... and the page shows those same numbers, rounded to three decimals.
    assert shown_value(explorer.readouts["speedup"]) == f"{sl.speedup(alpha, k, c, growth):.3f}"
    assert shown_value(explorer.readouts["expected_tokens"]) == f"{sl.expected_tokens(alpha, k):.3f}"
    assert shown_value(explorer.readouts["optimal_k"]) == str(sl.optimal_k(alpha, c, verify_growth=growth))
    assert shown_value(explorer.readouts["breakeven_alpha"]) == machinery.fmt(breakeven)


def test_moving_one_slider_changes_the_figure(explorer):
    explorer.controls["alpha"].value = 0.3
    before = explorer.png
    explorer.controls["alpha"].value = 0.9
    assert explorer.png != before


def test_breakeven_reads_none_when_speculation_cannot_pay():
    e = widgets.speedup_explorer(alpha=0.5, k=4, c=0.9, verify_growth=0.2)
    assert math.isnan(sl.breakeven_alpha(0.9, 4, 0.2)), "c + growth > 1: even alpha = 1 loses"
    assert shown_value(e.readouts["breakeven_alpha"]) == "none"
    e.controls["c"].value = 0.1
    assert shown_value(e.readouts["breakeven_alpha"]) == f"{sl.breakeven_alpha(0.1, 4, 0.2):.3f}"


def test_acceptance_readouts_equal_theory():
    e = widgets.acceptance_explorer()
    for agreement, position in [(0.0, 0), (0.35, 3), (0.9, 7), (1.0, 2)]:
        e.controls["agreement"].value = agreement
        e.controls["position"].value = position
        pair = sl.SyntheticPair(vocab_size=12, agreement=agreement, seed=0)
        p, q = pair.target(position), pair.draft(position)
        assert e.values["alpha"] == sl.acceptance_rate(p, q)
        np.testing.assert_array_equal(e.values["residual"], np.maximum(p - q, 0.0))
        assert shown_value(e.readouts["alpha"]) == f"{sl.acceptance_rate(p, q):.3f}"
        assert shown_value(e.readouts["rejection"]) == f"{1 - sl.acceptance_rate(p, q):.3f}"
        assert shown_value(e.readouts["pair_alpha"]) == f"{pair.alpha(21).mean():.3f}"
        assert f"agreement {agreement:.2f} gives alpha" in e.readouts["pair_alpha"].value


def test_the_residual_panel_draws_max_0_p_minus_q_whose_mass_shrinks_to_1_minus_alpha():
    """Normalized, the residual of q = a p + (1 - a) u has one shape for every a, and the panel would
    not move; drawn as max(0, p - q), its bars add up to 1 - alpha and vanish as a goes to 1."""
    e = widgets.acceptance_explorer(position=4)
    masses = {}
    for agreement in (0.2, 0.8):
        e.controls["agreement"].value = agreement
        masses[agreement] = e.bars_res.heights.sum()
        assert masses[agreement] == pytest.approx(1.0 - e.values["alpha"], abs=1e-12)
    assert masses[0.8] < 0.5 * masses[0.2]
    assert "mass 1 - alpha" in e.ax_res.get_title()


def test_identical_models_accept_everything():
    e = widgets.acceptance_explorer(agreement=1.0)
    assert e.values["alpha"] == pytest.approx(1.0)
    assert e.note.get_visible(), "with p == q the residual panel must say no residual is needed"


def test_trace_readouts_equal_the_simulator():
    e = widgets.trace_explorer(num_tokens=40)
    for agreement, k, seed in [(0.75, 4, 0), (0.3, 2, 5), (1.0, 8, 1)]:
        e.controls["agreement"].value = agreement
        e.controls["k"].value = k
        e.controls["seed"].value = seed
        res = sl.simulate(sl.SyntheticPair(vocab_size=100, agreement=agreement, seed=0),
                          num_tokens=40, k=k, trials=1, seed=seed)
        assert e.values["target_passes"] == res.target_passes
        assert e.values["rounds"] == res.rounds
        assert shown_value(e.readouts["target_passes"]) == str(res.target_passes)
        assert shown_value(e.readouts["tokens_per_round"]) == f"{res.mean_tokens_per_round:.2f}"
        alpha = sl.SyntheticPair(vocab_size=100, agreement=agreement, seed=0).alpha(40).mean()
        assert shown_value(e.readouts["alpha"]) == f"{alpha:.2f}", "the agreement's alpha beside the slider"


def test_the_trace_shows_the_columns_a_round_of_your_k_fills_and_no_more():
    """The axes end where a round of K drafts can reach (K + 1 with its bonus): at K = 4 the grid once
    kept columns for K = 8, four of them always empty."""
    e = widgets.trace_explorer(agreement=0.75, k=4, seed=0)
    for k in (4, 1, 8, 2):
        e.controls["k"].value = k
        widest = max(col for _, col, *_ in sl.trace.cell_boxes(e.values["rounds"][: e.shown_rounds])) + 1
        assert e.ax.get_xlim() == (0, k + 1), (k, e.ax.get_xlim())
        assert widest == k + 1 if k in (4, 1) else widest <= k + 1, (k, widest)   # seed 0's runs reach the bonus


def test_axes_follow_the_curves_when_they_grow(explorer):
    """Moving alpha up raises the speedup-vs-K curve; its axis must rise with it (nothing clipped)."""
    explorer.controls["alpha"].value = 0.5
    explorer.controls["alpha"].value = 0.99
    top = explorer.ax_k.get_ylim()[1]
    assert top >= max(explorer.line_k.get_ydata())
