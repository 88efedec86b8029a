"""Where each draft sits on the theory's map: speedup at the best k over (alpha, c), with iso-speedup lines.

The background is what notebook 03's formula promises at each (alpha, c) once k is chosen well,
with the target's measured cost of a pass over n tokens, t(n)/t(1), in place of a straight line:

    speedup(alpha, c) = max over k of  (1 + alpha + ... + alpha^k) / (t(k+1)/t(1) + k c)

A draft is a point: its measured alpha and c. Beside it, the speedup the map predicts there and
the one measured over the strongest plain decoding, so a learner sees at once why a cheap draft
that is rarely right, or an accurate one that costs too much, lands where it does.

The background assumes a chain: k drafts every round. A copying draft (prompt lookup, a suffix
store) often proposes fewer, or none; its measured alpha would then promise far more than it
delivers. A record that carries `effective_alpha` (speclab.proposals.effective_alpha: the alpha
at which a chain emits as many tokens per pass as the draft's proposals predict) is drawn hollow
at its measured alpha and filled where its proposals place it, an arrow between the two.
"""

from __future__ import annotations

import numpy as np

from .. import theory
from ..measured_k import as_pass_costs
from .._validate import (ArgumentTypeError, as_nonnegative, as_real_array, as_real_in, as_unit_interval,
                         check_memory, short_repr)
from ._axes import axes

#: Iso-speedup lines drawn on the map.
LEVELS = (1.0, 1.25, 1.5, 2.0, 3.0)

#: Points whose c lie closer than DODGE * c_max are spread that far apart sideways, so that each
#: point and its interval stay visible (prompts of one draft often share c; so do the free drafts).
DODGE = 0.02
#: Marker shape per prompt (a draft's name "kind · prompt"), so equal (alpha, c) stay distinguishable.
MARKERS = ("o", "s", "^", "D", "v", "P")
#: What every draft record holds (dicts, or objects such as speclab.real's SurveyRow).
FIELDS = ("name", "alpha", "alpha_low", "alpha_high", "c", "predicted", "measured")
#: An effective alpha this close to the measured one is not drawn apart (a chain, or nearly).
APART = 0.01


def best_speedup_grid(alphas, cs, pass_costs) -> np.ndarray:
    """max over k of expected tokens / (t(k+1)/t(1) + k c), for every alpha (rows) and c (columns).

    pass_costs: t(n)/t(1) for n = 1..K+1; k runs over 0..K (k = 0 is plain decoding, speedup 1).
    """
    alphas = np.ravel(as_unit_interval(alphas, "alphas"))[:, None, None]
    cs = np.ravel(as_nonnegative(cs, "cs"))[None, :, None]
    costs = as_pass_costs(pass_costs)
    check_memory(3 * 8.0 * alphas.size * cs.size * costs.size, "a speedup map of that size",
                 "alphas, cs or pass_costs")
    ks = np.arange(costs.size)[None, None, :]
    tokens = theory.expected_tokens(np.clip(alphas, 0.0, 1.0), ks)
    with np.errstate(over="ignore"):             # a c near float's range: drafting costs forever, speedup 0
        return (tokens / (costs[None, None, :] / costs[0] + cs * ks)).max(axis=-1)


def plot_draft_map(drafts, pass_costs, c_max: float = 0.6, ax=None):
    """Every draft as a point on the (alpha, c) map; drafts: records (dicts or objects) with name,
    alpha, alpha_low, alpha_high, c, predicted and measured (speedups at the draft's best k), and
    optionally flags, effective_alpha and chain_predicted (the chain formula's promise). Returns the figure."""
    drafts = _as_drafts(drafts)
    c_max = as_nonnegative(c_max, "c_max", scalar=True)
    if c_max <= 0:
        raise ValueError(f"c_max must be a number > 0 (the map's largest c); got {short_repr(c_max)}")
    alphas, cs = np.linspace(0.0, 1.0, 201), np.linspace(0.0, c_max, 161)    # fine enough for smooth lines
    grid = best_speedup_grid(alphas, cs, pass_costs)
    fig, ax = axes(ax, figsize=(7.5, 5.0))
    top = max(3.0, float(grid.max()))
    bands = np.unique(np.clip(np.r_[grid.min(), 1.0, np.linspace(1.0, top, 11), top], grid.min(), top))
    shade = ax.contourf(cs, alphas, grid, levels=bands, cmap="Greens", vmin=1.0, vmax=top)   # vector bands
    lines = ax.contour(cs, alphas, grid, levels=[v for v in LEVELS if v <= grid.max()], colors="0.35",
                       linewidths=0.9)
    ax.clabel(lines, fmt=lambda v: f"{v:g}x", fontsize=9)
    fig.colorbar(shade, ax=ax, label="speedup at the best k (theory, measured t(n)/t(1))", format="%.1fx")
    kinds, prompts = {}, {}                  # colour by draft kind, marker by prompt, in order of appearance
    cs = _dodged([min(d["c"], c_max) for d in drafts], DODGE * c_max)
    moved = False
    for d, c in zip(drafts, cs):
        kind, prompt = str(d["name"]).partition(" \u00b7 ")[::2]
        colour = kinds.setdefault(kind, f"C{len(kinds) % 10}")
        marker = prompts.setdefault(prompt, MARKERS[len(prompts) % len(MARKERS)])
        moved |= _draw(ax, d, c, marker, colour)
    # a little room beyond the map, so a point at c = 0 or alpha = 0 (or dodged left of it) shows whole
    left = min([-0.02 * c_max] + [c - 0.025 * c_max for c in cs])
    spread = any(abs(a - b) > 1e-12 for a, b in zip(cs, (min(d["c"], c_max) for d in drafts)))
    ax.set(xlabel="c = draft step / target step" + (" (nearly equal c spread apart)" if spread else ""),
           ylabel="alpha (95% interval)", xlim=(left, c_max),
           ylim=(-0.03, 1.03), title="Which draft? Each one on the speedup map")
    if drafts:                                                    # below the map: it hides no point
        ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1,   # one column: within 1,000 px
                  frameon=False, title_fontsize=9,
                  title="hollow: measured alpha; filled: the alpha of a chain as good as its proposals"
                  if moved else None)
    return fig


def _draw(ax, d: dict, c: float, marker: str, colour) -> bool:
    """One draft: its alpha with the interval; when its proposals place it elsewhere (effective
    alpha), hollow there, an arrow down to a filled point. True when it was moved."""
    alpha, low, high, effective = d["alpha"], d["alpha_low"], d["alpha_high"], d["effective_alpha"]
    moved = np.isfinite(effective) and abs(effective - alpha) > APART
    ax.errorbar([c], [alpha], yerr=[[alpha - low], [high - alpha]], fmt=marker, color=colour, capsize=3,
                markersize=7, markeredgecolor="black", label=None if moved else _label(d),
                markerfacecolor="white" if moved else colour)
    if moved:
        ax.annotate("", xy=(c, effective), xytext=(c, alpha),
                    arrowprops=dict(arrowstyle="->", color=colour, lw=1.2, linestyle=":"))
        ax.plot([c], [effective], marker, color=colour, markersize=7, markeredgecolor="black", label=_label(d))
    return bool(moved)


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


def _label(d: dict) -> str:
    """The legend entry; a measurement that contradicts itself (a guard fired) is never shown bare;
    a draft moved by its proposals shows what the chain formula would have promised."""
    chain = f", chain {d['chain_predicted']:.2f}x" if np.isfinite(d["chain_predicted"]) and \
        abs(d["effective_alpha"] - d["alpha"]) > APART else ""
    return (f"{d['name']}: measured {_x(d['measured'])}{' [flagged]' if d['flags'] else ''}, "
            f"map {_x(d['predicted'])}{chain}")


def _x(speedup: float) -> str:
    return f"{speedup:.2f}x" if np.isfinite(speedup) else "n/a"


# ----------------------------------------------------------------------------- checks

def _as_drafts(drafts) -> list:
    """The records as checked dicts of plain values; one error naming the record and its field."""
    if not isinstance(drafts, (list, tuple)):
        raise ArgumentTypeError(f"drafts must be a list of records (dicts or SurveyRows) with {', '.join(FIELDS)}; "
                                f"got {short_repr(drafts)} ({type(drafts).__name__})")
    return [_as_draft(record, i) for i, record in enumerate(drafts)]


def _as_draft(record, i: int) -> dict:
    def field(name, default=None):
        value = record.get(name, default) if isinstance(record, dict) else getattr(record, name, default)
        if value is None and default is None:
            raise ValueError(f"drafts[{i}] lacks {name!r}: each draft needs {', '.join(FIELDS)}")
        return value

    if isinstance(record, (str, bytes)) or not (isinstance(record, dict) or hasattr(record, "alpha")):
        raise ArgumentTypeError(f"drafts[{i}] must be a record (a dict or a SurveyRow) with {', '.join(FIELDS)}; "
                                f"got {short_repr(record)}")
    where = f"drafts[{i}]"
    d = {name: as_real_in(field(name), f"{where}['{name}']", 0.0, 1.0) for name in ("alpha", "alpha_low", "alpha_high")}
    if not d["alpha_low"] <= d["alpha"] <= d["alpha_high"]:
        raise ValueError(f"{where}: alpha_low <= alpha <= alpha_high must hold; got {d['alpha_low']:g}, "
                         f"{d['alpha']:g}, {d['alpha_high']:g}")
    d["c"] = as_nonnegative(field("c"), f"{where}['c']", scalar=True)
    for name, default in (("measured", None), ("predicted", None), ("chain_predicted", float("nan")),
                          ("effective_alpha", float("nan"))):
        d[name] = float(as_real_array(field(name, default), f"{where}['{name}']", scalar=True))
    if np.isfinite(d["effective_alpha"]):
        as_real_in(d["effective_alpha"], f"{where}['effective_alpha']", 0.0, 1.0)
    flags = field("flags", ())
    if isinstance(flags, (str, bytes)) or not isinstance(flags, (list, tuple)):
        raise ArgumentTypeError(f"{where}['flags'] must be a list of strings; got {short_repr(flags)}")
    d["name"], d["flags"] = str(field("name")), list(flags)
    return d
