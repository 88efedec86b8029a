"""Where each draft sits on the theory's map: speedup at the best k over (alpha, c), with iso-speedup lines.

The background is what notebook 03's formula promises at each (alpha, c) once k is chosen well,
with the target's measured cost of a pass over n tokens, t(n)/t(1), in place of a straight line:

    speedup(alpha, c) = max over k of  (1 + alpha + ... + alpha^k) / (t(k+1)/t(1) + k c)

A draft is a point: its measured alpha and c. Beside it, the speedup the map predicts there and
the one measured over the strongest plain decoding, so a learner sees at once why a cheap draft
that is rarely right, or an accurate one that costs too much, lands where it does.
"""

from __future__ import annotations

import numpy as np

from .. import theory
from ._axes import axes

#: Iso-speedup lines drawn on the map.
LEVELS = (1.0, 1.25, 1.5, 2.0, 3.0)

#: Points whose c lie closer than DODGE * c_max are spread that far apart sideways, so that each
#: point and its interval stay visible (prompts of one draft often share c; so do the free drafts).
DODGE = 0.02
#: Marker shape per prompt (a draft's name "kind · prompt"), so equal (alpha, c) stay distinguishable.
MARKERS = ("o", "s", "^", "D", "v", "P")


def best_speedup_grid(alphas, cs, pass_costs) -> np.ndarray:
    """max over k of expected tokens / (t(k+1)/t(1) + k c), for every alpha (rows) and c (columns).

    pass_costs: t(n)/t(1) for n = 1..K+1; k runs over 0..K (k = 0 is plain decoding, speedup 1).
    """
    alphas = np.asarray(alphas, dtype=float)[:, None, None]
    cs = np.asarray(cs, dtype=float)[None, :, None]
    costs = np.asarray(pass_costs, dtype=float)
    if costs.ndim != 1 or costs.size < 1 or not np.all(np.isfinite(costs)) or np.any(costs <= 0):
        raise ValueError(f"pass_costs must be positive finite t(n)/t(1), n = 1, 2, ...; got {pass_costs!r}")
    ks = np.arange(costs.size)[None, None, :]
    tokens = theory.expected_tokens(np.clip(alphas, 0.0, 1.0), ks)
    return (tokens / (costs[None, None, :] / costs[0] + cs * ks)).max(axis=-1)


def plot_draft_map(drafts, pass_costs, c_max: float = 0.6, ax=None):
    """Every draft as a point on the (alpha, c) map; drafts: records with name, alpha, alpha_low,
    alpha_high, c, predicted and measured (speedups at the draft's best k). Returns the figure."""
    fig, ax = axes(ax, figsize=(7.5, 5.0))
    alphas, cs = np.linspace(0.0, 1.0, 201), np.linspace(0.0, c_max, 161)    # fine enough for smooth lines
    grid = best_speedup_grid(alphas, cs, pass_costs)
    top = max(3.0, float(grid.max()))
    bands = np.unique(np.clip(np.r_[grid.min(), 1.0, np.linspace(1.0, top, 11), top], grid.min(), top))
    shade = ax.contourf(cs, alphas, grid, levels=bands, cmap="Greens", vmin=1.0, vmax=top)   # vector bands
    lines = ax.contour(cs, alphas, grid, levels=[v for v in LEVELS if v <= grid.max()], colors="0.35",
                       linewidths=0.9)
    ax.clabel(lines, fmt=lambda v: f"{v:g}x", fontsize=8)
    fig.colorbar(shade, ax=ax, label="speedup at the best k (theory, measured t(n)/t(1))", format="%.1fx")
    kinds, prompts = {}, {}                  # colour by draft kind, marker by prompt, in order of appearance
    cs = _dodged([min(_get(d, "c"), c_max) for d in drafts], DODGE * c_max)
    for d, c in zip(drafts, cs):
        kind, prompt = _kind_and_prompt(d)
        colour = kinds.setdefault(kind, f"C{len(kinds) % 10}")
        marker = prompts.setdefault(prompt, MARKERS[len(prompts) % len(MARKERS)])
        alpha, low, high = _get(d, "alpha"), _get(d, "alpha_low"), _get(d, "alpha_high")
        ax.errorbar([c], [alpha], yerr=[[alpha - low], [high - alpha]], fmt=marker, color=colour, capsize=3,
                    markersize=7, markeredgecolor="black", label=_label(d))
    # a little room beyond the map, so a point at c = 0 or alpha = 0 (or dodged left of it) shows whole
    left = min([-0.02 * c_max] + [c - 0.025 * c_max for c in cs])
    spread = any(abs(a - b) > 1e-12 for a, b in zip(cs, (min(_get(d, "c"), c_max) for d in drafts)))
    ax.set(xlabel="c = draft step / target step" + (" (nearly equal c spread apart)" if spread else ""),
           ylabel="alpha (95% interval)", xlim=(left, c_max),
           ylim=(-0.03, 1.03), title="Which draft? Each one on the speedup map")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2 if len(drafts) > 6 else 1,
              frameon=False)                                      # below the map: it hides no point
    return fig


def _dodged(cs, step: float) -> list:
    """cs with each run of values closer than `step` spread evenly, `step` apart, around its mean."""
    order = sorted(range(len(cs)), key=lambda i: cs[i])
    runs = []
    for i in order:
        if runs and cs[i] - cs[runs[-1][-1]] < step:
            runs[-1].append(i)
        else:
            runs.append([i])
    out = list(cs)
    for run in runs:
        centre = sum(cs[i] for i in run) / len(run)
        for j, i in enumerate(run):
            out[i] = centre + (j - (len(run) - 1) / 2) * step if len(run) > 1 else cs[i]
    return out


def _kind_and_prompt(record) -> tuple:
    """("prompt lookup", "fix grammar") from the name "prompt lookup · fix grammar"; ("name", "") without a prompt."""
    name = record["name"] if isinstance(record, dict) else record.name
    kind, _, prompt = str(name).partition(" \u00b7 ")
    return kind, prompt


def _get(record, name: str) -> float:
    value = record[name] if isinstance(record, dict) else getattr(record, name)
    return float(value)


def _label(d) -> str:
    """The legend entry; a measurement that contradicts itself (a guard fired) is never shown bare."""
    name = d["name"] if isinstance(d, dict) else d.name
    flags = (d.get("flags") if isinstance(d, dict) else getattr(d, "flags", None)) or []
    return (f"{name}: measured {_get(d, 'measured'):.2f}x{' [flagged]' if flags else ''}, "
            f"map {_get(d, 'predicted'):.2f}x")
