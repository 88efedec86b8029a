"""Shared figure helpers: get an axes to draw on, and the course's colours."""

from __future__ import annotations

import matplotlib.pyplot as plt

TARGET = "#1f77b4"      # p, the target
DRAFT = "#ff7f0e"       # q, the draft
OVERLAP = "#2ca02c"     # min(p, q), the accepted mass
RESIDUAL = "#d62728"    # norm(max(0, p - q))
BASELINE = "0.55"       # the 1x line of plain decoding


def axes(ax=None, figsize=(6.0, 4.0)):
    """Return (figure, axes): the given axes and its figure, or a new single-axes figure."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    return ax.figure, ax


def baseline(ax) -> None:
    """Draw the speedup = 1 line that plain autoregressive decoding sits on."""
    ax.axhline(1.0, color=BASELINE, linestyle="--", linewidth=1, label="plain decoding (1x)")
