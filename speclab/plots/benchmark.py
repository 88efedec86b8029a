"""Figures for simulated benchmarks: annotated grids, speedup against alpha with bands, policies."""

from __future__ import annotations

import numpy as np

from .. import theory
from ._axes import axes, baseline


def plot_grid_heatmap(values, agreements, ks, ax=None, title="", fmt="{:.2f}", cmap="RdYlGn",
                      vmin=None, vmax=None, colorbar=True, center=None):
    """An annotated heatmap of `values` [agreement, K] (rows: agreement, columns: K).

    `center` (e.g. 1.0 for speedups) splits a diverging colour map there: values below it take
    one side's colours, values above the other's, each side scaled to its own range.
    """
    from matplotlib.colors import TwoSlopeNorm

    fig, ax = axes(ax, figsize=(6.0, 4.0))
    values = np.asarray(values, dtype=np.float64)
    if center is None:
        image = ax.imshow(values, cmap=cmap, aspect="auto", vmin=vmin, vmax=vmax, origin="lower")
    else:
        low = np.nanmin(values) if vmin is None else vmin
        high = np.nanmax(values) if vmax is None else vmax
        if not low < center < high:
            raise ValueError(f"center must lie strictly between vmin and vmax; got {low}, {center}, {high}")
        norm = TwoSlopeNorm(vcenter=center, vmin=low, vmax=high)
        image = ax.imshow(values, cmap=cmap, aspect="auto", norm=norm, origin="lower")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            red, green, blue, _ = image.cmap(image.norm(values[i, j]))
            dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5   # white text on dark cells
            ax.text(j, i, fmt.format(values[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    ax.set_xticks(range(len(ks)), [str(k) for k in ks])
    ax.set_yticks(range(len(agreements)), [f"{a:g}" for a in agreements])
    ax.set(xlabel="drafts per round K", ylabel="draft/target agreement", title=title)
    if colorbar:
        fig.colorbar(image, ax=ax, shrink=0.85)
    return fig


def plot_speedup_vs_acceptance(x, ks, speedup, low, high, c, verify_growth=0.0, ax=None,
                               theory_curves=True, xlabel="acceptance probability alpha"):
    """Simulated speedup (dots, 95% band) against x for each K, with the theory curve overlaid.

    x: [A] or [A, K], the per-token acceptance probability alpha of each cell (or, to show the
    pitfall, the accepted/drafted fraction with `theory_curves=False`); speedup, low, high:
    [A, K] simulated means and interval ends; c: the cost ratio the simulation used.
    """
    fig, ax = axes(ax, figsize=(7.0, 4.5))
    speedup, low, high = (np.asarray(a, dtype=np.float64) for a in (speedup, low, high))
    x = np.broadcast_to(np.asarray(x, dtype=np.float64).reshape(len(speedup), -1), speedup.shape)
    grid = np.linspace(0.0, 1.0, 201)
    for j, k in enumerate(ks):
        order = np.argsort(x[:, j])
        if theory_curves:
            line, = ax.plot(grid, theory.speedup(grid, k, c, verify_growth), linewidth=1, alpha=0.7)
            color = line.get_color()
        else:
            color = f"C{j}"
        ax.fill_between(x[order, j], low[order, j], high[order, j], color=color, alpha=0.25)
        ax.plot(x[order, j], speedup[order, j], "o" if theory_curves else "o-", color=color, markersize=4,
                label=f"K = {k}")
    baseline(ax)
    what = "Simulated (dots, 95% band) vs theory (lines)" if theory_curves else "Simulated speedup"
    ax.set(xlabel=xlabel, ylabel="speedup (x)", xlim=(0, 1), title=f"{what}, c = {c:g}")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def plot_policy_comparison(names, speedups, lows, highs, ax=None, title="Fixed K vs adaptive K"):
    """Bars of simulated speedup per policy with their 95% intervals."""
    fig, ax = axes(ax, figsize=(6.0, 3.5))
    speedups = np.asarray(speedups, dtype=np.float64)
    errors = np.vstack([speedups - np.asarray(lows), np.asarray(highs) - speedups])
    x = np.arange(len(names))
    ax.bar(x, speedups, yerr=errors, capsize=4, color="#8fbc8f")
    for xi, s in zip(x, speedups):
        ax.text(xi, s / 2, f"{s:.2f}x", ha="center", fontsize=8)
    baseline(ax)
    ax.set_xticks(x, list(names), fontsize=8)
    ax.set(ylabel="speedup (x)", title=title)
    return fig
