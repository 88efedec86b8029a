"""What `measure_pair` returns: per-prompt and pooled rows, the cost model, a table, a plot, JSON.

Definitions used throughout:
    alpha          accepted / examined drafts (greedy) or the mean of sum_x min(p, q) over the
                   examined draft positions (sampling); examined = up to and including the first
                   rejection. Pooled over prompts it weights each prompt by its examined drafts.
    speedup        tokens/s of the speculative runner / tokens/s of the strongest plain decoding
                   measured (the fastest of the runner with k = 0, two-row passes through the
                   kernel verification uses, and Hugging Face's `generate`), a median over ABBA
                   half blocks of paired ratios, with its 95% bootstrap interval
    over generate  the same over `generate` (over the stock kernel when `generate` was not timed);
                   it can exceed the tokens per pass by the kernel gain
    kernel gain    strongest plain over `generate` (1 when `generate` is the strongest):
                   speedup over generate = kernel gain x speedup
    formula        speclab.theory.speedup with each k's pooled alpha (i.i.d. acceptance, every round drafts k)
    predicted      the replay prediction of speclab.real.measure.prediction (per prompt, then pooled):
                   the run's own rounds, each draft accepted at its position's measured rate
    proposals      the proposal lengths P(L = l), l = 0..k, and the acceptance per position a_i the
                   rounds showed, and the tokens per pass they predict (speclab.proposals)
Every drafter is timed as a chain of up to k drafts (runners-up left out, chain.py).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, is_dataclass

import numpy as np

from ...interleave import Spread
from ...stats import wilson_interval


@dataclass
class Row:
    """One k on one prompt (or on all prompts pooled): what the runs did, predicted and measured."""

    prompt: str
    k: int
    tokens: int
    rounds: int
    no_draft_rounds: float        # fraction of rounds that drafted nothing
    drafted: int
    accepted: int
    alpha: float
    predicted: Spread             # replay prediction, over blocks
    measured: Spread              # paired speedup, over blocks
    predicted_tokens: float       # replay: expected tokens over the run's rounds (i.i.d. at this alpha)
    token_ratio: float            # measured / predicted tokens per round
    time_ratio: float             # predicted / measured seconds per round
    explanation: str
    flags: list = field(default_factory=list)
    formula: float = float("nan")  # pooled rows only
    examined: int = 0             # drafts alpha averages over (up to and including each round's first rejection)
    measured_stock: Spread | None = None   # paired speedup over plain decoding on the stock kernel
    measured_generate: Spread | None = None   # paired speedup over Hugging Face's generate (when timed)
    length_pmf: list = field(default_factory=list)    # P(L = l), l = 0..k: how many drafts the rounds proposed
    acceptance: list = field(default_factory=list)    # a_i, i = 1..k: accepted / examined at draft position i
    proposal_tokens: float = float("nan")     # tokens per pass predicted from length_pmf and acceptance

    @property
    def measured_reference(self) -> Spread | None:
        """The second column: over `generate` when it was timed, else over the stock kernel."""
        return self.measured_generate if self.measured_generate is not None else self.measured_stock

    @property
    def alpha_interval(self) -> tuple:
        """95% Wilson interval of alpha over the examined drafts (exact for greedy's 0/1 outcomes;
        conservative under sampling, where each draft contributes sum min(p, q) in [0, 1])."""
        return wilson_interval(round(self.alpha * self.examined) if self.examined else 0, self.examined)

    @property
    def tokens_per_round(self) -> float:
        return self.tokens / self.rounds if self.rounds else float("nan")

    @property
    def predicted_tokens_per_round(self) -> float:
        return self.predicted_tokens / self.rounds if self.rounds else float("nan")


@dataclass
class PairMeasurement:
    """Everything measured about one pair, with the predictions set beside it."""

    drafter: str
    ks: list
    blocks: int                   # ABBA blocks; each ran every configuration twice per prompt
    alpha: float                  # pooled over every run (see module docstring)
    acceptance_rate: float        # accepted drafts / drafted tokens, over every run
    c: float                      # draft step / target step (median of paired ratios)
    target_step_seconds: float    # one cached target pass over 1 token (median)
    draft_step_seconds: float
    target_pass_seconds: list     # medians, n = 1..max(ks)+1
    pass_growth: list             # Spread of t(n)/t(1), n = 1..max(ks)+1
    verify_growth: list           # per k: (t(k+1)/t(1) - 1) / k
    formula_speedup: list         # per k
    predicted_speedup: list       # per k, pooled replay prediction (median over blocks)
    measured_speedup: list        # per k, median over blocks
    pooled: list                  # Row per k, all prompts
    rows: list                    # Row per prompt and k
    predicted_k: int              # measured_k.best_k from the pooled alpha, c and measured t(n)/t(1)
    recommended_k: int            # best trustworthy measured k (0: do not speculate)
    baseline_tokens_per_second: float
    n_prompts: int
    max_new_tokens: int
    temperature: float
    baseline: str = "plain decoding, stock kernel"   # the headline baseline: the faster plain decoding timed
    kernel_gain: Spread = field(default_factory=lambda: Spread(1.0, 1.0, 1.0, 1))   # headline over the reference
    measured_stock_speedup: list = field(default_factory=list)   # per k, over stock plain (median)
    two_row_gain: Spread = field(default_factory=lambda: Spread(float("nan"), float("nan"), float("nan"), 0))
    generate_gain: Spread = field(default_factory=lambda: Spread(float("nan"), float("nan"), float("nan"), 0))
    reference: str = "plain decoding, stock kernel"   # the second column's baseline: generate when timed
    threads: int = 0              # torch's intra-op threads while measuring (0: not recorded)

    @property
    def flags(self) -> list:
        """Every guard that fired, as 'k=..., prompt: reason' lines."""
        return [f"k={r.k}, {r.prompt}: {flag}" for r in self.pooled + self.rows for flag in r.flags]

    def to_dict(self) -> dict:
        """Plain JSON types; undefined numbers (NaN, inf) become None, so JSON never holds NaN."""
        return _jsonable(asdict(self) | {"flags": self.flags})

    def table(self) -> str:
        """Two fixed-width tables: the speedups (four columns), then what explains them; and the flags."""
        growth = "  ".join(f"n={n}: {g:.2f}" for n, g in enumerate(self.pass_growth, 1) if n > 1)
        examined = sum(r.examined for r in self.pooled)
        low, high = wilson_interval(round(self.alpha * examined) if examined else 0, examined)
        lines = [f"drafter: {self.drafter}   c = {self.c:.4f}   target step t(1) = "
                 f"{1000 * self.target_step_seconds:.1f} ms" + (f"   torch threads: {self.threads}" if self.threads else ""),
                 f"verification t(n)/t(1): {growth}",
                 f"{self.blocks} ABBA blocks: every configuration ran {2 * self.blocks} times per prompt, "
                 "interleaved; a speedup is the median of paired ratios [95% bootstrap interval]",
                 f"speedups are over the strongest plain decoding measured: {self.baseline}",
                 f"  (tokens/s over the stock kernel's: two-row plain {_fmt(self.two_row_gain)}, "
                 f"generate {_fmt(self.generate_gain)})",
                 f"  over {_short(self.reference)} = kernel gain {self.kernel_gain.median:.2f}x x the speedup; it can "
                 "exceed the tokens per pass by that gain", ""]
        rows = self.pooled + self.rows
        lines += [_SUMMARY_HEADER + f"{'over ' + _short(self.reference):>15}"] + [_summary_row(r) for r in rows]
        lines += ["", f"why (alpha with its 95% Wilson interval; pooled accepted/drafted = "
                  f"{self.acceptance_rate:.3f}, pooled alpha = {self.alpha:.3f} [{low:.2f}-{high:.2f}]):", _DIAGNOSIS_HEADER] + [_diagnosis_row(r) for r in rows]
        lines += ["", "flags (kept out of the recommendation):"] + [f"  {f}" for f in self.flags] if self.flags \
            else ["", "flags: none (no measurement contradicts itself)"]
        lines.append(f"recommended k = {self.recommended_k} (best measured median among rows without flags "
                     f"whose whole spread beats 1); theory's optimal k = {self.predicted_k}")
        return "\n".join(lines)

    def summary(self) -> str:
        """The speedups alone, within 100 characters a line: a header, then one line per k pooled over
        the prompts and per prompt (`table()` adds what explains them, and the flags)."""
        lines = [f"{self.drafter[:40]}: c = {self.c:.4f}, {self.blocks} ABBA blocks",
                 f"speedups over the strongest plain decoding: {self.baseline[:50]}",
                 _SUMMARY_HEADER + f"{'over ' + _short(self.reference):>15}"]
        lines += [_summary_row(r) for r in self.pooled + self.rows]
        flagged = f"{len(self.flags)} flagged (see table())" if self.flags else "no flags"
        return "\n".join(lines + [f"recommended k = {self.recommended_k}; {flagged}"])

    def plot(self, ax=None):
        """Measured speedup per k with its spread, the replay prediction and the one-alpha formula."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        low = [r.measured.median - r.measured.low for r in self.pooled]
        high = [r.measured.high - r.measured.median for r in self.pooled]
        ax.errorbar(self.ks, self.measured_speedup, yerr=[low, high], fmt="s-", capsize=3,
                    label=f"measured (median, 95% interval, {self.blocks} blocks)")
        ax.plot(self.ks, self.predicted_speedup, "o--", label="predicted: per-prompt replay")
        alphas = [r.alpha for r in self.pooled]
        label = (f"formula, alpha = {self.alpha:.2f}" if np.ptp(alphas) < 0.005 else
                 f"formula at each k's own alpha ({min(alphas):.2f}-{max(alphas):.2f})")
        ax.plot(self.ks, self.formula_speedup, ":", color="grey", label=label)
        flagged = [(r.k, r.measured.median) for r in self.pooled if r.flags]
        if flagged:
            ax.plot(*zip(*flagged), "rx", ms=10, mew=2, label="contradicts itself (flagged)")
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set(xlabel="k (most drafts per round)", ylabel=f"speedup over {self.baseline}", title=self.drafter)
        ax.legend(fontsize=8)
        return ax.figure

    def plot_growth(self, ax=None):
        """Measured t(n)/t(1) of the target with its spread: what verifying n tokens at once costs."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        n = list(range(1, len(self.pass_growth) + 1))
        med = [g.median for g in self.pass_growth]
        ax.errorbar(n, med, yerr=[[m - g.low for m, g in zip(med, self.pass_growth)],
                                  [g.high - m for m, g in zip(med, self.pass_growth)]], fmt="o-", capsize=3,
                    label="measured t(n)/t(1)")
        ax.plot(n, n, ":", color="grey", label="n separate passes (t(n) = n t(1))")
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set(xlabel="tokens in one target pass (n)", ylabel="t(n) / t(1)",
               title=f"one target pass over n tokens, t(1) = {1000 * self.target_step_seconds:.0f} ms")
        ax.legend(fontsize=8)
        return ax.figure


#: A prompt's label in the tables (one the package does not name is cut at a word to fit).
PROMPT_LABEL_WIDTH = 17
_SUMMARY_HEADER = f"{'prompt':<{PROMPT_LABEL_WIDTH + 1}}{'k':>3}{'speedup [95%]':>22}{'tokens per pass':>17}"
_DIAGNOSIS_HEADER = (f"{'prompt':<{PROMPT_LABEL_WIDTH + 1}}{'k':>3}{'alpha [95%]':>18}{'no-draft':>9}{'formula':>9}"
                     f"{'predicted':>20}  gap explained by")


def _label(r: Row) -> str:
    return f"{r.prompt[:PROMPT_LABEL_WIDTH]:<{PROMPT_LABEL_WIDTH + 1}}"


def _summary_row(r: Row) -> str:
    mark = "  [flagged]" if r.flags else ""
    second = f"{r.measured_reference.median:.2f}x" if r.measured_reference is not None else "n/a"
    return f"{_label(r)}{r.k:>3}{_fmt(r.measured):>22}{r.tokens_per_round:>17.2f}{second:>15}{mark}"


def _short(baseline: str) -> str:
    """A baseline's name for a column: "generate" or "stock"."""
    return "generate" if "generate" in baseline else "stock"


def _diagnosis_row(r: Row) -> str:
    formula = f"{r.formula:>8.2f}x" if math.isfinite(r.formula) else f"{'':>9}"
    low, high = r.alpha_interval
    alpha = f"{r.alpha:.2f} [{low:.2f}-{high:.2f}]" if r.examined else "n/a"
    return (f"{_label(r)}{r.k:>3}{alpha:>18}{r.no_draft_rounds:>9.0%}{formula}"
            f"{_fmt(r.predicted):>20}  {r.explanation}")



def _fmt(s: Spread) -> str:
    return f"{s.median:.2f}x [{s.low:.2f}-{s.high:.2f}]" if math.isfinite(s.median) else "n/a"


def _jsonable(value):
    """Dataclasses, Spreads, lists and dicts to JSON types, with None for undefined numbers."""
    if isinstance(value, Spread):
        return value.to_dict()
    if is_dataclass(value):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        if set(value) == {"median", "low", "high", "n"}:
            return Spread(**value).to_dict()
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value
