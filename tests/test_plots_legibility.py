"""The figure review's legibility fixes (docs of record: the review of every notebook figure):
colours that mean one thing across panels, markers the axes do not cut, capped optima marked as
capped, text in the legend rather than stacked beside the curves."""

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import speclab as sl  # noqa: E402
from speclab import plots  # noqa: E402
from speclab.plots import roofline as roofline_plots, temperature as temperature_plots  # noqa: E402
from speclab.plots.benchmark import diverging_ticks  # noqa: E402


def _colours(ax, prefix="alpha = "):
    return {l.get_label(): to_hex(l.get_color()) for l in ax.lines if l.get_label().startswith(prefix)}


def test_one_alpha_has_one_colour_in_the_speedup_vs_k_and_vs_cost_panels():
    fig, axes = plt.subplots(1, 2)
    plots.plot_speedup_vs_k(alphas=(0.3, 0.5, 0.7, 0.85, 0.95), c=0.1, ax=axes[0])
    plots.plot_speedup_vs_cost(alphas=(0.5, 0.7, 0.85, 0.95), k=4, ax=axes[1])
    by_k, by_cost = _colours(axes[0]), _colours(axes[1])
    assert set(by_cost) < set(by_k) and all(by_cost[label] == by_k[label] for label in by_cost), (by_k, by_cost)
    assert len(set(by_k.values())) == 5


def test_the_legend_of_speedup_vs_k_sits_above_the_curves():
    ax = plots.plot_speedup_vs_k(alphas=(0.3, 0.5, 0.7, 0.85, 0.95), c=0.1).axes[0]
    top = max(np.max(l.get_ydata()) for l in ax.lines if l.get_label().startswith("alpha"))
    low, high = ax.get_ylim()
    assert (high - top) / (high - low) > 0.25, "a quarter of the height is left for the legend"


def test_the_capped_star_label_sits_next_to_its_star():
    ax = plots.plot_speedup_vs_k(alphas=(0.95,), c=0.1, k_max=12).axes[0]
    label = [t for t in ax.texts if t.get_text().startswith("best K = ")][0]
    dx, dy = label.xyann
    assert abs(dx) <= 10 and abs(dy) <= 15, f"offset {label.xyann} points: the label must touch its star"


def test_optimal_k_shows_the_k_0_stretches_above_the_spine():
    ax = plots.plot_optimal_k(cs=(0.2,)).axes[0]
    assert ax.get_ylim()[0] < -0.5 and np.min(ax.lines[0].get_ydata()) == 0


def test_acceptance_dots_at_one_are_not_cut_by_the_spine():
    values = np.array([[1.5, 2.0], [3.0, 4.9]])
    ax = plots.plot_speedup_vs_acceptance([0.5, 1.0], [1, 2], values, values - 0.1, values + 0.1, c=0.1).axes[0]
    dots = [l for l in ax.lines if l.get_marker() == "o"]
    assert max(np.max(d.get_xdata()) for d in dots) == 1.0 and ax.get_xlim()[1] >= 1.015


def test_policy_panels_sharing_y_name_it_once_and_losses_are_hatched():
    fig, axes = plt.subplots(1, 2, sharey=True)
    for ax in axes:
        plots.plot_policy_comparison(["slow", "fast"], [0.96, 1.8], [0.9, 1.7], [1.0, 1.9], ax=ax)
    assert axes[0].get_ylabel() == "speedup (x)" and axes[1].get_ylabel() == ""
    assert [bar.get_hatch() for bar in axes[0].patches] == ["//", None]
    alone = plots.plot_policy_comparison(["a"], [1.5], [1.4], [1.6]).axes[0]
    assert alone.get_ylabel() == "speedup (x)"


def test_a_split_colour_bar_has_few_ticks_above_its_centre():
    ticks = diverging_ticks(0.5, 1.0, 5.0)
    assert ticks[:2] == [0.5, 1.0] and ticks[-1] == 5.0 and len(ticks) <= 7
    values = np.array([[0.8, 1.0], [1.3, 5.0]])
    fig = plots.plot_grid_heatmap(values, [0.5, 0.9], [1, 2], cmap="RdBu", vmin=0.5, vmax=5, center=1.0)
    bar_ticks = list(fig.axes[1].get_yticks())
    assert bar_ticks == ticks and 1.5 not in bar_ticks


def test_training_loss_and_acceptance_get_their_own_panels_and_zero_shows_whole():
    record = dict(steps=[1, 2, 3, 4], loss=[9.0, 5.0, 4.0, 3.0], heldout_steps=[2, 4],
                  heldout_acceptance=[[0.0, 0.0, 0.0], [0.3, 0.1, 0.1]])
    fig = plots.plot_training(record)
    loss_ax, accept_ax = fig.axes
    assert len(loss_ax.lines) == 1 and len(accept_ax.lines) == 3
    assert accept_ax.get_ylim()[0] < -0.02, "markers at acceptance 0 must not be cut by the spine"
    sizes = [l.get_markersize() for l in accept_ax.lines]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == 3, "equal points stay visible"


def test_draft_scaling_markers_shrink_with_depth():
    curve = {"points": [dict(tokens=t, heldout_acceptance=[0.2, 0.05, 0.05], write_seconds=1, fit_seconds=1)
                        for t in (1e4, 1e5)]}
    sizes = [l.get_markersize() for l in plots.plot_draft_scaling(curve).axes[0].lines]
    assert sizes[0] > sizes[1] > sizes[2]


def test_break_even_batches_are_named_in_the_legend():
    ax = roofline_plots.plot_batch_speedup(alphas=(0.6, 0.8), k=4, c=0.05).axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    from speclab import roofline as rl
    for alpha, label in zip((0.6, 0.8), labels):
        edge = rl.breakeven_batch(alpha, 4, 0.05, 7e9, 3.35e12, 989e12)
        assert label == f"alpha = {alpha:g} (break-even batch {edge:.0f})"
    assert not ax.texts, "no numbers stacked beside the triangles"


def test_temperature_figure_uses_the_shared_pair_colours_by_default():
    from speclab.plots._axes import PAIR_COLOURS

    ax = temperature_plots.plot_alpha_vs_temperature({"synthetic, agreement 0.6": [0.9, 0.8],
                                                      "SmolLM2, early exit 27/30": [0.5, 0.5]}, [0.0, 1.0]).axes[0]
    assert {l.get_label(): l.get_color() for l in ax.lines[:2]} == {
        label: PAIR_COLOURS[label] for label in ("synthetic, agreement 0.6", "SmolLM2, early exit 27/30")}


def test_kv_rollback_draws_no_empty_column_after_a_rejection():
    for n, width in ((1, 3 + 4), (4, 3 + 4 + 1)):
        ax = plots.plot_kv_rollback(k=4, n_accepted=n, context=3).axes[0]
        used = max(col for cells in sl.plots.kv_rollback(4, n, 3).values() for col, _, _ in cells)
        assert ax.get_xlim() == (0, width) and used == width - 1


def test_engine_fit_title_never_prints_p_equal_0():
    from speclab.engines import fit_profile, simulate_counters
    from speclab.plots.engine_fit import plot_engine_fit

    fit = dataclasses.replace(fit_profile(simulate_counters([0.9, 0.7, 0.5], 2000, seed=1)), p_value=0.0)
    title = plot_engine_fit(fit).axes[0].get_title()
    assert "p < 1e-300" in title and "p = 0" not in title


def test_batch_speedup_panels_sharing_y_name_it_once_and_keep_one_scale():
    fig, axes = plots.panels(2, sharey=True)
    roofline_plots.plot_batch_speedup(alphas=(0.6, 0.9), ax=axes[0])
    roofline_plots.plot_batch_speedup(alphas=(0.6, 0.9), bytes_per_param=0.5, ax=axes[1])
    assert axes[0].get_ylabel() == "speedup (x)" and axes[1].get_ylabel() == ""
    top = max(np.max(line.get_ydata()) for line in axes[0].lines if line.get_label().startswith("alpha"))
    assert axes[1].get_ylim()[1] == pytest.approx(1.6 * top), "the second panel does not stretch the first's axis"


def test_engine_fit_refuses_anything_but_a_profile_fit_by_name():
    from speclab.plots.engine_fit import plot_engine_fit

    with pytest.raises(TypeError, match="fit must be a ProfileFit"):
        plot_engine_fit({"k": 3})
