"""The temperature explorer (notebook 09): how alpha between a pair moves as both are tempered."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..plots._axes import DRAFT, PAIR_COLOURS, TARGET
from .._validate import ArgumentTypeError, as_logits, in_ranges, short_repr
from ..temperature import alpha_at_temperatures, log_of, tempered
from ._frames import _SLIDER, BarSeries, Explorer, fmt, readout

#: The most probabilities (vocab_size * positions) of the default synthetic pairs.
MAX_EXPLORER_PROBS = 2_000_000


class TemperatureExplorer(Explorer):
    """Temperature in; alpha(T) for each pair (curves precomputed on the slider's grid) and p_T, q_T bars out."""

    readout_names = ("alphas", "shown")
    figsize = (12.0, 3.6)
    shown_tokens = 12

    def __init__(self, controls: dict, pairs: dict, example, colours=None):
        grid = controls["temperature"]
        self.grid = np.round(np.arange(grid.min, grid.max + grid.step / 2, grid.step), 10)
        self.curves = {label: alpha_at_temperatures(p_log, q_log, self.grid) for label, (p_log, q_log) in pairs.items()}
        self.pairs = pairs
        self.colours = {**PAIR_COLOURS, **(colours or {})}    # a pair keeps its colour from the static figures
        self.example = tuple(log_of(row) for row in example)
        self.shown_order = np.argsort(-self.example[0], kind="stable")[: self.shown_tokens]   # the target's top tokens
        super().__init__(controls)

    def compute(self, temperature) -> dict:
        hit = np.flatnonzero(np.isclose(self.grid, temperature))
        alphas = {label: (float(curve[hit[0]]) if hit.size else
                          float(alpha_at_temperatures(*self.pairs[label], temperature)[0]))
                  for label, curve in self.curves.items()}
        p_t, q_t = (tempered(row, temperature) for row in self.example)
        return {"temperature": temperature, "alphas": alphas, "p": p_t, "q": q_t,
                "overlap": float(np.minimum(p_t, q_t).sum())}

    def describe(self, v: dict) -> dict:
        parts = [readout(f"alpha, {label}", fmt(a)) for label, a in v["alphas"].items()]
        return {"alphas": " &nbsp; ".join(parts),
                "shown": readout("sum min(p_T, q_T) at the position on the right", fmt(v["overlap"]))}

    def build(self, figure) -> None:
        figure.subplots_adjust(left=0.06, right=0.99, bottom=0.17, top=0.88, wspace=0.2)
        self.ax_curve, self.ax_bars = figure.subplots(1, 2)
        ax = self.ax_curve
        self.markers = {}
        for label, curve in self.curves.items():
            line, = ax.plot(self.grid, curve, linewidth=1.8, label=label, color=self.colours.get(label))
            self.markers[label], = self.animate(ax.plot([], [], "o", color=line.get_color(), markersize=7))
        self.now = self.animate(ax.axvline(1.0, color="red", linewidth=1))
        ax.set(xlabel="temperature T", ylabel="alpha = mean sum min(p_T, q_T)", ylim=(0, 1.02),
               xlim=(self.grid[0], self.grid[-1]))
        # Clear of the curves and of the T = 1 line (short handles keep it right of that line).
        ax.legend(loc=self._legend_place(), handlelength=1.2, borderaxespad=0.3)
        x = np.arange(self.shown_tokens)
        self.bars_p = self.animate(BarSeries(self.ax_bars, x - 0.2, 0.4, color=TARGET, label="p_T (target)"))
        self.bars_q = self.animate(BarSeries(self.ax_bars, x + 0.2, 0.4, color=DRAFT, label="q_T (draft)"))
        self.ax_bars.set(xlabel=f"the target's top {self.shown_tokens} tokens", ylabel="probability", ylim=(0, 1.02),
                         xlim=(-0.6, self.shown_tokens - 0.4), xticks=x)
        self.ax_bars.legend(loc="upper right")
        self.ax_bars.set_title("one synthetic position, re-tempered")

    def _legend_place(self) -> str:
        """Lower left, clear of the T = 1 line, unless a curve runs low there (a weak draft at small T)."""
        start = self.grid < self.grid[0] + 0.4 * (self.grid[-1] - self.grid[0])
        low = any(np.nanmin(curve[start]) < 0.3 for curve in self.curves.values())
        return "lower right" if low else "lower left"

    def refresh(self, v: dict) -> None:
        t = v["temperature"]
        for label, marker in self.markers.items():
            marker.set_data([t], [v["alphas"][label]])
        self.now.set_xdata([t, t])
        self.bars_p.set_heights(v["p"][self.shown_order])
        self.bars_q.set_heights(v["q"][self.shown_order])


def temperature_explorer(pairs: dict | None = None, temperature: float = 1.0, vocab_size: int = 100,
                         positions: int = 200, colours: dict | None = None) -> TemperatureExplorer:
    """A temperature slider over alpha(T) for each pair {label: (p_log, q_log)} (default: two synthetic pairs).

    The bars show one position of a synthetic pair (agreement 0.6) re-tempered. colours:
    {label: colour}, over `plots._axes.PAIR_COLOURS`, which the static temperature figures share.
    """
    from ..synthetic import SyntheticPair

    temperature, vocab_size, positions = in_ranges(temperature=(temperature, 0.0, 2.0),
                                                   vocab_size=(vocab_size, 2, 100_000), positions=(positions, 1, 10_000))
    if vocab_size * positions > MAX_EXPLORER_PROBS:
        raise ValueError(f"vocab_size * positions must be at most {MAX_EXPLORER_PROBS:,} (the curves are computed "
                         f"when the explorer opens); got {vocab_size:,} * {positions:,}")
    pairs = None if pairs is None else _check_pairs(pairs)
    synthetic = {a: SyntheticPair(vocab_size=vocab_size, agreement=a, seed=0).distributions(positions)
                 for a in (0.6, 0.3)}
    default = {f"synthetic, agreement {a}": (log_of(p), log_of(q)) for a, (p, q) in synthetic.items()}
    pairs = default if pairs is None else dict(pairs)
    example = (synthetic[0.6][0][0], synthetic[0.6][1][0])
    controls = {"temperature": widgets.FloatSlider(value=temperature, min=0.0, max=2.0, step=0.05,
                                                   description="temperature T", **_SLIDER)}
    return TemperatureExplorer(controls, pairs, example, colours)


def _check_pairs(pairs) -> dict:
    """{label: (p_log, q_log)}: a non-empty dict of pairs of equal-shape logit arrays [positions, V]."""
    if not isinstance(pairs, dict) or not pairs:
        raise ArgumentTypeError(f"pairs must be a non-empty dict {{label: (p_log, q_log)}}; got {short_repr(pairs)}")
    checked = {}
    for label, pair in pairs.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ArgumentTypeError(f"pairs[{label!r}] must be a pair (p_log, q_log); got {short_repr(pair)}")
        p_log, q_log = (np.atleast_2d(as_logits(x, f"pairs[{label!r}]")) for x in pair)
        if p_log.shape != q_log.shape or p_log.ndim != 2:
            raise ValueError(f"pairs[{label!r}] must hold p_log and q_log of one shape [positions, V]; "
                             f"got {p_log.shape} and {q_log.shape}")
        checked[str(label)] = (p_log, q_log)
    return checked
