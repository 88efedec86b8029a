"""Emitted-token histograms against p: the picture of a lossless (or broken) rule."""

from __future__ import annotations

import numpy as np

from . import _checks
from ._axes import DRAFT, TARGET, axes


def format_p_value(p_value) -> str:
    """'= 0.42' or '< 1e-300': a p-value that underflows to 0 is tiny, never exactly 0."""
    return "< 1e-300" if p_value < 1e-300 else f"= {p_value:.3g}"


def plot_lossless(counts, p, ax=None, title="", p_value=None):
    """Observed token frequencies (bars) against the target p (dots), tokens sorted by p."""
    counts = _checks.reals(counts, "counts", low=0.0)
    p = _checks.distribution(p, "p")
    _checks.same_size("counts", counts, "p", p)
    if counts.sum() <= 0:
        raise ValueError("counts must hold at least one emitted token (they sum to 0)")
    p_value = None if p_value is None else _checks.number(p_value, "p_value", 0.0, 1.0)
    fig, ax = axes(ax, figsize=(5.0, 3.2))
    order = np.argsort(-p, kind="stable")
    x = np.arange(len(p))
    ax.bar(x, counts[order] / counts.sum(), color=DRAFT, alpha=0.8, label="emitted")
    ax.plot(x, p[order], "o", color=TARGET, label="p (target)")
    if p_value is not None:
        title = f"{title}\nchi-square p-value {format_p_value(p_value)}".strip()
    ax.set_xticks(x, [str(t) for t in order], fontsize=9)
    ax.set(xlabel="token", ylabel="frequency", title=title)
    ax.legend(fontsize=9)
    return fig
