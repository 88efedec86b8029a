"""The roofline figures draw speclab.roofline's numbers and reject timings they cannot use."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from speclab import roofline as rl  # noqa: E402
from speclab.plots import roofline as plots  # noqa: E402


def test_roofline_figure_marks_the_ridge_and_the_steps():
    fig = plots.plot_roofline(rl.H100_SXM, params=7e9, k=4, batches=(1, 32))
    ax = fig.axes[0]
    ridge = [line for line in ax.lines if line.get_linestyle() == ":"][0]
    assert ridge.get_xdata()[0] == pytest.approx(rl.ridge_point(3.35e12, 989e12))
    points = [line for line in ax.lines if line.get_marker() in ("o", "s")]
    assert sorted(float(p.get_xdata()[0]) for p in points) == [1.0, 5.0, 32.0, 160.0]


def test_batch_speedup_figure_marks_each_break_even():
    fig = plots.plot_batch_speedup(alphas=(0.6, 0.8), k=4, c=0.05)
    marks = [line for line in fig.axes[0].lines if line.get_marker() == "v"]
    expected = rl.breakeven_batch(np.array([0.6, 0.8]), 4, 0.05, 7e9, 3.35e12, 989e12)
    assert np.allclose([m.get_xdata()[0] for m in marks], expected)


def test_verify_cost_figure_puts_measured_beside_modelled():
    measured = np.array([0.010, 0.011, 0.013, 0.016])
    fig = plots.plot_verify_cost(measured, params=135e6)
    curves = fig.axes[0].lines
    assert np.allclose(curves[0].get_ydata(), measured / measured[0])
    assert np.allclose(curves[1].get_ydata(), 1.0), "135M fp16 on an H100: 4 tokens cost what one costs"
    with pytest.raises(ValueError, match="measured_seconds"):
        plots.plot_verify_cost([0.01], params=135e6)
    with pytest.raises(ValueError, match="measured_seconds"):
        plots.plot_verify_cost([0.01, -1.0], params=135e6)


def test_kernel_growth_draws_both_kernels_with_their_spreads_beside_the_model():
    from speclab.interleave import Spread
    from speclab.plots.roofline import plot_kernel_growth

    growth = {"stock": [Spread(1.0, 1.0, 1.0, 3), Spread(1.8, 1.6, 2.1, 3)],
              "column": [Spread(1.0, 1.0, 1.0, 3), Spread(1.05, 0.9, 1.2, 3)]}
    fig = plot_kernel_growth(growth, params=1.35e8)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("stock" in t for t in labels) and any("column" in t for t in labels)
    ys = [tuple(np.round(np.asarray(line.get_ydata(), dtype=float), 3)) for line in ax.lines if len(line.get_ydata()) == 2]
    assert (1.0, 1.8) in ys and (1.0, 1.05) in ys
    with pytest.raises(ValueError, match="growth"):
        plot_kernel_growth({"gpu": growth["stock"]}, params=1.35e8)


def test_draft_scaling_plots_each_point_with_its_time():
    from speclab.plots import plot_draft_scaling

    curve = {"points": [{"tokens": 15000, "heldout_acceptance": [0.3, 0.1], "write_seconds": 30, "fit_seconds": 20},
                        {"tokens": 960000, "heldout_acceptance": [0.5, 0.25], "write_seconds": 3000, "fit_seconds": 600}]}
    ax = plot_draft_scaling(curve).axes[0]
    assert [list(line.get_ydata()) for line in ax.lines] == [[0.3, 0.5], [0.1, 0.25]]
    assert ax.get_xscale() == "log" and {t.get_text() for t in ax.texts} == {"50 s", "60 min"}
    with pytest.raises(ValueError, match="curve"):
        plot_draft_scaling({"points": [{"tokens": 0}]})
