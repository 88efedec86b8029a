"""Which draft? Every candidate measured the same way and placed on the theory's (alpha, c) map.

`survey(target, drafters, tokenizer)` runs `measure_pair` for each draft (greedy, paired ABBA blocks,
every speedup over the strongest plain decoding this package can run), and keeps per draft: alpha
with its 95% Wilson interval, c, the best k the theory picks from alpha, c and the target's measured
t(n)/t(1), and the predicted and measured speedup at that k. `plot()` draws the map
(`speclab.plots.draft_map`); `to_json()` is what `speclab survey --json` prints.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np

from ..._validate import ArgumentTypeError, short_repr
from .pair import measure_pair


@dataclass
class SurveyRow:
    """One draft: what it achieved at its best k, measured and predicted."""

    name: str
    alpha: float
    alpha_low: float
    alpha_high: float
    c: float
    best_k: int
    predicted: float          # speedup at best_k: the formula from alpha, c and the measured t(n)/t(1)
    measured: float           # median of paired ratios over the strongest plain decoding
    measured_low: float
    measured_high: float
    tokens_per_pass: float    # at best_k: tokens / target passes (a speedup above it is impossible)
    verify_cost: float        # t(best_k + 1) / t(1), measured in this draft's own run
    drafted: int = 0          # draft tokens proposed (0: alpha and the prediction are undefined, NaN)
    flags: list = field(default_factory=list)   # measure_pair's guards that fired: the measurement contradicts itself


@dataclass
class Survey:
    rows: list                # one SurveyRow per draft, pooled over the prompts
    prompt_rows: list         # one per draft and prompt, at the draft's pooled best k
    pass_costs: list          # t(n)/t(1) of the target, n = 1..max(ks)+1: the median over every draft's run
    baseline: str
    ks: list
    max_new_tokens: int
    threads: int

    def table(self) -> str:
        """One line per draft (then per draft and prompt); a flagged line is marked and its flags follow."""
        shown = self.rows + (self.prompt_rows if len(self.prompt_rows) > len(self.rows) else [])
        width = max([len("draft")] + [len(r.name) for r in shown])
        lines = [f"every speedup over {self.baseline}, greedy, {self.max_new_tokens} new tokens, "
                 f"ks {self.ks}, torch threads {self.threads}",
                 f"{'draft':<{width}}  {'alpha [95%]':<17}{'c':>6}  {'best k':>6}  {'predicted':>9}  "
                 f"{'measured [min-max]':<18}  {'tokens/pass':>11}"]
        for r in shown:
            alpha = f"{r.alpha:.2f} [{r.alpha_low:.2f}-{r.alpha_high:.2f}]" if r.drafted else "no drafts made"
            measured = f"{r.measured:5.2f}x [{r.measured_low:.2f}-{r.measured_high:.2f}]"
            lines.append(f"{r.name:<{width}}  {alpha:<17}{r.c:6.3f}  {r.best_k:6d}  {r.predicted:8.2f}x  "
                         f"{measured:<18}  {r.tokens_per_pass:11.2f}" + ("  [flagged]" if r.flags else ""))
        flagged = [f"  {r.name}: {flag}" for r in shown for flag in r.flags]
        lines += ["flags (a measurement that contradicts itself; do not read it as a speedup):"] + flagged \
            if flagged else ["flags: none (no measured speedup exceeds what its tokens per target pass allow)"]
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    def plot(self, by_prompt: bool = True, c_max: float | None = None, ax=None):
        """The map: one point per draft and prompt (by_prompt) or per draft; a draft that proposed
        nothing has no alpha and is left off (the table lists it)."""
        from ...plots.draft_map import plot_draft_map

        top = max([r.c for r in self.rows] + [0.1])
        rows = [r for r in (self.prompt_rows if by_prompt else self.rows) if r.drafted]   # no drafts: no alpha
        return plot_draft_map(rows, self.pass_costs, c_max=c_max or min(1.0, 1.15 * top), ax=ax)


def survey(target, drafters: dict, tokenizer=None, prompts=None, ks=(1, 2, 3, 4), max_new_tokens: int = 48,
           repeats: int = 2, progress: bool = True) -> Survey:
    """Measure every draft in `drafters` ({name: drafter or draft model}) against `target` on the
    same prompts, and return a Survey (a table, JSON and the map)."""
    import torch

    if not isinstance(drafters, dict) or not drafters or not all(isinstance(n, str) and n for n in drafters):
        raise ArgumentTypeError(f"drafters must be a non-empty dict of name -> drafter; got {short_repr(drafters)}")
    rows, prompt_rows, costs, measured = [], [], [], None
    for name, drafter in drafters.items():
        measured = measure_pair(target, drafter, tokenizer, prompts=prompts, ks=ks, max_new_tokens=max_new_tokens,
                                repeats=repeats, progress=progress)
        costs.append([g.median for g in measured.pass_growth])
        k = _chosen_k(measured)
        rows.append(_row(name, measured.pooled[measured.ks.index(k)], measured))
        prompt_rows += [_row(f"{name} · {r.prompt}", r, measured) for r in measured.rows if r.k == k]
    return Survey(rows, prompt_rows, np.median(costs, axis=0).tolist(), measured.baseline, list(measured.ks), measured.max_new_tokens,
                  torch.get_num_threads())


def _chosen_k(m) -> int:
    """The k the theory picks from the pooled alpha, c and t(n)/t(1); the best measured k where it
    picks one that was not run (or k = 0, not speculating at all)."""
    if m.predicted_k in m.ks:
        return m.predicted_k
    return m.ks[int(np.nanargmax(m.measured_speedup))]


def _row(name: str, row, m) -> SurveyRow:
    """A SurveyRow from one measured Row (pooled or one prompt) of PairMeasurement `m`."""
    from ... import theory

    k = row.k
    low, high = row.alpha_interval
    growth = m.pass_growth[k].median if k < len(m.pass_growth) else float("nan")
    predicted = float(theory.expected_tokens(row.alpha, k) / (growth + k * m.c)) if row.drafted else float("nan")
    return SurveyRow(name, float(row.alpha), float(low), float(high), float(m.c), int(k), predicted,
                     row.measured.median, row.measured.low, row.measured.high,
                     float(row.tokens / row.rounds) if row.rounds else float("nan"), float(growth),
                     int(row.drafted), list(row.flags))
