"""The course figures (speclab.plots): each draws what it claims, from theory, on a given axes.

Checks the data behind the lines and bars, not pixels: a figure that plotted anything but the
theory functions' values would fail here.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import speclab as sl  # noqa: E402
from speclab import plots  # noqa: E402
from speclab.plots.speedup import ALPHA_GRID  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_speedup_vs_alpha_curves_are_the_theorem():
    fig = plots.plot_speedup_vs_alpha(ks=(1, 4), c=0.1, verify_growth=0.02)
    lines = [l for l in fig.axes[0].lines if l.get_label().startswith("K = ")]
    assert [l.get_label() for l in lines] == ["K = 1", "K = 4"]
    np.testing.assert_allclose(lines[1].get_ydata(), sl.speedup(ALPHA_GRID, 4, 0.1, 0.02))
    assert lines[1].get_xdata()[-1] == 1.0, "the curve must reach alpha = 1 (no special case)"


def test_speedup_vs_k_stars_the_optimal_k():
    fig = plots.plot_speedup_vs_k(alphas=(0.8,), c=0.05, k_max=12)
    star = [l for l in fig.axes[0].lines if l.get_marker() == "*"][0]
    assert star.get_xdata()[0] == sl.optimal_k(0.8, 0.05, k_max=12)


def test_a_best_k_beyond_the_axis_is_marked_hollow_and_named():
    fig = plots.plot_speedup_vs_k(alphas=(0.95,), c=0.1, k_max=12)
    star = [l for l in fig.axes[0].lines if l.get_marker() == "*"][0]
    best = sl.optimal_k(0.95, 0.1, k_max=256)
    assert best == 15 and star.get_xdata()[0] == 12 and star.get_markerfacecolor() == "white"
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert any(f"best K = {best} ({sl.speedup(0.95, best, 0.1):.2f}x)" in t for t in labels), labels


def test_optimal_k_curve_and_accepted_fraction():
    fig = plots.plot_optimal_k(cs=(0.1,))
    step = fig.axes[0].lines[0]
    np.testing.assert_array_equal(step.get_ydata(), sl.optimal_k(step.get_xdata(), 0.1))
    cap = [l for l in fig.axes[0].lines if l.get_label().startswith("search cap")]
    assert len(cap) == 1 and cap[0].get_ydata()[0] == 32 and "up to K = 32" in fig.axes[0].get_title()
    fig = plots.plot_accepted_fraction(ks=(1, 4))
    curves = {l.get_label(): l for l in fig.axes[0].lines}
    np.testing.assert_allclose(curves["K = 4"].get_ydata(), sl.accepted_fraction(ALPHA_GRID, 4))
    # K = 1 lies on the diagonal: it must be drawn above it, in a style that stays visible
    k1, diagonal = curves["K = 1 (on the diagonal)"], curves["alpha itself"]
    assert k1.get_zorder() > diagonal.get_zorder() and k1.get_linestyle() == "--"


def test_figures_draw_on_the_axes_they_are_given():
    fig, axes = plt.subplots(1, 3)
    assert plots.plot_speedup_vs_cost(ax=axes[2]) is fig
    assert plots.plot_verify_growth(ax=axes[0]) is fig
    assert len(axes[1].lines) == 0


def test_acceptance_bars_and_residual():
    p = np.array([0.5, 0.3, 0.15, 0.05])
    q = np.full(4, 0.25)
    fig = plots.plot_acceptance(p, q)
    heights = [bar.get_height() for bar in fig.axes[0].patches]
    np.testing.assert_allclose(heights[:4], p)              # sorted by p: already in order
    assert "0.700" in fig.axes[0].get_title()
    fig = plots.plot_residual(p, q)
    residual_bars = fig.axes[0].containers[1]
    np.testing.assert_allclose([b.get_height() for b in residual_bars], sl.residual(p, q))


def test_lossless_histogram_normalizes_counts():
    fig = plots.plot_lossless(np.array([30, 60, 10]), np.array([0.3, 0.6, 0.1]), p_value=0.5)
    heights = [bar.get_height() for bar in fig.axes[0].patches]
    np.testing.assert_allclose(heights, [0.6, 0.3, 0.1])    # sorted by p, most likely first
    assert "p-value = 0.5" in fig.axes[0].get_title()
    fig = plots.plot_lossless(np.array([30, 60, 10]), np.array([0.3, 0.6, 0.1]), p_value=0.0)
    assert "p-value < 1e-300" in fig.axes[0].get_title()


def test_benchmark_figures():
    values = np.array([[1.0, 2.0], [3.0, 4.0]])
    fig = plots.plot_grid_heatmap(values, [0.5, 0.9], [1, 2], fmt="{:.1f}")
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["1.0", "2.0", "3.0", "4.0"]
    alpha = np.array([0.5, 0.9])
    fig = plots.plot_speedup_vs_acceptance(alpha, [1, 2], values, values - 0.1, values + 0.1, c=0.1)
    dots = [l for l in fig.axes[0].lines if l.get_marker() == "o"]
    np.testing.assert_allclose(dots[1].get_ydata(), values[:, 1])
    fig = plots.plot_policy_comparison(["a", "b"], [1.5, 2.0], [1.4, 1.9], [1.6, 2.1])
    assert [round(b.get_height(), 2) for b in fig.axes[0].patches] == [1.5, 2.0]


def test_policy_bars_colour_losers_apart_and_label_above_the_error_bars():
    from matplotlib.colors import to_hex

    from speclab.plots.benchmark import LOSS, WIN

    fig = plots.plot_policy_comparison(["slow", "fast"], [0.96, 1.8], [0.9, 1.7], [1.0, 1.9])
    bars = fig.axes[0].patches
    assert [to_hex(b.get_facecolor()) for b in bars] == [LOSS, WIN]
    labels = {t.get_text(): t.xy[1] for t in fig.axes[0].texts}
    assert labels == {"0.96x": 1.0, "1.80x": 1.9}           # each label sits on its bar's upper error


def test_speedup_heatmap_diverges_at_one():
    values = np.array([[0.8, 1.0], [1.3, 5.0]])
    fig = plots.plot_grid_heatmap(values, [0.5, 0.9], [1, 2], cmap="RdBu", vmin=0.5, vmax=5, center=1.0)
    image = fig.axes[0].images[0]
    assert image.norm(1.0) == pytest.approx(0.5)            # 1x sits at the middle of the map
    assert image.norm(0.8) < 0.5 < image.norm(1.3)          # slower on one side, faster on the other
    assert image.norm(0.5) == pytest.approx(0.0) and image.norm(5.0) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="center"):
        plots.plot_grid_heatmap(values, [0.5, 0.9], [1, 2], vmin=1.0, vmax=5, center=1.0)
