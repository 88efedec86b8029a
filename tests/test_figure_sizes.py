"""Every figure the course draws fits a notebook page at 100 %: at most 1,000 px wide as the inline
backend stores it, with no text under 9 pt.

Wider figures are shrunk by Colab and JupyterLab to the page, and their text with them. The
inline backend stores a figure as a PNG at the figure's dpi (matplotlib's 100 unless configured)
with a tight bounding box, so that is how each figure is rendered here: every public plotting
function, the side-by-side figures the notebooks draw on `plots.panels`, and every explorer's
frame (drawn at its own dpi) and the picture a stored notebook keeps of it.
"""

import base64
import io
import struct

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import speclab as sl  # noqa: E402
from speclab import plots, widgets  # noqa: E402
from speclab.plots import roofline as roofline_plots, temperature as temperature_plots  # noqa: E402
from speclab.plots import trees as tree_plots, typical as typical_plots  # noqa: E402
from speclab.widgets._frames import GlyphLabels  # noqa: E402

MAX_WIDTH_PX = 1000
MIN_FONT_PT = 9.0
#: The height of 9 pt at the inline backend's 100 dpi: the least an explorer's text (drawn at dpi 80)
#: may be on screen too.
MIN_FONT_PX = MIN_FONT_PT * 100 / 72


def stored_png(fig) -> bytes:
    """The PNG the inline backend stores for `fig`: its own dpi, tight bounding box."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def png_size(png: bytes) -> tuple:
    return struct.unpack(">II", png[16:24])


def font_sizes(fig) -> list:
    """(size in points, text) of every visible, non-empty Text artist of the figure."""
    return [(t.get_fontsize(), t.get_text()) for t in fig.findobj(matplotlib.text.Text)
            if t.get_visible() and t.get_text().strip()]


def _hidden_tick_labels(fig) -> set:
    """Tick labels of ticks outside their axis's view: matplotlib keeps them but does not draw them."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            slack = 1e-9 * max(1.0, abs(high - low))
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not low - slack <= tick.get_loc() <= high + slack:
                    hidden.update((id(tick.label1), id(tick.label2)))
    return hidden


def overlapping_texts(fig, tolerance_px: float = 2.0) -> list:
    """Pairs of drawn texts (a legend counts as one box) whose boxes overlap by more than
    `tolerance_px` each way: glyph boxes include some blank space, so a touch is not an overlap."""
    fig.canvas.draw()                      # lays the figure out: axis labels move below their ticks
    renderer = fig.canvas.get_renderer()
    legends = [legend for legend in fig.findobj(matplotlib.legend.Legend) if legend.get_visible()]
    skip = _hidden_tick_labels(fig) | {id(t) for legend in legends for t in legend.findobj(matplotlib.text.Text)}
    boxes = [(repr(t.get_text()), t.get_window_extent(renderer), t.get_rotation())
             for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip() and id(t) not in skip]
    boxes += [("legend", legend.get_window_extent(renderer), 0.0) for legend in legends]
    return [(a, b) for i, (a, box_a, turn_a) in enumerate(boxes) for b, box_b, turn_b in boxes[i + 1:]
            if not (turn_a == turn_b != 0)        # tilted tick labels: their upright boxes overlap, they do not
            and min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0) > tolerance_px
            and min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0) > tolerance_px]


def lines_under_legends(fig, drawn: bool = False) -> list:
    """(axes title, line label) for each line that passes under a legend inside its axes (`drawn`:
    the figure is laid out already)."""
    if not drawn:
        fig.canvas.draw()
    covered = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        box = legend.get_window_extent().padded(-2)
        for line in ax.lines:
            if not line.get_visible() or len(line.get_xdata()) == 0:
                continue
            path = line.get_transform().transform_path(line.get_path().interpolated(50))
            points = path.vertices[np.isfinite(path.vertices).all(axis=1)]
            shown = points[(points[:, 0] >= ax.bbox.x0) & (points[:, 0] <= ax.bbox.x1)
                           & (points[:, 1] >= ax.bbox.y0) & (points[:, 1] <= ax.bbox.y1)]
            if np.any((shown[:, 0] > box.x0) & (shown[:, 0] < box.x1) & (shown[:, 1] > box.y0) & (shown[:, 1] < box.y1)):
                covered.append((ax.get_title(), line.get_label()))
    return covered


# ------------------------------------------------------------------ the figures, as the notebooks draw them
COST = sl.CostModel(draft_ms=5.0, target_ms=50.0)


def _rounds():
    return sl.simulate(sl.SyntheticPair(agreement=0.75, seed=0), num_tokens=60, k=4, trials=1, cost=COST, seed=0).rounds


def _lossless_row():
    p = np.array([0.4, 0.3, 0.2, 0.1])
    fig, axes = plots.panels(3, height=3.4)
    for j, (ax, p_value) in enumerate(zip(axes, (0.42, 1e-5, 0.0))):
        plots.plot_lossless(np.array([395, 310, 190, 105]), p, ax=ax, title=f"no residual, position {j}",
                            p_value=p_value)
    return fig


def _acceptance_pair():
    p, q = np.array([0.45, 0.3, 0.15, 0.1]), np.array([0.2, 0.1, 0.4, 0.3])
    fig, axes = plots.panels(2, height=3.6)
    plots.plot_acceptance(p, q, ax=axes[0], labels=["the", "cat", "sat", "on"])
    plots.plot_residual(p, q, ax=axes[1], labels=["the", "cat", "sat", "on"])
    return fig


def _speedup_row():
    fig, axes = plots.panels(3, height=4.0)
    plots.plot_speedup_vs_alpha(ks=(1, 2, 4, 6, 8), c=0.1, ax=axes[0])
    plots.plot_speedup_vs_k(alphas=(0.3, 0.5, 0.7, 0.85, 0.95), c=0.1, ax=axes[1])
    plots.plot_speedup_vs_cost(alphas=(0.5, 0.7, 0.85, 0.95), k=4, ax=axes[2])
    return fig


def _grid():
    agreements, ks = [0.0, 0.5, 1.0], [1, 2, 4, 8]
    return sl.sweep(agreements, ks, num_tokens=40, trials=20, cost=COST, seed=0, progress=False), agreements, ks


def _heatmap_row():
    grid, agreements, ks = _grid()
    theory = sl.speedup(grid.alpha, grid.ks[None, :], COST.c)
    fig, axes = plots.panels(3, height=3.8)
    scale = dict(cmap="RdBu", vmin=0.5, vmax=5, center=1.0, colorbar=False)
    plots.plot_grid_heatmap(grid.speedup, agreements, ks, ax=axes[0], title="simulated speedup (x)", **scale)
    plots.plot_grid_heatmap(theory, agreements, ks, ax=axes[1], title="theory at measured alpha (x)", **scale)
    fig.colorbar(axes[1].images[0], ax=axes[:2], ticks=[0.5, 1, 2, 3, 4, 5], shrink=0.85)
    plots.plot_grid_heatmap(grid.acceptance_rate, agreements, ks, ax=axes[2], title="accepted / drafted (not alpha)",
                            cmap="Purples", vmin=0, vmax=1)
    return fig


def _acceptance_row():
    grid, _, _ = _grid()
    fig, axes = plots.panels(2, height=4.2)
    plots.plot_speedup_vs_acceptance(grid.acceptance_rate, grid.ks, grid.speedup, grid.speedup_low,
                                     grid.speedup_high, COST.c, ax=axes[0], theory_curves=False,
                                     xlabel="accepted / drafted")
    plots.plot_speedup_vs_acceptance(grid.alpha, grid.ks, grid.speedup, grid.speedup_low, grid.speedup_high,
                                     COST.c, ax=axes[1])
    return fig


def _policy_row():
    fig, axes = plots.panels(3, height=3.6, sharey=True)
    names = ["K = 1", "K = 2", "K = 4", "K = 8", "K = 12", "adaptive"]
    for ax, a in zip(axes, (0.3, 0.7, 0.95)):
        speedups = np.linspace(0.9, 3.0, 6) * (0.5 + a)
        plots.plot_policy_comparison(names, speedups, speedups - 0.05, speedups + 0.05, ax=ax, title=f"agreement {a}")
    return fig


def _batch_row():
    fig, axes = plots.panels(2, height=4.2, sharey=True)
    roofline_plots.plot_batch_speedup(alphas=(0.6, 0.8, 0.9), k=4, c=0.05, ax=axes[0])
    roofline_plots.plot_batch_speedup(alphas=(0.6, 0.8, 0.9), k=4, c=0.05, bytes_per_param=0.5, ax=axes[1])
    return fig


def _tree_row():
    from speclab.trees import TreeShape

    shape = TreeShape.full((2, 2))
    fig, axes = plots.panels(2, height=4.0, gridspec_kw={"width_ratios": (1.4, 1)})
    tree_plots.plot_tree(shape, alpha=0.6, ax=axes[0])
    tree_plots.plot_attention_mask(shape, ax=axes[1])
    return fig


def _kernel_growth():
    from speclab.interleave import Spread

    growth = {"stock": [Spread(1.0, 1.0, 1.0, 5), Spread(1.8, 1.6, 2.1, 5), Spread(2.4, 2.2, 2.6, 5)],
              "column": [Spread(1.0, 1.0, 1.0, 5), Spread(1.05, 0.9, 1.2, 5), Spread(1.1, 1.0, 1.2, 5)]}
    return roofline_plots.plot_kernel_growth(growth, params=1.35e8)


def _typical():
    from speclab.typical import typical_tradeoff

    rng = np.random.default_rng(0)
    p, q = rng.dirichlet(np.ones(20), size=5), rng.dirichlet(np.ones(20), size=4)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    trade = typical_tradeoff(p, q, [0.03, 0.1, 0.2, 0.4])
    typical_plots.plot_typical_tradeoff(trade, ax=ax, label="sampled draft", colour="tab:red")
    return fig


def _engine_fit():
    from speclab.engines import fit_profile, simulate_counters
    from speclab.plots.engine_fit import plot_engine_fit

    return plot_engine_fit(fit_profile(simulate_counters([0.8, 0.7, 0.6, 0.5], 3000, seed=1), cost=0.05))


def _training():
    record = dict(steps=[1, 2, 3, 4], loss=[9.0, 5.0, 4.0, 3.0], heldout_steps=[2, 4],
                  heldout_acceptance=[[0.1, 0.05, 0.0], [0.3, 0.1, 0.1]])
    return plots.plot_training(record)


def _draft_scaling():
    curve = {"points": [dict(tokens=t, heldout_acceptance=[a, a / 3, a / 9], write_seconds=1, fit_seconds=1)
                        for t, a in ((1e4, 0.2), (1e5, 0.28), (1e6, 0.31))]}
    return plots.plot_draft_scaling(curve)


def _exercise_text():
    from speclab.exercises.ex2_adaptive_k import plot_text

    return plot_text()


FIGURES = {
    "plot_rounds (01)": lambda: sl.plot_rounds(_rounds(), max_rounds=10),
    "plot_timeline (01)": lambda: plots.plot_timeline(_rounds()[:8], COST),
    "plot_kv_rollback, a rejection (01)": lambda: plots.plot_kv_rollback(k=4, n_accepted=1, context=3),
    "plot_kv_rollback, a bonus (01)": lambda: plots.plot_kv_rollback(k=4, n_accepted=4, context=3),
    "plot_kv_rollback, K = 8": lambda: plots.plot_kv_rollback(k=8, n_accepted=8, context=3),
    "plot_acceptance and plot_residual (02)": _acceptance_pair,
    "plot_acceptance": lambda: plots.plot_acceptance([0.5, 0.3, 0.2], [0.2, 0.3, 0.5]),
    "plot_lossless, three panels (02)": _lossless_row,
    "speedup vs alpha, K, cost (03)": _speedup_row,
    "plot_optimal_k (03)": lambda: plots.plot_optimal_k(cs=(0.02, 0.05, 0.1, 0.2)),
    "plot_accepted_fraction (03)": lambda: plots.plot_accepted_fraction(ks=(1, 2, 4, 8)),
    "plot_verify_growth (03)": lambda: plots.plot_verify_growth(alpha=0.8, c=0.05, growths=(0.0, 0.02, 0.05, 0.1)),
    "plot_speedup_vs_alpha": lambda: plots.plot_speedup_vs_alpha(envelope=True, point=(0.8, 2.0), highlight_k=4),
    "plot_speedup_vs_k, capped best K": lambda: plots.plot_speedup_vs_k(alphas=(0.95,), c=0.1, k_max=12),
    "heatmaps (04)": _heatmap_row,
    "plot_grid_heatmap": lambda: plots.plot_grid_heatmap(np.array([[0.8, 1.2], [1.3, 4.0]]), [0.3, 0.9], [1, 2]),
    "speedup vs acceptance (04)": _acceptance_row,
    "policy comparisons (04)": _policy_row,
    "plot_roofline (06)": lambda: roofline_plots.plot_roofline(batches=(1, 32, 256)),
    "plot_batch_speedup, two panels (06)": _batch_row,
    "plot_kernel_growth (06)": _kernel_growth,
    "plot_verify_cost": lambda: roofline_plots.plot_verify_cost([0.010, 0.011, 0.013, 0.016], params=135e6),
    "plot_training (07)": _training,
    "plot_draft_scaling (07)": _draft_scaling,
    "plot_tree and plot_attention_mask (09)": _tree_row,
    "plot_chain_vs_tree (09)": lambda: tree_plots.plot_chain_vs_tree(n_nodes=16),
    "plot_typical_tradeoff (09)": _typical,
    "plot_alpha_vs_temperature (10)": lambda: temperature_plots.plot_alpha_vs_temperature(
        {"synthetic, agreement 0.8": [0.9, 0.85, 0.8, 0.7], "SmolLM2, early exit 27/30": [0.6, 0.55, 0.5, 0.4]},
        [0.0, 0.5, 1.0, 1.5]),
    "plot_engine_fit (10)": _engine_fit,
    "exercise 2's text (11)": _exercise_text,
}

EXPLORERS = {
    "acceptance_explorer (02)": lambda: widgets.acceptance_explorer(agreement=0.6),
    "speedup_explorer (03)": lambda: widgets.speedup_explorer(alpha=0.8, k=4, c=0.1),
    "trace_explorer (01)": lambda: widgets.trace_explorer(agreement=0.75, k=4, seed=0),
    "roofline_explorer (06)": lambda: widgets.roofline_explorer(batch=32, alpha=0.6, bytes_per_param=0.5),
    "tree_explorer (09)": lambda: widgets.tree_explorer(alpha=0.5, nodes=16, branching=4, depth=16),
    "temperature_explorer (10)": lambda: widgets.temperature_explorer(),
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", list(FIGURES))
def test_a_stored_figure_fits_the_page_with_legible_text(name):
    fig = FIGURES[name]()
    width, _ = png_size(stored_png(fig))
    assert width <= MAX_WIDTH_PX, f"{name}: stored {width} px wide at dpi {fig.dpi:g}"
    small = [(size, text) for size, text in font_sizes(fig) if size < MIN_FONT_PT]
    assert not small, f"{name}: text under {MIN_FONT_PT:g} pt: {small[:5]}"
    overlaps, covered = overlapping_texts(fig), lines_under_legends(fig, drawn=True)
    assert not overlaps, f"{name}: texts overlap: {overlaps[:4]}"
    assert not covered, f"{name}: lines under a legend: {covered}"


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_an_explorer_frame_and_its_stored_picture_fit_the_page(name):
    explorer = EXPLORERS[name]()
    frame_width, _ = png_size(explorer.png)
    stored = base64.b64decode(explorer.mimebundle()["image/png"])
    stored_width, _ = png_size(stored)
    assert frame_width <= MAX_WIDTH_PX and stored_width <= MAX_WIDTH_PX, (name, frame_width, stored_width)
    to_px = explorer.figure.dpi / 72
    small = [(size, text) for size, text in font_sizes(explorer.figure) if size * to_px < MIN_FONT_PX]
    glyphs = [g.size for g in explorer.figure.findobj(GlyphLabels) if g.size * to_px < MIN_FONT_PX]
    assert not small and not glyphs, f"{name}: text under {MIN_FONT_PX:.1f} px: {small[:5]} {glyphs}"
    overlaps, covered = overlapping_texts(explorer.figure), lines_under_legends(explorer.figure, drawn=True)
    assert not overlaps, f"{name}: texts overlap: {overlaps[:4]}"
    assert not covered, f"{name}: lines under a legend: {covered}"


def test_panels_are_as_wide_as_the_page_and_refuse_bad_counts():
    fig, axes = plots.panels(3)
    assert len(axes) == 3 and fig.get_figwidth() * fig.dpi <= 950
    with pytest.raises(ValueError, match="ncols"):
        plots.panels(0)
    with pytest.raises(TypeError, match="ncols"):
        plots.panels("two")


def test_the_checks_catch_a_wide_figure_small_text_overlaps_and_a_line_under_a_legend():
    fig, ax = plt.subplots(figsize=(13, 3))
    ax.plot([0, 1], [0, 1], label="diagonal")
    ax.legend(loc="center")
    ax.text(0.5, 0.5, "on the legend", fontsize=8, transform=ax.transAxes)
    assert png_size(stored_png(fig))[0] > MAX_WIDTH_PX
    assert (8.0, "on the legend") in font_sizes(fig)
    assert ("'on the legend'", "legend") in overlapping_texts(fig)
    assert lines_under_legends(fig) == [("", "diagonal")]


@pytest.mark.parametrize("factory, settings", [
    (widgets.speedup_explorer, [dict(alpha=0.1, k=1, c=0.5, verify_growth=0.2), dict(alpha=0.99, k=16, c=0.0),
                                dict(alpha=0.5, k=4, c=1.0), dict(alpha=0.9, k=8, c=0.05, verify_growth=0.0)]),
    (widgets.roofline_explorer, [dict(batch=1, bandwidth_tbs=0.05, peak_tflops=2500.0), dict(batch=1024, alpha=0.9),
                                 dict(bandwidth_tbs=8.0, peak_tflops=10.0)]),
], ids=["speedup", "roofline"])
def test_explorer_legends_stay_off_the_lines_as_the_sliders_move(factory, settings):
    """Axis tops leave the legend its corner, and lines that could cross it (the break-even and ridge
    lines) stop short of it, wherever the sliders are."""
    explorer = factory()
    for values in settings:
        for name, value in values.items():
            explorer.controls[name].value = value
        assert not lines_under_legends(explorer.figure), (values, lines_under_legends(explorer.figure))


def test_the_speedup_explorer_names_its_curves_under_the_panels_not_over_them():
    explorer = widgets.speedup_explorer()
    assert explorer.ax_alpha.get_legend() is None
    legend, = explorer.figure.legends
    assert [t.get_text() for t in legend.get_texts()] == ["K = 1", "K = 2", "K = 4", "K = 8", "your K", "best K",
                                                          "break-even alpha"]
    explorer.figure.canvas.draw()
    assert legend.get_window_extent().y1 < min(ax.xaxis.label.get_window_extent().y0 for ax in explorer.figure.axes)
