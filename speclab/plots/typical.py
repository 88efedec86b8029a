"""Typical acceptance's bargain: tokens per round against how far its output is from p."""

from __future__ import annotations

import numpy as np

from ..typical import TypicalTradeoff
from . import _checks
from ._axes import BASELINE, OVERLAP, RESIDUAL, axes


def plot_typical_tradeoff(tradeoff, ax=None, label: str = "", colour=RESIDUAL):
    """Each epsilon as a point (speed, bias); the lossless rule is a star at bias 0. Returns the figure.

    Call it again on the same axes with another `label` to compare drafts.
    """
    tradeoff = _checks.instance(tradeoff, TypicalTradeoff, "tradeoff", "a TypicalTradeoff (from typical_tradeoff)")
    fig, ax = axes(ax, figsize=(6.5, 4.0))
    suffix = f", {label}" if label else ""
    ax.plot(tradeoff.bias, tradeoff.tokens_per_round, "o-", color=colour, label=f"typical acceptance{suffix}")
    for i, (e, b, t) in enumerate(zip(tradeoff.epsilons, tradeoff.bias, tradeoff.tokens_per_round)):
        # alternate right and left of the curve, so neighbouring epsilons do not collide
        right_side = i % 2 == 0
        ax.annotate(f"eps={e:g}", (b, t), textcoords="offset points", xytext=(7, 0) if right_side else (-7, 0),
                    ha="left" if right_side else "right", va="center", fontsize=9)
    ax.plot([0.0], [tradeoff.lossless_tokens_per_round], "*", color=colour, markersize=14, clip_on=False,
            markeredgecolor=OVERLAP, label=f"speculative sampling (lossless){suffix}")
    ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1)
    right = max(0.05, 1.15 * float(np.max(tradeoff.bias)), ax.get_xlim()[1])
    ax.set(xlabel="bias: total variation between the emitted law and p (per position)",
           ylabel="tokens per round", xlim=(-0.03 * right, right),
           title="Typical acceptance buys speed with bias")
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2)   # below the axes: off the data
    return fig
