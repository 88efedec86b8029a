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
