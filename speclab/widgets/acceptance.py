"""The acceptance explorer (notebook 02): a draft/target pair's p and q, alpha and the residual.

The residual panel draws max(0, p - q) as it is, not normalized: its mass is 1 - alpha, so it
shrinks to nothing as the agreement goes to 1. (Normalized, it would not move at all: with
q = a p + (1 - a) u the normalized residual has the same shape for every agreement a.)
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.transforms import ScaledTranslation

from .. import theory
from .._validate import as_count, in_ranges
from ..plots._axes import DRAFT, OVERLAP, RESIDUAL, TARGET
from ._frames import _SLIDER, STYLE, BarSeries, Explorer, GlyphLabels, axis_top, fmt, readout, set_limits

class AcceptanceExplorer(Explorer):
    """Agreement and position in; p and q bars, alpha and the residual out."""

    readout_names = ("alpha", "rejection", "pair_alpha")
    #: The positions the position slider reaches: the pair's mean alpha is taken over them.
    positions = 21
    figsize = (12.0, 3.6)

    def __init__(self, controls: dict, vocab_size: int, seed: int):
        self.vocab_size, self.seed = vocab_size, seed
        super().__init__(controls)

    def compute(self, agreement, position) -> dict:
        from ..synthetic import SyntheticPair

        pair = SyntheticPair(vocab_size=self.vocab_size, agreement=agreement, seed=self.seed)
        p, q = pair.target(position), pair.draft(position)
        alpha = theory.acceptance_rate(p, q)
        return {"agreement": agreement, "position": position, "p": p, "q": q,
                "residual": np.maximum(p - q, 0.0), "alpha": alpha, "rejection": 1.0 - alpha,
                "pair_alpha": float(pair.alpha(self.positions).mean())}

    def describe(self, v: dict) -> dict:
        return {"alpha": readout("alpha here = sum of min(p, q)", fmt(v["alpha"])),
                "rejection": readout("P(a draft is rejected) = 1 - alpha = mass of max(0, p - q)", fmt(v["rejection"])),
                "pair_alpha": readout(f"agreement {v['agreement']:.2f} gives alpha", fmt(v["pair_alpha"]),
                                      f" on average over positions 0-{self.positions - 1}")}

    def build(self, figure) -> None:
        figure.subplots_adjust(left=0.06, right=0.99, bottom=0.16, top=0.9, wspace=0.12)
        self.ax_bars, self.ax_res = figure.subplots(1, 2, sharey=True)
        x = np.arange(self.vocab_size)
        zeros = np.zeros(self.vocab_size)
        self.bars_p = BarSeries(self.ax_bars, x - 0.2, 0.4, color=TARGET, label="p (target)")
        self.bars_q = BarSeries(self.ax_bars, x + 0.2, 0.4, color=DRAFT, label="q (draft)")
        self.ticks_overlap = self.ax_bars.hlines(zeros, x - 0.4, x + 0.4, color=OVERLAP, linewidth=2.5,
                                                 label="min(p, q)")
        self.ax_bars.legend(loc="upper right")
        self.bars_ref = BarSeries(self.ax_res, x, 0.8, color=TARGET, alpha=0.25, label="p (for reference)")
        self.bars_res = BarSeries(self.ax_res, x, 0.5, color=RESIDUAL, label="max(0, p - q), not normalized")
        self.ax_res.legend(loc="upper right")
        self.note = self.ax_res.text(0.5, 0.5, "p = q: every draft is accepted,\nno residual is needed",
                                     transform=self.ax_res.transAxes, ha="center", va="center")
        # The token ids under the bars change order with the position: registered texts, not tick
        # labels (new tick labels would redraw the whole figure).
        self.token_ids = []
        for ax in (self.ax_bars, self.ax_res):
            ax.set_xticks(x, [""] * self.vocab_size)
            ax.set_xlim(-0.6, self.vocab_size - 0.4)
            ax.set_xlabel("token id (most likely under p first)")
            below_ticks = ax.get_xaxis_transform() + ScaledTranslation(0, -13 / 72, figure.dpi_scale_trans)
            self.token_ids.append(GlyphLabels(ax, np.column_stack([x, np.zeros(self.vocab_size)]),
                                              size=STYLE["xtick.labelsize"], transform=below_ticks, clip_on=False))
            ax.xaxis.labelpad = 16
        self.ax_bars.set_title("p and q at your position: alpha = the overlap")
        self.ax_res.set_title("what a rejection leaves: max(0, p - q), mass 1 - alpha")
        self.ax_bars.set_ylabel("probability")
        self.animate(self.bars_p, self.bars_q, self.ticks_overlap, self.bars_ref, self.bars_res, self.note,
                     self.token_ids)

    def refresh(self, v: dict) -> None:
        p, q, res = v["p"], v["q"], v["residual"]
        order = np.argsort(-p, kind="stable")
        no_residual = v["alpha"] > 1.0 - 1e-12
        self.bars_p.set_heights(p[order])
        self.bars_q.set_heights(q[order])
        self.bars_ref.set_heights(p[order])
        self.bars_res.set_heights(np.zeros_like(res) if no_residual else res[order])
        x = np.arange(self.vocab_size)
        overlap = np.minimum(p, q)[order]
        self.ticks_overlap.set_segments([[(xi - 0.4, y), (xi + 0.4, y)] for xi, y in zip(x, overlap)])
        self.note.set_visible(no_residual)
        for labels in self.token_ids:
            labels.set_texts(order)
        top = max(p.max(), q.max())                      # the residual never exceeds p
        set_limits(self.ax_bars, ylim=(0.0, axis_top(1.15 * top, bases=(1.0,))))


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
