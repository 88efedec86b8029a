"""The acceptance rule as a picture: p and q side by side, their overlap, and the residual."""

from __future__ import annotations

import numpy as np

from .. import theory
from ..verify import residual
from . import _checks
from ._axes import DRAFT, OVERLAP, RESIDUAL, TARGET, axes


def _order(p, labels):
    """Tokens sorted by target probability, most likely first, with their tick labels."""
    order = np.argsort(-np.asarray(p), kind="stable")
    names = [str(t) for t in order] if labels is None else [labels[t] for t in order]
    return order, names


def plot_acceptance(p, q, ax=None, labels=None):
    """Bars of p and q per token; the green ticks mark min(p, q), whose total is alpha."""
    p, q = _checks.distribution(p, "p"), _checks.distribution(q, "q")
    _checks.same_size("p", p, "q", q)
    labels = None if labels is None else _checks.labels(labels, "labels", p.size)
    fig, ax = axes(ax, figsize=(7.0, 3.5))
    order, names = _order(p, labels)
    x = np.arange(len(order))
    ax.bar(x - 0.2, p[order], width=0.4, color=TARGET, label="p (target)")
    ax.bar(x + 0.2, q[order], width=0.4, color=DRAFT, label="q (draft)")
    ax.hlines(np.minimum(p, q)[order], x - 0.4, x + 0.4, color=OVERLAP, linewidth=2.5,
              label="min(p, q)")
    alpha = theory.acceptance_rate(p, q)
    ax.set_xticks(x, names, fontsize=9)
    ax.set(xlabel="token (most likely under p first)", ylabel="probability",
           title=f"alpha = sum of min(p, q) = {alpha:.3f}")
    ax.legend(fontsize=9)
    return fig


def plot_residual(p, q, ax=None, labels=None):
    """The residual norm(max(0, p - q)): where a rejected draft's replacement is drawn from."""
    p, q = _checks.distribution(p, "p"), _checks.distribution(q, "q")
    _checks.same_size("p", p, "q", q)
    labels = None if labels is None else _checks.labels(labels, "labels", p.size)
    fig, ax = axes(ax, figsize=(7.0, 3.5))
    order, names = _order(p, labels)
    x = np.arange(len(order))
    ax.bar(x, p[order], width=0.8, color=TARGET, alpha=0.25, label="p (for reference)")
    ax.bar(x, residual(p, q)[order], width=0.5, color=RESIDUAL, label="residual")
    ax.set_xticks(x, names, fontsize=9)
    ax.set(xlabel="token (most likely under p first)", ylabel="probability",
           title="Residual: only tokens the draft under-proposes")
    ax.legend(fontsize=9)
    return fig
