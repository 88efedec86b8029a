"""The draft map: its background is the closed form at the best k, and each draft lands where it was measured."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import speclab as sl  # noqa: E402
from speclab.plots.draft_map import best_speedup_grid, plot_draft_map  # noqa: E402


def test_with_linear_pass_costs_the_map_is_the_closed_form_at_the_optimal_k():
    growth, k_max = 0.1, 12
    costs = 1.0 + growth * np.arange(k_max + 1)               # t(n)/t(1) = 1 + g (n - 1)
    alphas, cs = np.array([0.0, 0.3, 0.6, 0.8, 0.95]), np.array([0.0, 0.05, 0.2, 0.5])
    grid = best_speedup_grid(alphas, cs, costs)
    for i, a in enumerate(alphas):
        for j, c in enumerate(cs):
            best = sl.optimal_k(a, c, k_max=k_max, verify_growth=growth)
            assert grid[i, j] == pytest.approx(sl.speedup(a, best, c, growth))
    assert np.all(grid >= 1.0 - 1e-12)                         # k = 0 is always on the menu


def test_refuses_pass_costs_that_are_not_positive():
    with pytest.raises(ValueError, match="pass_costs"):
        best_speedup_grid([0.5], [0.1], [1.0, -1.0])


def test_each_draft_is_a_point_at_its_alpha_and_c_with_its_interval():
    drafts = [dict(name="lookup", alpha=0.2, alpha_low=0.1, alpha_high=0.3, c=0.01, measured=0.98, predicted=1.05),
              dict(name="copy", alpha=0.75, alpha_low=0.7, alpha_high=0.8, c=0.37, measured=1.1, predicted=1.2)]
    fig = plot_draft_map(drafts, [1.0, 1.1, 1.2, 1.3])
    ax = fig.axes[0]
    points = [line for line in ax.lines if line.get_marker() == "o"]
    assert [(p.get_xdata()[0], p.get_ydata()[0]) for p in points] == [(0.01, 0.2), (0.37, 0.75)]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["lookup: measured 0.98x, map 1.05x", "copy: measured 1.10x, map 1.20x"]


def _spread_drafts():
    """Two prompts per draft: the early exit's two are the same point, as in notebook 07's survey."""
    rows = [("lookup · fix grammar", 1.0, 0.74, 1.0, 0.003), ("lookup · describe", 0.0, 0.0, 0.66, 0.003),
            ("suffix · fix grammar", 0.92, 0.65, 0.99, 0.005), ("suffix · describe", 0.4, 0.12, 0.77, 0.005),
            ("early exit · fix grammar", 0.07, 0.01, 0.31, 0.358), ("early exit · describe", 0.07, 0.01, 0.31, 0.358)]
    return [dict(name=n, alpha=a, alpha_low=lo, alpha_high=hi, c=c, measured=0.9, predicted=1.0)
            for n, a, lo, hi, c in rows]


def test_points_that_share_c_are_dodged_apart_and_stay_inside_the_axes():
    fig = plot_draft_map(_spread_drafts(), [1.0, 1.1, 1.2, 1.3], c_max=0.7)
    ax = fig.axes[0]
    points = [bars.lines[0] for bars in ax.containers]            # each errorbar's data marker
    xs = [float(p.get_xdata()[0]) for p in points]
    assert len(xs) == 6 and len(set(np.round(xs, 9))) == 6, f"coincident points must be dodged apart: {xs}"
    assert abs(xs[4] - xs[5]) >= 0.02 * 0.7 - 1e-12           # the identical early-exit pair, a marker apart
    assert max(abs(x - c) for x, c in zip(xs, [0.003, 0.003, 0.005, 0.005, 0.358, 0.358])) < 0.03 * 0.7
    left, right = ax.get_xlim()
    assert all(left + 0.01 * 0.7 < x < right for x in xs), "every dodged point shows whole"
    assert "spread apart" in ax.get_xlabel()


def test_colour_follows_the_draft_and_marker_the_prompt():
    fig = plot_draft_map(_spread_drafts(), [1.0, 1.1, 1.2, 1.3], c_max=0.7)
    points = [bars.lines[0] for bars in fig.axes[0].containers]
    colours = [p.get_color() for p in points]
    markers = [p.get_marker() for p in points]
    assert colours[0::2] == colours[1::2] and len(set(colours)) == 3   # one colour per draft
    assert markers[0::2] == ["o"] * 3 and markers[1::2] == ["s"] * 3   # one marker per prompt
