"""A fitted per-position profile as text: the table, the i.i.d. verdict, the recommended k."""

from __future__ import annotations

import textwrap

import numpy as np

from .._validate import ArgumentTypeError
from .profile import ProfileFit

#: Below this p-value the report says the i.i.d. model does not describe the counts.
IID_REJECT_P = 0.01


#: The widest line a report prints (a notebook shows 100 characters without wrapping).
WIDTH = 100

def profile_report(fit: ProfileFit, source: str) -> str:
    """Several lines: what was read, the per-depth table, the i.i.d. fit and test, and the best k."""
    if not isinstance(fit, ProfileFit):
        raise ArgumentTypeError(f"fit must be a ProfileFit (from fit_profile); got {type(fit).__name__}")
    if not isinstance(source, str):
        raise ArgumentTypeError(f"source must be a str naming what was read; got {type(source).__name__}")
    level = f"{fit.confidence:.0%}"
    lines = [f"{source}: {fit.drafts:,} rounds of k = {fit.k} drafts, mean acceptance length "
             f"{fit.mean_acceptance_length:.3f} (1 + accepted / drafts, bonus token included)",
             f"{'depth':>5}  {'reached':>9}  {'accepted':>9}  {'conditional':>11}  {level + ' interval':>18}  "
             f"{'unconditional':>13}  {'alpha^i':>8}"]
    for i in range(fit.k):
        rate = "-" if np.isnan(fit.conditional[i]) else f"{fit.conditional[i]:.4f}"
        lines.append(f"{i + 1:>5}  {fit.tries[i]:>9,.0f}  {fit.accepted[i]:>9,.0f}  {rate:>11}  "
                     f"[{fit.low[i]:.4f}, {fit.high[i]:.4f}]  {fit.unconditional[i]:>13.4f}  "
                     f"{fit.alpha ** (i + 1):>8.4f}")
    p_value = "p < 1e-300" if fit.p_value < 1e-300 else f"p = {fit.p_value:.3g}"     # 0.0 is an underflow
    lines.append(f"i.i.d. fit: alpha = {fit.alpha:.4f} [{fit.alpha_low:.4f}, {fit.alpha_high:.4f}] (maximum "
                 f"likelihood); one alpha at every depth vs a rate per depth: likelihood-ratio {p_value}, "
                 f"largest deviation {fit.max_deviation:.4f} at depth {fit.max_deviation_depth}")
    lines.append(_verdict(fit))
    lines.append(f"best k under the measured rates (c = {fit.cost:g}, verify_growth = {fit.verify_growth:g}): "
                 f"k = {fit.best_k}, predicted speedup {fit.speedup:.3f}x (at the engine's k = {fit.k}: "
                 f"{fit.speedups[fit.k]:.3f}x); the counters measure depths 1..{fit.k} only")
    if fit.summed:
        lines.append(f"note: the counts are {fit.summed} (each checked on its own first)")
    if fit.short_drafts:
        lines.append("note: some rounds drafted fewer than k tokens (draft tokens < drafts x k); a depth a "
                     "round did not draft counts as not accepted, so deep rates read low")
    return "\n".join(textwrap.fill(line, WIDTH, subsequent_indent="  ", break_on_hyphens=False)
                     if len(line) > WIDTH else line for line in lines)


def _verdict(fit: ProfileFit) -> str:
    if fit.k == 1:
        return "one depth only: nothing to test the i.i.d. model against"
    if fit.p_value < IID_REJECT_P:
        return (f"the i.i.d. model does not hold here (p < {IID_REJECT_P:g}): it would choose k = "
                f"{fit.iid_best_k}; trust the measured rates")
    return f"the counts are consistent with i.i.d. acceptance (p >= {IID_REJECT_P:g}); it would choose k = {fit.iid_best_k}"
