"""The trace explorer (notebook 01): a simulated run's rounds, drawn as the round trace draws them."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import PolyCollection

from .._validate import in_ranges
from ..rounds import PLAIN
from ..trace import COLOURS, LEGEND_LABELS, cell_boxes, decorate_round_grid
from ._frames import _SLIDER, SMALLEST, Explorer, GlyphLabels, fmt, readout, set_limits

class TraceExplorer(Explorer):
    """Agreement, K and seed in; one simulated decode's rounds (figure) and its counts out.

    The figure is `speclab.trace.plot_rounds`'s grid: rounds by output position, a rejected draft
    and its correction splitting one column."""

    readout_names = ("target_passes", "tokens_per_round", "accepted_fraction", "alpha")
    figsize = (10.0, 4.2)
    shown_rounds = 8

    def __init__(self, controls: dict, num_tokens: int, vocab_size: int):
        self.num_tokens, self.vocab_size = num_tokens, vocab_size
        super().__init__(controls)

    def compute(self, agreement, k, seed) -> dict:
        from ..simulator import SyntheticPair, simulate

        pair = SyntheticPair(vocab_size=self.vocab_size, agreement=agreement, seed=0)
        res = simulate(pair, num_tokens=self.num_tokens, k=k, trials=1, seed=seed)
        return {"agreement": agreement, "k": k, "seed": seed, "rounds": res.rounds,
                "target_passes": res.target_passes, "tokens_per_round": res.mean_tokens_per_round,
                "accepted_fraction": res.acceptance_rate, "alpha": float(pair.alpha(self.num_tokens).mean())}

    def describe(self, v: dict) -> dict:
        return {
            "target_passes": readout(f"target passes for {self.num_tokens} tokens", str(v["target_passes"]),
                                     f" (plain decoding: {self.num_tokens})"),
            "tokens_per_round": readout("tokens per round", fmt(v["tokens_per_round"], 2)),
            "accepted_fraction": readout("accepted/drafted", fmt(v["accepted_fraction"], 2)),
            "alpha": readout(f"agreement {v['agreement']:.2f} gives alpha", fmt(v["alpha"], 2),
                             f" (mean over the {self.num_tokens} positions)"),
        }

    def build(self, figure) -> None:
        figure.subplots_adjust(left=0.1, right=0.76, bottom=0.15, top=0.92)
        self.ax = ax = figure.add_subplot()
        # Cells are drawn as `speclab.trace.plot_rounds` draws them (`trace.cell_boxes`): a rejected
        # draft and its correction split one column. One collection of cells, recoloured and
        # reshaped per frame; token labels as one collection for whole cells, one for half cells.
        self.cells = ax.add_collection(PolyCollection([], edgecolors="none"), autolim=False)
        self.labels = GlyphLabels(ax, np.empty((0, 2)), size=SMALLEST)
        self.half_labels = GlyphLabels(ax, np.empty((0, 2)), size=SMALLEST)
        # Columns for the largest K; `refresh` shows the K + 1 a round of your K fills (a change of K,
        # rarer than one of the agreement or seed, redraws the axes). K >= 1, so no round is a plain
        # step: the legend names the five statuses drawn.
        decorate_round_grid(ax, self.shown_rounds, self.controls["k"].max + 1,
                            statuses=[status for status in LEGEND_LABELS if status != PLAIN])
        ax.set_title("The first rounds of one decode: one row per target pass")
        self.animate(self.cells, self.labels, self.half_labels)

    def refresh(self, v: dict) -> None:
        set_limits(self.ax, xlim=(0, v["k"] + 1))          # no empty columns past the widest round
        boxes = cell_boxes(v["rounds"][: self.shown_rounds])
        self.cells.set_verts([[(col, top), (col + 0.95, top), (col + 0.95, top + height), (col, top + height)]
                              for _, col, top, height, _, _ in boxes])
        self.cells.set_facecolor([COLOURS[status] for *_, status in boxes])
        for labels, split in ((self.labels, False), (self.half_labels, True)):
            placed = [(col + 0.475, top + height / 2, token) for _, col, top, height, token, _ in boxes
                      if (height < 0.9) == split]          # cell_boxes' whole cells are 0.9 high
            labels.set_offsets(np.array([(x, y) for x, y, _ in placed]).reshape(-1, 2))
            labels.set_texts([token for *_, token in placed])


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
