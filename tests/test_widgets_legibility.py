"""The explorers' legibility fixes: a capped best K is marked as capped, a pair keeps its colour
from the static figures, and no text is drawn below the explorers' style sizes."""

import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import speclab as sl  # noqa: E402
from speclab import widgets  # noqa: E402
from speclab.plots import temperature as temperature_plots  # noqa: E402
from speclab.temperature import log_of  # noqa: E402
from speclab.widgets._frames import STYLE  # noqa: E402
from speclab.widgets.roofline import roofline_explorer  # noqa: E402


def test_a_best_k_past_the_speedup_axis_is_a_hollow_star_named_beside_it():
    e = widgets.speedup_explorer(alpha=0.95, k=4, c=0.02)
    best = sl.optimal_k(0.95, 0.02)
    assert best > e.k_max_plot
    assert e.star_k.get_xdata()[0] == e.k_max_plot and e.star_k.get_markerfacecolor() == "white"
    assert e.label_star.texts == [f"best K = {best}, past the axis \u2192"]
    e.controls["alpha"].value = 0.8                         # the best K is on the axis again
    assert e.star_k.get_xdata()[0] == sl.optimal_k(0.8, 0.02) <= e.k_max_plot
    assert e.star_k.get_markerfacecolor() != "white" and e.label_star.texts == [""]


def test_the_best_k_panel_marks_the_search_cap():
    e = widgets.speedup_explorer(alpha=0.99, k=4, c=0.0)
    cap = [l for l in e.ax_best.lines if l.get_linestyle() == ":"]
    assert len(cap) == 1 and cap[0].get_ydata()[0] == 32 and "capped at 32" in e.ax_best.get_ylabel()
    assert e.label_star.texts == ["best K = 32+, past the axis \u2192"]


def test_a_capped_star_keeps_frames_fast():
    e = widgets.speedup_explorer(alpha=0.9, k=4, c=0.02)
    start = time.perf_counter()
    for alpha in np.linspace(0.9, 0.99, 10):               # across the cap: the label appears and changes
        e.controls["alpha"].value = round(float(alpha), 2)
    assert (time.perf_counter() - start) / 10 < 0.2        # generous on a loaded host; the bench checks 40 ms


def test_the_temperature_explorer_colours_a_pair_as_the_static_figure_does():
    p, q = sl.SyntheticPair(30, 0.6, 0).distributions(20)
    pairs = {"synthetic, agreement 0.6": (log_of(p), log_of(q)), "SmolLM2, early exit 27/30": (log_of(q), log_of(p))}
    e = widgets.temperature_explorer(pairs, temperature=1.0)
    static = temperature_plots.plot_alpha_vs_temperature({label: [0.5, 0.5] for label in pairs}, [0.5, 1.0]).axes[0]
    want = {l.get_label(): to_hex(l.get_color()) for l in static.lines if l.get_label() in pairs}
    got = {l.get_label(): to_hex(l.get_color()) for l in e.ax_curve.lines if l.get_label() in pairs}
    assert got == want and len(set(got.values())) == 2
    mine = widgets.temperature_explorer(pairs, colours={"synthetic, agreement 0.6": "black"})
    assert to_hex(mine.ax_curve.lines[0].get_color()) == "#000000"


def test_the_roofline_explorer_draws_no_text_below_its_style():
    e = roofline_explorer(batch=32, alpha=0.6, bytes_per_param=0.5)
    legend_sizes = [t.get_fontsize() for t in e.ax_roof.get_legend().get_texts()]
    assert min(legend_sizes) >= STYLE["legend.fontsize"]
    note = e.label_plain
    assert note.texts == ["plain decoding (1x)"] and note.size >= STYLE["font.size"] - 1
    assert to_hex(note.get_facecolor()[0]) == to_hex("0.35")


def test_the_name_of_the_1x_line_stays_clear_of_the_curve_and_the_break_even_line():
    """The name sits at the end of the batch axis away from the break-even line, on the side of the
    1x line the curve is not on there (it once sat where the curve crossed it)."""
    e = roofline_explorer(batch=32, alpha=0.6, bytes_per_param=0.5)
    for alpha, bytes_per_param in ((0.6, 0.5), (0.9, 2.0), (0.3, 0.5), (0.95, 0.5)):
        e.controls["alpha"].value, e.controls["bytes_per_param"].value = alpha, bytes_per_param
        (x, _), = e.label_plain.get_offsets()
        xs, speeds = e.line_speed.get_data()
        end = 0 if x < xs[len(xs) // 2] else -1
        above = e.label_plain.offset[1] > 0
        assert above == (speeds[end] < 1.0), (alpha, bytes_per_param, "the curve's side of the line")
        edge = e.values["breakeven_batch"]
        if np.isfinite(edge):
            assert (edge > np.sqrt(xs[-1])) == (end == 0), (alpha, bytes_per_param, "away from the break-even line")
