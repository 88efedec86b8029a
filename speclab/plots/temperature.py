"""alpha against sampling temperature, for one or several draft/target pairs."""

from __future__ import annotations

import numpy as np

from ._axes import axes


def plot_alpha_vs_temperature(curves: dict, temperatures, ax=None):
    """curves: {label: alphas at `temperatures`}; one line per pair. Returns the figure."""
    fig, ax = axes(ax, figsize=(6.5, 4.0))
    temperatures = np.asarray(temperatures, dtype=float)
    for label, alphas in curves.items():
        ax.plot(temperatures, alphas, "o-", markersize=3, label=label)
    ax.axvline(1.0, color="0.7", linewidth=1, linestyle=":")
    ax.set(xlabel="temperature T (both p and q re-tempered)", ylabel="alpha = mean sum min(p_T, q_T)",
           ylim=(0, 1.02), title="How temperature moves alpha")
    ax.legend(fontsize=8)
    return fig
