"""The speedup explorer (notebook 03): alpha, K, c and verify growth g in; the closed forms out."""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import theory
from .._validate import in_ranges
from ..plots._axes import BASELINE
from ._frames import _SLIDER, SMALLEST, Explorer, GlyphLabels, axis_top, fmt, readout, set_limits

#: The largest K the best-K search tries (`theory.optimal_k`'s default).
SEARCH_CAP = 32


class SpeedupExplorer(Explorer):
    """alpha, K, c and verify growth g in; speedup, tokens per round, best K, break-even out.

    Left: speedup against alpha for K = 1, 2, 4, 8, your K (bold) and the best K (dotted), the
    Part 4 picture, with the break-even alpha of your K marked. Middle: speedup against K at your
    alpha, best K starred. Right: the best K against alpha at your c, the Part 7 picture.
    """

    readout_names = ("speedup", "expected_tokens", "optimal_k", "breakeven_alpha", "accepted_fraction")
    figsize = (12.0, 4.3)
    reference_ks = (1, 2, 4, 8)
    k_max_plot = 16
    alpha_grid = np.linspace(0.0, 1.0, 201)

    def compute(self, alpha, k, c, verify_growth) -> dict:
        best = theory.optimal_k(alpha, c, k_max=SEARCH_CAP, verify_growth=verify_growth)
        return {
            "alpha": alpha, "k": k, "c": c, "verify_growth": verify_growth,
            "speedup": theory.speedup(alpha, k, c, verify_growth),
            "expected_tokens": theory.expected_tokens(alpha, k),
            "optimal_k": best,
            "optimal_speedup": theory.speedup(alpha, best, c, verify_growth),
            "breakeven_alpha": theory.breakeven_alpha(c, k, verify_growth),
            "accepted_fraction": theory.accepted_fraction(alpha, k),
        }

    def describe(self, v: dict) -> dict:
        return {
            "speedup": readout("speedup", fmt(v["speedup"]), "x"),
            "expected_tokens": readout("tokens per round", fmt(v["expected_tokens"])),
            "optimal_k": readout("best K", str(v["optimal_k"]), f" ({fmt(v['optimal_speedup'])}x)"),
            "breakeven_alpha": readout("break-even alpha at this K", fmt(v["breakeven_alpha"])),
            "accepted_fraction": readout("accepted/drafted", fmt(v["accepted_fraction"])),
        }

    def build(self, figure) -> None:
        figure.subplots_adjust(left=0.06, right=0.99, bottom=0.24, top=0.91, wspace=0.26)
        self.ax_alpha, self.ax_k, self.ax_best = figure.subplots(1, 3)
        ax = self.ax_alpha
        self.lines_ref = self.animate([ax.plot([], [], linewidth=1, alpha=0.6, label=f"K = {k}")[0]
                                       for k in self.reference_ks])
        self.line_yours, = ax.plot([], [], color="black", linewidth=2.5, label="your K")
        self.line_best, = ax.plot([], [], ":", color="purple", linewidth=1.5, label="best K")
        self.point_alpha, = ax.plot([], [], "o", color="red", markersize=8, zorder=5)
        self.line_breakeven = ax.axvline(0.0, color="red", linewidth=1.2, linestyle=":", label="break-even alpha")
        self.label_breakeven = GlyphLabels(ax, [(0.0, 1.0)], size=SMALLEST, color="red")
        ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1)
        # Titles name what is plotted, not the slider values (the sliders and readouts show those):
        # a static title is drawn once, a changing one costs its glyphs in every frame.
        ax.set(title="Speedup vs alpha at your K, c, g", xlabel="alpha", ylabel="speedup (x)", xlim=(0, 1))
        # One row under the panels: inside the left panel the legend would cover the curves it names.
        figure.legend(handles=ax.lines[:len(self.reference_ks)] + [self.line_yours, self.line_best, self.line_breakeven],
                      loc="lower center", ncols=len(self.reference_ks) + 3, handlelength=1.5, columnspacing=1.5,
                      frameon=False, bbox_to_anchor=(0.5, 0.0))
        self.animate(self.line_yours, self.line_best, self.point_alpha, self.line_breakeven, self.label_breakeven)

        ax = self.ax_k
        self.line_k, = ax.plot([], [], "o-", markersize=3, linewidth=1.5)
        self.star_k, = ax.plot([], [], "*", color="purple", markersize=14, zorder=5)
        self.point_k, = ax.plot([], [], "o", color="red", markersize=8, zorder=6)
        # When the best K lies past the axis, the star at the edge turns hollow and this names it, top
        # left: the curve rises from the bottom left, so nothing is drawn there.
        self.label_star = GlyphLabels(ax, [(0.03, 0.92)], size=SMALLEST, transform=ax.transAxes,
                                      ha="left", color="purple")
        ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1)
        ax.set(title="Speedup vs K at your alpha (star: best K)", xlabel="drafts per round K",
               ylabel="speedup (x)", xlim=(-0.5, self.k_max_plot + 0.5))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        self.animate(self.line_k, self.star_k, self.point_k, self.label_star)

        ax = self.ax_best
        self.line_opt, = ax.step([], [], where="mid", linewidth=2, color="purple")
        self.point_opt, = ax.plot([], [], "o", color="red", markersize=8, zorder=5)
        # The search stops at SEARCH_CAP: a staircase flat there means "this many or more".
        ax.axhline(SEARCH_CAP, color="black", linestyle=":", linewidth=1)
        ax.set(title="Best K vs alpha at your c, g", xlabel="alpha", ylabel=f"best K (capped at {SEARCH_CAP})",
               xlim=(0, 1), ylim=(-0.5, SEARCH_CAP + 1))
        self.animate(self.line_opt, self.point_opt)

    def refresh(self, v: dict) -> None:
        alpha, k, c, growth = v["alpha"], v["k"], v["c"], v["verify_growth"]
        grid = self.alpha_grid
        if getattr(self, "_curves_for", None) != (k, c, growth):    # alpha alone moves only the points
            self._curves_for = (k, c, growth)
            for line, k_ref in zip(self.lines_ref, self.reference_ks):
                line.set_data(grid, theory.speedup(grid, k_ref, c, growth))
            self.line_yours.set_data(grid, theory.speedup(grid, k, c, growth))
            self.best_k = theory.optimal_k(grid, c, k_max=SEARCH_CAP, verify_growth=growth)
            self.line_best.set_data(grid, theory.speedup(grid, self.best_k, c, growth))
            self.line_opt.set_data(grid[:-1], self.best_k[:-1])
            self._mark_breakeven(v["breakeven_alpha"])
            set_limits(self.ax_alpha, ylim=(0.0, axis_top(_visible_top(self.ax_alpha), bases=(1.0, 1.5))))
        self.point_alpha.set_data([alpha], [v["speedup"]])

        ks = np.arange(self.k_max_plot + 1)
        gains = theory.speedup(alpha, ks, c, growth)
        self.line_k.set_data(ks, gains)
        self._mark_best_k(v["optimal_k"], gains)
        self.point_k.set_data([k], [v["speedup"]])
        set_limits(self.ax_k, ylim=(0.0, axis_top(1.05 * _visible_top(self.ax_k))))

        self.point_opt.set_data([alpha], [v["optimal_k"]])

    def _mark_best_k(self, best: int, gains) -> None:
        """The star on the best K; past the axis, a hollow star at its edge and the best K named."""
        beyond = best > self.k_max_plot
        shown = min(best, self.k_max_plot)
        self.star_k.set_data([shown], [gains[shown]])
        self.star_k.set_markerfacecolor("white" if beyond else "purple")
        more = "+" if best >= SEARCH_CAP else ""
        self.label_star.set_texts([f"best K = {best}{more}, past the axis \u2192" if beyond else ""])

    def _mark_breakeven(self, breakeven: float) -> None:
        """The dotted line at the break-even alpha of your K (named in the legend), its value beside it."""
        shown = not math.isnan(breakeven)
        self.line_breakeven.set_visible(shown)
        self.label_breakeven.set_visible(shown)
        if shown:
            self.line_breakeven.set_xdata([breakeven, breakeven])
            # Beside the crossing, on the side of the 1x line your-K curve is not on, away from the edge.
            left = breakeven > 0.8
            self.label_breakeven.ha, self.label_breakeven.offset = ("right", (-4, 9)) if left else ("left", (4, -9))
            self.label_breakeven.set_offsets([(breakeven, 1.0)])
            self.label_breakeven.set_texts([f"{breakeven:.2f}"])


def speedup_explorer(alpha: float = 0.8, k: int = 4, c: float = 0.1, verify_growth: float = 0.0) -> SpeedupExplorer:
    """Sliders for alpha, K, c and verify growth g; live speedup readouts and curves.

    Each starting value must lie in its slider's range: alpha and c in [0, 1], k in 1..16,
    verify_growth in [0, 0.2] (a slider would silently clamp it otherwise).
    """
    alpha, k, c, verify_growth = in_ranges(alpha=(alpha, 0.0, 1.0), k=(k, 1, 16), c=(c, 0.0, 1.0),
                                                  verify_growth=(verify_growth, 0.0, 0.2))
    controls = {
        "alpha": widgets.FloatSlider(value=alpha, min=0.0, max=1.0, step=0.01,
                                     description="alpha (acceptance)", **_SLIDER),
        "k": widgets.IntSlider(value=k, min=1, max=16, step=1, description="K (drafts per round)", **_SLIDER),
        "c": widgets.FloatSlider(value=c, min=0.0, max=1.0, step=0.01, description="c (draft/target cost)",
                                 **_SLIDER),
        "verify_growth": widgets.FloatSlider(value=verify_growth, min=0.0, max=0.2, step=0.01,
                                             description="verify growth g (per draft)", **_SLIDER),
    }
    return SpeedupExplorer(controls)

def _visible_top(ax) -> float:
    """The highest finite y among the axes' visible lines (at least 1)."""
    tops = [np.nanmax(line.get_ydata()) for line in ax.lines
            if line.get_visible() and np.size(line.get_ydata()) and np.isfinite(np.nanmax(line.get_ydata()))]
    return max(tops + [1.0])
