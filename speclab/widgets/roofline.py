"""The roofline explorer: model size, bandwidth, peak FLOP/s, weight bytes, K,
batch and alpha in; step time,
memory- or compute-bound, verification cost and speedup out, every number from `speclab.roofline`.

Weight bytes per parameter: 2 for fp16/bf16, 1 for int8/fp8, 0.5 for int4.

Left: the roofline with the plain step (circle) and the verification pass (square). Middle: the
verification pass's cost over one plain step against batch size. Right: the speedup against batch
size with the break-even batch. Axis limits are fixed, so a frame only moves lines and markers.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from .. import roofline as rl
from .. import theory
from .._validate import as_nonnegative, in_ranges
from ..plots._axes import BASELINE, BASELINE_TEXT, DRAFT, TARGET
from ._frames import _SLIDER, SMALLEST, Explorer, GlyphLabels, fmt, readout


class RooflineExplorer(Explorer):
    """Sliders for the hardware, the model, K, alpha and batch size; the roofline's answer."""

    readout_names = ("step_ms", "bound", "verify_cost", "speedup", "breakeven_batch")
    figsize = (12.0, 3.9)
    batch_grid = np.geomspace(1, 1024, 160)
    intensity_grid = np.array([0.1, 1e5])          # the roofline is straight on log-log axes between knees

    def __init__(self, controls: dict, c: float, kv_bytes: float):
        self.c = float(as_nonnegative(c, "c"))
        self.kv_bytes = float(as_nonnegative(kv_bytes, "kv_bytes"))
        super().__init__(controls)

    def _hardware(self, params_b, bandwidth_tbs, peak_tflops):
        return params_b * 1e9, bandwidth_tbs * 1e12, peak_tflops * 1e12

    def compute(self, params_b, bandwidth_tbs, peak_tflops, bytes_per_param, k, batch, alpha) -> dict:
        params, bw, peak = self._hardware(params_b, bandwidth_tbs, peak_tflops)
        extra = dict(bytes_per_param=bytes_per_param, kv_bytes=self.kv_bytes)
        ratio = rl.verify_cost_ratio(params, bw, peak, k, batch, **extra)
        return {
            "params": params, "bandwidth": bw, "peak_flops": peak, "bytes_per_param": bytes_per_param,
            "k": k, "batch": batch, "alpha": alpha,
            "step_seconds": rl.step_seconds(params, bw, peak, 1, batch, **extra),
            "verify_seconds": rl.step_seconds(params, bw, peak, k + 1, batch, **extra),
            "compute_bound": rl.is_compute_bound(params, bw, peak, k + 1, batch, **extra),
            "verify_cost": ratio,
            "speedup": rl.batch_speedup(alpha, k, self.c, params, bw, peak, batch, **extra),
            "breakeven_batch": rl.breakeven_batch(alpha, k, self.c, params, bw, peak, **extra),
            "ridge_point": rl.ridge_point(bw, peak),
            "intensity_plain": rl.arithmetic_intensity(params, 1, batch, **extra),
            "intensity_verify": rl.arithmetic_intensity(params, k + 1, batch, **extra),
        }

    def describe(self, v: dict) -> dict:
        edge = v["breakeven_batch"]
        edge_text = "never (slower at every batch)" if math.isnan(edge) else \
            "never (memory-bound at every batch)" if math.isinf(edge) else f"{edge:.1f}"
        return {
            "step_ms": readout(f"plain step at batch {v['batch']}", f"{v['step_seconds'] * 1e3:.3f}", " ms"),
            "bound": readout(f"verification pass (K+1 = {v['k'] + 1} tokens)",
                             "compute-bound" if v["compute_bound"] else "memory-bound"),
            "verify_cost": readout("verification / plain step", fmt(v["verify_cost"]), "x"),
            "speedup": readout("speedup", fmt(v["speedup"]), "x"),
            "breakeven_batch": readout("stops paying beyond batch", edge_text),
        }

    def build(self, figure) -> None:
        figure.subplots_adjust(left=0.06, right=0.99, bottom=0.16, top=0.9, wspace=0.3)
        self.ax_roof, self.ax_cost, self.ax_speed = figure.subplots(1, 3)
        k_max = self.controls["k"].max
        alpha_max = self.controls["alpha"].max

        ax = self.ax_roof
        self.line_roof, = ax.loglog([], [], color="black", linewidth=2, label="roofline")
        # The ridge line stops above the legend (lower right), which it would otherwise cross.
        self.line_ridge = ax.axvline(1.0, ymin=0.42, color=BASELINE, linestyle=":", linewidth=1.2, label="ridge point")
        self.point_plain, = ax.plot([], [], "o", color=TARGET, markersize=9, label="plain step")
        self.point_verify, = ax.plot([], [], "s", color=DRAFT, markersize=8, label="verification pass")
        ax.set(xlim=(0.1, 1e5), ylim=(0.01, 5000), xlabel="FLOP per byte moved", ylabel="attainable TFLOP/s",
               title="Roofline and where the steps sit")
        ax.legend(loc="lower right")
        self.animate(self.line_roof, self.line_ridge, self.point_plain, self.point_verify)

        ax = self.ax_cost
        self.line_cost, = ax.semilogx([], [], color=DRAFT, linewidth=2)
        self.point_cost, = ax.plot([], [], "o", color="red", markersize=7, zorder=5)
        ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1)
        ax.set(xlim=(1, self.batch_grid[-1]), ylim=(0, k_max + 1.5), xlabel="batch size",
               ylabel="t(verify K+1) / t(plain step)", title="Cost of the verification pass")
        self.animate(self.line_cost, self.point_cost)

        ax = self.ax_speed
        top = theory.speedup(alpha_max, k_max, self.c)
        self.line_speed, = ax.semilogx([], [], color=TARGET, linewidth=2)
        self.point_speed, = ax.plot([], [], "o", color="red", markersize=7, zorder=5)
        self.line_edge = ax.axvline(1.0, color="purple", linestyle="--", linewidth=1.2)
        # Two short lines beside the break-even line, as glyph outlines (a Text costs a few ms a frame).
        self.label_edge = GlyphLabels(ax, [(1.0, 0.93), (1.0, 0.84)], size=SMALLEST, transform=ax.get_xaxis_transform(),
                                      ha="right", offset=(-4, 0), color="purple")
        ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1)
        # The 1x line's name, darker than the line, at the end of the axis away from the break-even line and
        # on the side of the 1x line the curve is not on (`_name_baseline`).
        self.label_plain = GlyphLabels(ax, [(1.0, 1.0)], size=SMALLEST, color=BASELINE_TEXT)
        ax.set(xlim=(1, self.batch_grid[-1]), ylim=(0, 1.08 * top), xlabel="batch size",
               ylabel="speedup (x)", title=f"Speedup vs batch (c = {self.c:g})")
        self.animate(self.line_speed, self.point_speed, self.line_edge, self.label_edge, self.label_plain)
        for ax in (self.ax_roof, self.ax_cost, self.ax_speed):
            ax.minorticks_off()                    # fewer ticks to draw; the decades read well alone

    def refresh(self, v: dict) -> None:
        params, bw, peak, k, alpha = v["params"], v["bandwidth"], v["peak_flops"], v["k"], v["alpha"]
        ridge = v["ridge_point"]
        xs = np.array([self.intensity_grid[0], ridge, self.intensity_grid[1]])
        self.line_roof.set_data(xs, rl.attainable_flops(xs, bw, peak) / 1e12)
        self.line_ridge.set_xdata([ridge, ridge])
        for point, ai in ((self.point_plain, v["intensity_plain"]), (self.point_verify, v["intensity_verify"])):
            point.set_data([ai], [rl.attainable_flops(ai, bw, peak) / 1e12])

        extra = dict(bytes_per_param=v["bytes_per_param"], kv_bytes=self.kv_bytes)
        grid = self.batch_grid
        self.line_cost.set_data(grid, rl.verify_cost_ratio(params, bw, peak, k, grid, **extra))
        self.point_cost.set_data([v["batch"]], [v["verify_cost"]])
        speeds = rl.batch_speedup(alpha, k, self.c, params, bw, peak, grid, **extra)
        self.line_speed.set_data(grid, speeds)
        self.point_speed.set_data([v["batch"]], [v["speedup"]])
        edge = v["breakeven_batch"]
        self._name_baseline(speeds, edge)
        shown = math.isfinite(edge) and 1.0 <= edge <= grid[-1]
        self.line_edge.set_visible(shown)
        self.label_edge.set_visible(shown)
        if shown:
            self.line_edge.set_xdata([edge, edge])
            left = edge > 6.0                      # right of the line when the left would leave the axes
            self.label_edge.ha, self.label_edge.offset = ("right", (-4, 0)) if left else ("left", (4, 0))
            self.label_edge.set_offsets([(edge, 0.93), (edge, 0.84)])
            self.label_edge.set_texts(["break-even", f"batch {edge:.0f}"])

    def _name_baseline(self, speeds, edge: float) -> None:
        """Name the 1x line where neither the curve nor the break-even line crosses the name: at the
        left end, below the line, when the curve starts above it and the break-even batch lies right
        of the middle; else at the right end, on the side of the line the curve ends away from."""
        grid = self.batch_grid
        at_left = math.isfinite(edge) and edge > math.sqrt(grid[-1]) and speeds[0] >= 1.0
        if at_left:
            x, ha, below = grid[0] * 1.1, "left", True
        else:
            x, ha, below = grid[-1] / 1.1, "right", speeds[-1] >= 1.0
        self.label_plain.ha, self.label_plain.offset = ha, (0, -9 if below else 9)
        self.label_plain.set_offsets([(x, 1.0)])
        self.label_plain.set_texts(["plain decoding (1x)"])


#: Batch sizes on a logarithmic track, as every batch axis in the course is drawn.
BATCH_STOPS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)
#: Model sizes (billions of parameters) of common open models, on a logarithmic track.
SIZE_STOPS = (0.1, 0.135, 0.36, 0.5, 1, 1.5, 1.7, 3, 7, 8, 13, 14, 32, 70, 72, 110, 235, 405)


def _track(stops, value) -> list:
    """The stops, with `value` added where it is not one of them (any value in range stays exact)."""
    return sorted({*stops, value})


def roofline_explorer(params_b: float = 7.0, bandwidth_tbs: float = rl.H100_SXM.bandwidth / 1e12,
                      peak_tflops: float = rl.H100_SXM.peak_flops / 1e12, k: int = 4, batch: int = 1,
                      alpha: float = 0.8, bytes_per_param: float = 2.0, c: float = 0.05,
                      kv_bytes: float = 0.0) -> RooflineExplorer:
    """Sliders over the roofline model; defaults: a 7B fp16 model on an H100 SXM (datasheet peaks).

    `c` (draft step over plain target step) and `kv_bytes` (KV cache bytes read per sequence per
    step) are fixed for the explorer's life.
    """
    params_b, bandwidth_tbs, peak_tflops, bytes_per_param, k, batch, alpha = in_ranges(
        params_b=(params_b, 0.1, 405.0), bandwidth_tbs=(bandwidth_tbs, 0.05, 8.0), peak_tflops=(peak_tflops, 10.0, 2500.0),
        bytes_per_param=(bytes_per_param, 0.5, 4.0), k=(k, 1, 8), batch=(batch, 1, 1024), alpha=(alpha, 0.0, 0.99))
    c, kv_bytes = in_ranges(c=(c, 0.0, 10.0), kv_bytes=(kv_bytes, 0.0, 1e15))
    controls = {
        "params_b": widgets.SelectionSlider(options=_track(SIZE_STOPS, params_b), value=params_b,
                                            description="model size (B params)", **_SLIDER),
        "bandwidth_tbs": widgets.FloatSlider(value=bandwidth_tbs, min=0.05, max=8.0, step=0.05,
                                             description="memory bandwidth (TB/s)", **_SLIDER),
        "peak_tflops": widgets.FloatSlider(value=peak_tflops, min=10.0, max=2500.0, step=1.0, readout_format=".0f",
                                           description="peak (TFLOP/s)", **_SLIDER),
        "bytes_per_param": widgets.FloatSlider(value=bytes_per_param, min=0.5, max=4.0, step=0.5,
                                               description="weight bytes / parameter", **_SLIDER),
        "k": widgets.IntSlider(value=k, min=1, max=8, description="K (drafts per round)", **_SLIDER),
        "batch": widgets.SelectionSlider(options=_track(BATCH_STOPS, batch), value=batch, description="batch size",
                                         **_SLIDER),
        "alpha": widgets.FloatSlider(value=alpha, min=0.0, max=0.99, step=0.01, description="alpha (acceptance)",
                                     **_SLIDER),
    }
    return RooflineExplorer(controls, c=c, kv_bytes=kv_bytes)
