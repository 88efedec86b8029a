"""Interactive explorers for the notebooks: sliders in, readouts and a figure out.

Each factory returns an `Explorer`, an ipywidgets VBox with:
  .controls  {name: slider}      set `.value` from code (tests do) or drag it in the page
  .readouts  {name: HTML widget} the numbers shown as text, CSS class `speclab-readout-<name>`
  .values    {name: number}      the raw numbers behind the readouts, from the last update
  .figure    the matplotlib Figure, redrawn on every change; .png its last rendering
Every update is a pure call into `speclab.theory` / the synthetic pair plus a redraw, wired with
`ipywidgets.interactive_output` and shown as a PNG image, so the explorers run unchanged in
Colab, JupyterLab and Binder with the inline backend (no ipympl).

Speed: the figure and its axes are built once; an update only moves line data and labels, which
keeps a redraw well below the time a slider step should take.
"""

from __future__ import annotations

import io
import math

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import theory
from ._validate import as_count, in_ranges
from .plots._axes import BASELINE, DRAFT, OVERLAP, RESIDUAL, TARGET
from .verify import residual

_SLIDER = dict(continuous_update=False, style={"description_width": "170px"},
               layout=widgets.Layout(width="460px"))


class Explorer(widgets.VBox):
    """Controls on top, text readouts below them, then the figure; any change updates all three.

    Subclasses provide `compute(**controls) -> values` (pure: theory calls only),
    `describe(values) -> {readout name: html}`, `build(figure)` (axes and artists, once)
    and `refresh(values)` (move the artists to the new values). `build` registers the artists
    that `refresh` moves with `self.animate(...)`; everything else is drawn as static.
    """

    readout_names: tuple = ()
    figsize = (12.0, 3.6)
    dpi = 80

    def __init__(self, controls: dict):
        super().__init__()
        self.controls = dict(controls)
        self.readouts = {name: widgets.HTML().add_class("speclab-readout").add_class(f"speclab-readout-{name}")
                         for name in self.readout_names}
        self.values: dict = {}
        self.figure = Figure(figsize=self.figsize, dpi=self.dpi)
        FigureCanvasAgg(self.figure)
        self.png = b""
        self._built = False
        self.moving: list = []
        self.output = widgets.interactive_output(self.update, self.controls)
        self.children = [widgets.VBox(list(self.controls.values())),
                         widgets.HBox(list(self.readouts.values()),
                                      layout=widgets.Layout(flex_flow="row wrap", grid_gap="6px 24px")),
                         self.output]
        self.add_class("speclab-explorer")

    def update(self, **params) -> None:
        """Recompute the values from the control settings, refresh the readouts, redraw."""
        self.values = self.compute(**params)
        for name, html in self.describe(self.values).items():
            self.readouts[name].value = html
        if not self._built:
            self.build(self.figure)
            self._built = True
        self.refresh(self.values)
        self.png = render_png(self.figure)
        _show_png(self.png)

    def animate(self, *artists):
        """Register artists that `refresh` moves (the rest of the figure is static); returns them."""
        self.moving.extend(artists)
        return artists[0] if len(artists) == 1 else artists

    def compute(self, **params) -> dict:
        raise NotImplementedError

    def describe(self, values: dict) -> dict:
        raise NotImplementedError

    def build(self, figure) -> None:
        raise NotImplementedError

    def refresh(self, values: dict) -> None:
        raise NotImplementedError


def render_png(figure) -> bytes:
    """The figure as PNG bytes (what the page shows), rendered with Agg at the figure's dpi."""
    buffer = io.BytesIO()
    figure.canvas.print_png(buffer)
    return buffer.getvalue()


def _show_png(png: bytes) -> None:
    """Display the PNG in the surrounding output (the explorer's Output widget) when in IPython.

    Showing PNG bytes rather than the Figure keeps the result independent of the notebook's
    matplotlib backend: no ipympl, and no second copy drawn by the inline backend.
    """
    from IPython import get_ipython

    if get_ipython() is not None:
        from IPython.display import Image, display

        display(Image(data=png, format="png"))


def readout(label: str, value: str, unit: str = "") -> str:
    """The HTML of one readout: a label and its value, the value in a `speclab-value` element."""
    return f'{label}: <b class="speclab-value">{value}</b>{unit}'


def fmt(x, digits: int = 3) -> str:
    """A readout number with fixed decimals, or 'none' for nan (e.g. no break-even alpha)."""
    return "none" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _rescale(ax, bottom=0.0, margin=1.08) -> None:
    """Fit the y-axis from `bottom` to just above the highest visible line (after lines moved)."""
    tops = [np.nanmax(line.get_ydata()) for line in ax.lines
            if line.get_visible() and np.size(line.get_ydata()) and np.isfinite(np.nanmax(line.get_ydata()))]
    ax.set_ylim(bottom, margin * max(tops + [1.0]))


# ----------------------------------------------------------------------------- speedup explorer

class SpeedupExplorer(Explorer):
    """alpha, K, c and verification growth in; speedup, tokens per round, best K, break-even out.

    Left: speedup against alpha for K = 1, 2, 4, 8, your K (bold) and the best K (dotted), the
    Part 4 picture. Middle: speedup against K at your alpha, best K starred. Right: the best K
    against alpha at your c, the Part 7 picture.
    """

    readout_names = ("speedup", "expected_tokens", "optimal_k", "breakeven_alpha", "accepted_fraction")
    reference_ks = (1, 2, 4, 8)
    k_max_plot = 16
    alpha_grid = np.linspace(0.0, 1.0, 201)

    def compute(self, alpha, k, c, verify_growth) -> dict:
        best = theory.optimal_k(alpha, c, verify_growth=verify_growth)
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
        figure.subplots_adjust(left=0.05, right=0.99, bottom=0.15, top=0.9, wspace=0.22)
        self.ax_alpha, self.ax_k, self.ax_best = figure.subplots(1, 3)
        ax = self.ax_alpha
        self.lines_ref = [ax.plot([], [], linewidth=1, alpha=0.6, label=f"K = {k}")[0] for k in self.reference_ks]
        self.line_yours, = ax.plot([], [], color="black", linewidth=2.5, label="your K")
        self.line_best, = ax.plot([], [], ":", color="purple", linewidth=1.5, label="best K")
        self.point_alpha, = ax.plot([], [], "o", color="red", markersize=7, zorder=5)
        self.line_breakeven = ax.axvline(0.0, color="red", linewidth=1, linestyle=":")
        ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1)
        ax.set(xlabel="alpha", ylabel="speedup (x)", xlim=(0, 1))
        ax.legend(fontsize=7, loc="upper left")

        ax = self.ax_k
        self.line_k, = ax.plot([], [], "o-", markersize=3, linewidth=1.5)
        self.star_k, = ax.plot([], [], "*", color="purple", markersize=13, zorder=5)
        self.point_k, = ax.plot([], [], "o", color="red", markersize=7, zorder=6)
        ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1)
        ax.set(xlabel="drafts per round K", ylabel="speedup (x)", xlim=(-0.5, self.k_max_plot + 0.5))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))

        ax = self.ax_best
        self.line_opt, = ax.step([], [], where="mid", linewidth=2, color="purple")
        self.point_opt, = ax.plot([], [], "o", color="red", markersize=7, zorder=5)
        ax.set(xlabel="alpha", ylabel="best K", xlim=(0, 1), ylim=(-0.5, 33))

    def refresh(self, v: dict) -> None:
        alpha, k, c, growth = v["alpha"], v["k"], v["c"], v["verify_growth"]
        grid = self.alpha_grid
        for line, k_ref in zip(self.lines_ref, self.reference_ks):
            line.set_data(grid, theory.speedup(grid, k_ref, c, growth))
        self.line_yours.set_data(grid, theory.speedup(grid, k, c, growth))
        best_k = theory.optimal_k(grid, c, verify_growth=growth)
        self.line_best.set_data(grid, theory.speedup(grid, best_k, c, growth))
        self.point_alpha.set_data([alpha], [v["speedup"]])
        breakeven = v["breakeven_alpha"]
        self.line_breakeven.set_xdata([breakeven, breakeven])
        self.line_breakeven.set_visible(not math.isnan(breakeven))
        self.ax_alpha.set_title(f"Speedup vs alpha (K = {k}, c = {c:g})", fontsize=10)
        _rescale(self.ax_alpha)

        ks = np.arange(self.k_max_plot + 1)
        gains = theory.speedup(alpha, ks, c, growth)
        self.line_k.set_data(ks, gains)
        best = min(v["optimal_k"], self.k_max_plot)
        self.star_k.set_data([best], [gains[best]])
        self.point_k.set_data([k], [v["speedup"]])
        self.ax_k.set_title(f"Speedup vs K (alpha = {alpha:.2f}; star = best)", fontsize=10)
        _rescale(self.ax_k)

        self.line_opt.set_data(grid[:-1], best_k[:-1])
        self.point_opt.set_data([alpha], [v["optimal_k"]])
        self.ax_best.set_title(f"Best K vs alpha (c = {c:g}, growth = {growth:g})", fontsize=10)


def speedup_explorer(alpha: float = 0.8, k: int = 4, c: float = 0.1, verify_growth: float = 0.0) -> SpeedupExplorer:
    """Sliders for alpha, K, c and verification growth; live speedup readouts and curves.

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


# ----------------------------------------------------------------------------- acceptance explorer

class AcceptanceExplorer(Explorer):
    """Agreement and position in; p and q bars, alpha and the residual out."""

    readout_names = ("alpha", "rejection")
    figsize = (12.0, 3.4)

    def __init__(self, controls: dict, vocab_size: int, seed: int):
        self.vocab_size, self.seed = vocab_size, seed
        super().__init__(controls)

    def compute(self, agreement, position) -> dict:
        from .synthetic import SyntheticPair

        pair = SyntheticPair(vocab_size=self.vocab_size, agreement=agreement, seed=self.seed)
        p, q = pair.target(position), pair.draft(position)
        alpha = theory.acceptance_rate(p, q)
        return {"agreement": agreement, "position": position, "p": p, "q": q,
                "residual": residual(p, q), "alpha": alpha, "rejection": 1.0 - alpha}

    def describe(self, v: dict) -> dict:
        return {"alpha": readout("alpha = sum of min(p, q)", fmt(v["alpha"])),
                "rejection": readout("P(a draft is rejected) = 1 - alpha", fmt(v["rejection"]))}

    def build(self, figure) -> None:
        figure.subplots_adjust(left=0.05, right=0.99, bottom=0.17, top=0.9, wspace=0.15)
        self.ax_bars, self.ax_res = figure.subplots(1, 2, sharey=True)
        x = np.arange(self.vocab_size)
        zeros = np.zeros(self.vocab_size)
        self.bars_p = self.ax_bars.bar(x - 0.2, zeros, width=0.4, color=TARGET, label="p (target)")
        self.bars_q = self.ax_bars.bar(x + 0.2, zeros, width=0.4, color=DRAFT, label="q (draft)")
        self.ticks_overlap = self.ax_bars.hlines(zeros, x - 0.4, x + 0.4, color=OVERLAP, linewidth=2.5,
                                                 label="min(p, q)")
        self.ax_bars.legend(fontsize=8, loc="upper right")
        self.bars_ref = self.ax_res.bar(x, zeros, width=0.8, color=TARGET, alpha=0.25, label="p (for reference)")
        self.bars_res = self.ax_res.bar(x, zeros, width=0.5, color=RESIDUAL, label="residual norm(max(0, p - q))")
        self.ax_res.legend(fontsize=8, loc="upper right")
        self.note = self.ax_res.text(0.5, 0.5, "p = q: every draft is accepted,\nno residual is needed",
                                     transform=self.ax_res.transAxes, ha="center", va="center")
        for ax in (self.ax_bars, self.ax_res):
            ax.set_xticks(x)
            ax.set_xlabel("token (most likely under p first)")
        self.ax_bars.set_ylabel("probability")

    def refresh(self, v: dict) -> None:
        p, q, res = v["p"], v["q"], v["residual"]
        order = np.argsort(-p, kind="stable")
        no_residual = v["alpha"] > 1.0 - 1e-12
        for bar, value in zip(self.bars_p, p[order]):
            bar.set_height(value)
        for bar, value in zip(self.bars_q, q[order]):
            bar.set_height(value)
        for bar, value in zip(self.bars_ref, p[order]):
            bar.set_height(value)
        for bar, value in zip(self.bars_res, res[order]):
            bar.set_height(0.0 if no_residual else value)
        x = np.arange(self.vocab_size)
        overlap = np.minimum(p, q)[order]
        self.ticks_overlap.set_segments([[(xi - 0.4, y), (xi + 0.4, y)] for xi, y in zip(x, overlap)])
        self.note.set_visible(no_residual)
        labels = [str(t) for t in order]
        self.ax_bars.set_xticklabels(labels, fontsize=8)
        self.ax_res.set_xticklabels(labels, fontsize=8)
        self.ax_bars.set_title(f"p and q at position {v['position']}: alpha = {v['alpha']:.3f}", fontsize=10)
        self.ax_res.set_title("where a rejected draft's replacement comes from", fontsize=10)
        top = max(p.max(), q.max(), 0.0 if no_residual else res.max())
        self.ax_bars.set_ylim(0, 1.15 * top)


def acceptance_explorer(agreement: float = 0.6, position: int = 0, vocab_size: int = 12,
                        seed: int = 0) -> AcceptanceExplorer:
    """An agreement slider over a small synthetic pair: p and q bars, alpha, the residual.

    agreement in [0, 1], position in 0..20 (the slider's ranges), vocab_size in 2..64 (one bar
    pair per token), seed >= 0.
    """
    agreement, position, vocab_size = in_ranges(agreement=(agreement, 0.0, 1.0), position=(position, 0, 20),
                                                       vocab_size=(vocab_size, 2, 64))
    seed = as_count(seed, "seed")
    controls = {
        "agreement": widgets.FloatSlider(value=agreement, min=0.0, max=1.0, step=0.05,
                                         description="draft/target agreement", **_SLIDER),
        "position": widgets.IntSlider(value=position, min=0, max=20, description="position t", **_SLIDER),
    }
    return AcceptanceExplorer(controls, vocab_size=vocab_size, seed=seed)


# ----------------------------------------------------------------------------- trace explorer

class TraceExplorer(Explorer):
    """Agreement, K and seed in; one simulated decode's rounds (figure) and its counts out."""

    readout_names = ("target_passes", "tokens_per_round", "accepted_fraction")
    figsize = (10.0, 4.0)
    dpi = 72
    shown_rounds = 8

    def __init__(self, controls: dict, num_tokens: int, vocab_size: int):
        self.num_tokens, self.vocab_size = num_tokens, vocab_size
        super().__init__(controls)

    def compute(self, agreement, k, seed) -> dict:
        from .simulator import SyntheticPair, simulate

        pair = SyntheticPair(vocab_size=self.vocab_size, agreement=agreement, seed=0)
        res = simulate(pair, num_tokens=self.num_tokens, k=k, trials=1, seed=seed)
        return {"agreement": agreement, "k": k, "seed": seed, "rounds": res.rounds,
                "target_passes": res.target_passes, "tokens_per_round": res.mean_tokens_per_round,
                "accepted_fraction": res.acceptance_rate}

    def describe(self, v: dict) -> dict:
        return {
            "target_passes": readout(f"target passes for {self.num_tokens} tokens", str(v["target_passes"]),
                                     f" (plain decoding: {self.num_tokens})"),
            "tokens_per_round": readout("tokens per round", fmt(v["tokens_per_round"], 2)),
            "accepted_fraction": readout("accepted/drafted", fmt(v["accepted_fraction"], 2)),
        }

    def build(self, figure) -> None:
        from matplotlib.patches import Patch, Rectangle

        from .trace import COLOURS

        figure.subplots_adjust(left=0.1, right=0.8, bottom=0.08, top=0.9)
        self.ax = ax = figure.add_subplot()
        rows, cols = self.shown_rounds, self.controls["k"].max + 1
        self.cells = [[ax.add_artist(Rectangle((col, row), 0.95, 0.9, visible=False)) for col in range(cols)]
                      for row in range(rows)]
        self.labels = [[ax.text(col + 0.47, row + 0.45, "", ha="center", va="center", fontsize=8)
                        for col in range(cols)] for row in range(rows)]
        ax.set_ylim(rows, 0)
        ax.set_yticks([r + 0.45 for r in range(rows)], [f"round {r + 1}" for r in range(rows)])
        ax.tick_params(length=0)
        ax.set_frame_on(False)
        ax.legend(handles=[Patch(color=c, label=s) for s, c in COLOURS.items()],
                  loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)

    def refresh(self, v: dict) -> None:
        from .trace import COLOURS

        records = v["rounds"][: self.shown_rounds]
        for row, (cells, labels) in enumerate(zip(self.cells, self.labels)):
            slots = records[row].cells() if row < len(records) else []
            for col, (rect, label) in enumerate(zip(cells, labels)):
                shown = col < len(slots)
                rect.set_visible(shown)
                label.set_visible(shown)
                if shown:
                    rect.set_color(COLOURS[slots[col][1]])
                    label.set_text(str(slots[col][0]))
        width = v["k"] + 1
        self.ax.set_xlim(0, width)
        self.ax.set_xticks([c + 0.47 for c in range(width)], [f"slot {c + 1}" for c in range(width)])
        self.ax.set_title(f"First {len(records)} rounds (agreement {v['agreement']:.2f}, K = {v['k']}, "
                          f"seed {v['seed']})", fontsize=10)


def trace_explorer(agreement: float = 0.75, k: int = 4, seed: int = 0, num_tokens: int = 40,
                   vocab_size: int = 100) -> TraceExplorer:
    """Re-run one seeded decode of `num_tokens` tokens as you move agreement, K or the seed.

    agreement in [0, 1], k in 1..8 and seed in 0..50 (the sliders' ranges); num_tokens in
    1..2000 and vocab_size in 2..10000, so that every slider step stays fast.
    """
    agreement, k, seed, num_tokens, vocab_size = in_ranges(
        agreement=(agreement, 0.0, 1.0), k=(k, 1, 8), seed=(seed, 0, 50), num_tokens=(num_tokens, 1, 2000),
        vocab_size=(vocab_size, 2, 10_000))
    controls = {
        "agreement": widgets.FloatSlider(value=agreement, min=0.0, max=1.0, step=0.05,
                                         description="draft/target agreement", **_SLIDER),
        "k": widgets.IntSlider(value=k, min=1, max=8, description="K (drafts per round)", **_SLIDER),
        "seed": widgets.IntSlider(value=seed, min=0, max=50, description="seed", **_SLIDER),
    }
    return TraceExplorer(controls, num_tokens=num_tokens, vocab_size=vocab_size)
