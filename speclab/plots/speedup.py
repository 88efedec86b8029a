"""The closed-form curves of speculative decoding: speedup against alpha, k and c; optimal k.

Every number comes from `speclab.theory`; these functions only draw it.
"""

from __future__ import annotations

import numpy as np

from .. import theory
from . import _checks
from ._axes import alpha_colour, axes, baseline, darker

ALPHA_GRID = np.linspace(0.0, 1.0, 201)   # includes alpha = 1: the curves are continuous there


def plot_speedup_vs_alpha(ks=(1, 2, 4, 8), c=0.1, verify_growth=0.0, ax=None,
                          highlight_k=None, point=None, envelope=False):
    """Speedup against alpha, one curve per k; optionally bold `highlight_k` and mark `point`.

    `point` = (alpha, speedup) marks where the learner stands; `envelope` adds the best
    speedup over k (what choosing k optimally buys) as a dashed line.
    """
    ks = _checks.whole(ks, "ks", maximum=MAX_PLOTTED_BEST_K)
    c, verify_growth = _cost(c, verify_growth)
    highlight_k = _checks.optional_count(highlight_k, "highlight_k")
    point, envelope = _checks.point(point, "point"), _checks.as_flag(envelope, "envelope")
    fig, ax = axes(ax)
    for k in ks:
        faded = highlight_k is not None and k != highlight_k
        ax.plot(ALPHA_GRID, theory.speedup(ALPHA_GRID, k, c, verify_growth),
                linewidth=1.2 if faded else 2.2, alpha=0.6 if faded else 1.0, label=f"K = {k}")
    if envelope:
        best = theory.optimal_k(ALPHA_GRID, c, verify_growth=verify_growth)
        ax.plot(ALPHA_GRID, theory.speedup(ALPHA_GRID, best, c, verify_growth), "k:",
                linewidth=1.5, label="best K")
    if point is not None:
        ax.plot(*point, "o", color="black", markersize=7, zorder=5)
    baseline(ax)
    ax.set(xlabel="acceptance probability alpha", ylabel="speedup (x)", xlim=(0, 1),
           title=f"Speedup vs alpha (c = {c:g})")
    ax.legend(fontsize=9, loc="upper left")
    return fig


def plot_speedup_vs_k(alphas=(0.5, 0.7, 0.8, 0.9, 0.95), c=0.1, verify_growth=0.0, k_max=12,
                      ax=None, mark_k=None):
    """Speedup against k for several alphas, with each curve's best k starred."""
    alphas = _checks.reals(alphas, "alphas", low=0.0, high=1.0)
    c, verify_growth = _cost(c, verify_growth)
    k_max = _checks.as_count(k_max, "k_max", 1, MAX_PLOTTED_BEST_K)
    mark_k = _checks.optional_count(mark_k, "mark_k")
    fig, ax = axes(ax)
    for alpha in alphas:
        _curve_with_best_k(ax, alpha, c, verify_growth, k_max, label=f"alpha = {alpha:g}", color=alpha_colour(alpha))
    if mark_k is not None:
        ax.axvline(mark_k, color="black", linewidth=1, alpha=0.5)
    baseline(ax)
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.45 * (high - low))     # headroom: the legend sits above the curves, not on them
    ax.set(xlabel="drafts per round K", ylabel="speedup (x)", title=f"Speedup vs K (c = {c:g}; \u2605 = best K)")
    ax.legend(fontsize=9, loc="upper left", ncols=2, columnspacing=1.0, handlelength=1.5)
    return fig


def plot_speedup_vs_cost(alphas=(0.5, 0.7, 0.85, 0.95), k=4, verify_growth=0.0, c_max=0.5, ax=None):
    """Speedup against the cost ratio c for several alphas at a fixed k."""
    alphas = _checks.reals(alphas, "alphas", low=0.0, high=1.0)
    k = _checks.as_count(k, "k", 0, MAX_PLOTTED_BEST_K)
    verify_growth = _checks.number(verify_growth, "verify_growth", 0.0, MAX_PLOTTED_COST)
    c_max = _checks.number(c_max, "c_max", 1e-9, MAX_PLOTTED_COST)
    fig, ax = axes(ax)
    cs = np.linspace(0.0, c_max, 101)
    for alpha in alphas:
        ax.plot(cs, theory.speedup(alpha, k, cs, verify_growth), linewidth=2, label=f"alpha = {alpha:g}",
                color=alpha_colour(alpha))                      # by value: the same alpha, the same colour
    baseline(ax)
    ax.set(xlabel="cost ratio c = draft step / target step", ylabel="speedup (x)", xlim=(0, c_max),
           title=f"Speedup vs cost ratio (K = {k})")
    ax.legend(fontsize=9)
    return fig


def plot_optimal_k(cs=(0.02, 0.05, 0.1, 0.2), verify_growth=0.0, k_max=32, ax=None, point=None):
    """The best k against alpha, one step curve per cost ratio c (0 = do not speculate)."""
    cs = _checks.reals(cs, "cs", low=0.0, high=MAX_PLOTTED_COST)
    verify_growth = _checks.number(verify_growth, "verify_growth", 0.0, MAX_PLOTTED_COST)
    k_max = _checks.as_count(k_max, "k_max", 1, MAX_PLOTTED_BEST_K)
    point = _checks.point(point, "point")
    fig, ax = axes(ax)
    alphas = np.linspace(0.0, 0.99, 199)
    for c in cs:
        ax.step(alphas, theory.optimal_k(alphas, c, k_max=k_max, verify_growth=verify_growth),
                where="mid", linewidth=2, label=f"c = {c:g}")
    if point is not None:
        ax.plot(*point, "o", color="black", markersize=7, zorder=5)
    # The search stops at k_max: a curve flat at the cap means "k_max or more".
    ax.axhline(k_max, color="black", linestyle=":", linewidth=1, label=f"search cap K = {k_max}")
    # ylim below 0: the K = 0 stretches (do not speculate) show above the bottom spine, not on it
    ax.set(xlabel="acceptance probability alpha", ylabel="best K (capped)", xlim=(0, 1),
           ylim=(-0.025 * k_max, k_max * 1.08), title=f"Optimal K vs alpha (searched up to K = {k_max})")
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(0.0, 0.9))     # below the cap line, left of the climb
    return fig


def plot_accepted_fraction(ks=(1, 2, 4, 8), ax=None):
    """What accepted/drafted converges to, against alpha: only the k = 1 curve is the diagonal.

    The diagonal is drawn first and thin, so the k = 1 curve that lies on it stays visible.
    """
    ks = _checks.whole(ks, "ks", minimum=1, maximum=MAX_PLOTTED_BEST_K)
    fig, ax = axes(ax)
    ax.plot([0, 1], [0, 1], color="black", linewidth=5, alpha=0.18, label="alpha itself", zorder=1)
    for k in ks:
        ax.plot(ALPHA_GRID, theory.accepted_fraction(ALPHA_GRID, k), linewidth=2, zorder=2,
                linestyle="--" if k == 1 else "-", label=f"K = {k}" + (" (on the diagonal)" if k == 1 else ""))
    ax.set(xlabel="acceptance probability alpha", ylabel="accepted / drafted", xlim=(0, 1), ylim=(0, 1),
           title="accepted/drafted is not alpha")
    ax.legend(fontsize=9, loc="upper left")
    return fig


def plot_verify_growth(alpha=0.8, c=0.05, growths=(0.0, 0.02, 0.05, 0.1), k_max=16, ax=None):
    """Speedup against k when verifying k+1 tokens costs 1 + g*k target steps, one curve per verify growth g."""
    alpha = _checks.number(alpha, "alpha", 0.0, 1.0)
    c = _checks.number(c, "c", 0.0, MAX_PLOTTED_COST)
    growths = _checks.reals(growths, "growths", low=0.0, high=MAX_PLOTTED_COST)
    k_max = _checks.as_count(k_max, "k_max", 1, MAX_PLOTTED_BEST_K)
    fig, ax = axes(ax)
    for growth in growths:
        _curve_with_best_k(ax, alpha, c, growth, k_max, label=f"g = {growth:g}")
    baseline(ax)
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.45 * (high - low))     # headroom: the legend sits above the curves
    ax.set(xlabel="drafts per round K", ylabel="speedup (x)",
           title=f"Costlier verification (alpha = {alpha:g}, c = {c:g})")
    ax.legend(fontsize=9, title_fontsize=9, title="verify growth g (per draft)", loc="upper right", ncols=2)
    return fig


#: How far past a plot's last k a capped best k is searched (and named on the plot); also the
#: largest k a figure draws.
MAX_PLOTTED_BEST_K = 256

#: The largest cost ratio c or verify growth g a figure draws (beyond it every speedup is ~0).
MAX_PLOTTED_COST = 100.0


def _cost(c, verify_growth) -> tuple:
    """c and verify_growth as numbers in [0, MAX_PLOTTED_COST]."""
    return (_checks.number(c, "c", 0.0, MAX_PLOTTED_COST),
            _checks.number(verify_growth, "verify_growth", 0.0, MAX_PLOTTED_COST))


def _curve_with_best_k(ax, alpha, c, verify_growth, k_max, label, color=None):
    """Speedup for k = 0..k_max as one line, its best k starred in the line's colour."""
    ks = np.arange(0, k_max + 1)
    gains = theory.speedup(alpha, ks, c, verify_growth)
    line, = ax.plot(ks, gains, "o-", markersize=3, linewidth=1.5, label=label, color=color)
    best = theory.optimal_k(alpha, c, k_max=k_max, verify_growth=verify_growth)
    beyond = theory.optimal_k(alpha, c, k_max=MAX_PLOTTED_BEST_K, verify_growth=verify_growth)
    if beyond > k_max:       # the best k lies past the axis: a hollow star at the edge says so
        ax.plot(k_max, gains[k_max], "*", markerfacecolor="white", color=line.get_color(), markersize=13, zorder=5)
        ax.annotate(f"best K = {beyond} ({theory.speedup(alpha, beyond, c, verify_growth):.2f}x) \u2192",
                    (k_max, gains[k_max]), xytext=(4, 8), textcoords="offset points", ha="right",
                    va="bottom", fontsize=9, color=darker(line.get_color()))    # just above its star
        return
    ax.plot(best, gains[best], "*", color=line.get_color(), markersize=13, zorder=5)
