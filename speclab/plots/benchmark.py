"""Figures for simulated benchmarks: annotated grids, speedup against alpha with bands, policies."""

from __future__ import annotations

import numpy as np

from .. import theory
from . import _checks
from ._axes import axes, baseline, name_shared_y_once


def plot_grid_heatmap(values, agreements, ks, ax=None, title="", fmt="{:.2f}", cmap="RdYlGn",
                      vmin=None, vmax=None, colorbar=True, center=None):
    """An annotated heatmap of `values` [agreement, K] (rows: agreement, columns: K).

    `center` (e.g. 1.0 for speedups) splits a diverging colour map there: values below it take
    one side's colours, values above the other's, each side scaled to its own range.
    """
    from matplotlib.colors import TwoSlopeNorm

    values = _checks.reals(values, "values", ndim=2, allow_nan=True)
    agreements = _checks.reals(agreements, "agreements", low=0.0, high=1.0)
    ks = _checks.whole(ks, "ks", maximum=10**6)
    if values.shape != (agreements.size, len(ks)):
        raise ValueError(f"values must have shape [len(agreements), len(ks)] = [{agreements.size}, {len(ks)}]; "
                         f"got {values.shape}")
    vmin, vmax, center = (None if v is None else _checks.number(v, name, -1e300, 1e300)
                          for v, name in ((vmin, "vmin"), (vmax, "vmax"), (center, "center")))
    low = np.nanmin(values) if vmin is None else vmin           # the colour scale's ends as matplotlib takes them
    high = np.nanmax(values) if vmax is None else vmax
    if low > high:
        raise ValueError(f"vmin must be at most vmax (the values' largest when vmax is None); got {low:g} > {high:g}")
    fig, ax = axes(ax, figsize=(6.0, 4.0))
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
            ax.text(j, i, fmt.format(values[i, j]), ha="center", va="center", fontsize=9,
                    color="white" if dark else "black")
    ax.set_xticks(range(len(ks)), [str(k) for k in ks])
    ax.set_yticks(range(len(agreements)), [f"{a:g}" for a in agreements])
    ax.set(xlabel="drafts per round K", ylabel="draft/target agreement", title=title)
    if colorbar:
        fig.colorbar(image, ax=ax, shrink=0.85, ticks=None if center is None else diverging_ticks(low, center, high))
    return fig


def diverging_ticks(low: float, center: float, high: float) -> list:
    """Colour-bar ticks for a map split at `center`: its two ends, the centre, and round steps
    above it, a few only (the upper half of such a bar is compressed; ticks every 0.5 touch there)."""
    from matplotlib.ticker import MaxNLocator

    above = [t for t in MaxNLocator(nbins=4, steps=[1, 2, 5, 10]).tick_values(center, high) if center < t <= high]
    return sorted({float(low), float(center), *(float(t) for t in above), float(high)})


def plot_speedup_vs_acceptance(x, ks, speedup, low, high, c, verify_growth=0.0, ax=None,
                               theory_curves=True, xlabel="acceptance probability alpha"):
    """Simulated speedup (dots, 95% band) against x for each K, with the theory curve overlaid.

    x: [A] or [A, K], the per-token acceptance probability alpha of each cell (or, to show the
    pitfall, the accepted/drafted fraction with `theory_curves=False`); speedup, low, high:
    [A, K] simulated means and interval ends; c: the cost ratio the simulation used.
    """
    speedup, low, high = (_checks.reals(a, name, ndim=2, low=0.0) for a, name in
                          ((speedup, "speedup"), (low, "low"), (high, "high")))
    _checks.same_size("speedup", speedup, "low", low)
    _checks.same_size("speedup", speedup, "high", high)
    ks = _checks.whole(ks, "ks")
    if speedup.shape[1] != len(ks):
        raise ValueError(f"speedup must have one column per k in ks ({len(ks)}); got shape {speedup.shape}")
    x = _checks.reals(x, "x", ndim=min(max(_checks.as_real_array(x, "x").ndim, 1), 2), low=0.0, high=1.0,
                      allow_nan=True)
    if x.shape not in ((len(speedup),), speedup.shape):
        raise ValueError(f"x must have shape [{len(speedup)}] or {list(speedup.shape)} like speedup; got {x.shape}")
    c = _checks.number(c, "c", 0.0, 100.0)
    verify_growth = _checks.number(verify_growth, "verify_growth", 0.0, 100.0)
    theory_curves = _checks.as_flag(theory_curves, "theory_curves")
    fig, ax = axes(ax, figsize=(7.0, 4.5))
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
    # xlim past 1: the dots at x = 1 (a perfect draft) show whole, not cut in half by the spine
    ax.set(xlabel=xlabel, ylabel="speedup (x)", xlim=(0, 1.02), title=f"{what}, c = {c:g}")
    ax.legend(fontsize=9, loc="upper left")
    return fig


#: Bar colours: a policy faster than plain decoding, and one slower (darker, and hatched: told
#: apart by lightness and pattern, not by hue alone).
WIN, LOSS = "#8fbc8f", "#b55d5d"


def plot_policy_comparison(names, speedups, lows, highs, ax=None, title="Fixed K vs adaptive K"):
    """Bars of simulated speedup per policy with their 95% intervals."""
    speedups = _checks.reals(speedups, "speedups", low=0.0)
    lows, highs = _checks.reals(lows, "lows", low=0.0), _checks.reals(highs, "highs", low=0.0)
    _checks.same_size("speedups", speedups, "lows", lows)
    _checks.same_size("speedups", speedups, "highs", highs)
    if np.any(lows > speedups) or np.any(speedups > highs):
        raise ValueError("lows, speedups and highs must be ordered: lows <= speedups <= highs")
    names = _checks.labels(names, "names", speedups.size)
    fig, ax = axes(ax, figsize=(6.0, 3.5))
    errors = np.vstack([speedups - np.asarray(lows), np.asarray(highs) - speedups])
    x = np.arange(len(names))
    wins = speedups >= 1.0                              # green only for a policy that beats plain decoding
    bars = ax.bar(x, speedups, yerr=errors, capsize=4, color=np.where(wins, WIN, LOSS))
    for bar, win in zip(bars, wins):
        if not win:
            bar.set_hatch("//")
            bar.set_edgecolor("white")
    for xi, s, high in zip(x, speedups, np.asarray(highs)):
        ax.annotate(f"{s:.2f}x", (xi, high), xytext=(0, 3), textcoords="offset points", ha="center",
                    va="bottom", fontsize=9)
    ax.set_ylim(0, max(np.max(highs) * 1.15, 1.1))     # room for the labels above the error bars
    baseline(ax)
    tilted = len(names) > 4 or max(len(name) for name in names) > 8     # side by side they would touch
    ax.set_xticks(x, list(names), fontsize=9, rotation=30 if tilted else 0, ha="right" if tilted else "center",
                  rotation_mode="anchor")
    ax.set(ylabel="speedup (x)", title=title)
    name_shared_y_once(ax)
    return fig

