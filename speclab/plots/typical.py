"""Typical acceptance's bargain: tokens per round against how far its output is from p."""

from __future__ import annotations

import numpy as np

from ._axes import BASELINE, OVERLAP, RESIDUAL, axes


def plot_typical_tradeoff(tradeoff, ax=None):
    """Each epsilon as a point (speed, bias); the lossless rule sits at bias 0. Returns the figure."""
    fig, ax = axes(ax, figsize=(6.5, 4.0))
    ax.plot(tradeoff.bias, tradeoff.tokens_per_round, "o-", color=RESIDUAL, label="typical acceptance")
    for e, b, t in zip(tradeoff.epsilons, tradeoff.bias, tradeoff.tokens_per_round):
        ax.annotate(f"eps={e:g}", (b, t), textcoords="offset points", xytext=(6, 4), fontsize=7)
    ax.plot([0.0], [tradeoff.lossless_tokens_per_round], "*", color=OVERLAP, markersize=14,
            label="speculative sampling (lossless)")
    ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1)
    ax.set(xlabel="bias: total variation between the emitted law and p (per position)",
           ylabel="tokens per round", xlim=(-0.01, max(0.05, 1.15 * float(np.max(tradeoff.bias)))),
           title="Typical acceptance buys speed with bias")
    ax.legend(fontsize=8, loc="lower right")
    return fig
