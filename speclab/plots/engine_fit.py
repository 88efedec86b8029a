"""Figure for an engine's fitted acceptance profile: per-depth rates with intervals against i.i.d."""

from __future__ import annotations

import numpy as np

from . import _checks
from ._axes import DRAFT, TARGET, axes
from .lossless import format_p_value


def plot_engine_fit(fit, ax=None):
    """Conditional rate per depth (with its interval) against the fitted alpha, and the unconditional
    rate against alpha^i; `fit` is a speclab.engines.ProfileFit."""
    from ..engines.profile import ProfileFit

    fit = _checks.instance(fit, ProfileFit, "fit", "a ProfileFit (from speclab.engines.fit_profile)")
    fig, ax = axes(ax, figsize=(6.5, 4.2))
    depth = np.arange(1, fit.k + 1)
    ax.errorbar(depth, fit.conditional, yerr=[fit.conditional - fit.low, fit.high - fit.conditional], fmt="o",
                color=TARGET, capsize=4, label=f"measured P(accept depth i | reached it), {fit.confidence:.0%} interval")
    ax.axhline(fit.alpha, color=TARGET, linestyle="--", linewidth=1.2, label=f"i.i.d. fit: alpha = {fit.alpha:.3f}")
    ax.plot(depth, fit.unconditional, "s", color=DRAFT, markerfacecolor="none", markersize=7,
            label="measured P(drafts 1..i all accepted), the dot at i = 1")
    ax.plot(depth, fit.alpha ** depth, ":", color=DRAFT, linewidth=1.5, label="i.i.d.: alpha^i")
    ax.set(xlabel="draft depth i", ylabel="acceptance rate", ylim=(0, 1.05), xticks=depth,
           title=f"Per-depth acceptance vs i.i.d. (likelihood-ratio p {format_p_value(fit.p_value)}); "
                 f"best k = {fit.best_k}")
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.14))   # below the axes: off the points
    return fig
