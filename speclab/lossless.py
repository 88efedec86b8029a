"""The losslessness experiment: run many rounds of a rule and compare emitted tokens with p.

With position-wise distributions (p_j does not depend on earlier tokens, as in a synthetic
pair), a lossless rule emits, at every output position j that a round reaches, a token
distributed exactly as p_j. We count those tokens and ask a chi-square test whether the counts
could have come from p_j. A broken rule (see `speclab.broken`) fails at some position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import ArgumentTypeError, as_count, as_probability_rows
from .limits import MAX_LOSSLESS_ROUNDS
from .verify import sample_categorical, verify


@dataclass(frozen=True)
class LosslessReport:
    """Token counts per output position and the chi-square verdict against p at each."""

    counts: np.ndarray       # [k+1, V]: how often each token was emitted at output position j
    p: np.ndarray            # [k+1, V]: the target distributions the counts should follow
    statistics: np.ndarray   # [k+1]: chi-square statistic per position
    p_values: np.ndarray     # [k+1]: chi-square p-value per position

    def passes(self, level: float = 0.001) -> bool:
        """True when no position's p-value falls below `level` (the counts are consistent with p)."""
        return bool(np.all(self.p_values >= level))

    def summary(self, level: float = 0.001) -> str:
        """One line per output position: rounds that reached it, the p-value, and the verdict.

        p-values are shown to two decimals, or as "< 1e-6": stable text across machines.
        """
        lines = []
        for j, (row, p_value) in enumerate(zip(self.counts, self.p_values)):
            shown = "< 1e-6" if p_value < 1e-6 else f"{p_value:.2f}"
            verdict = "consistent with p" if p_value >= level else "NOT distributed as p"
            lines.append(f"position {j}: {int(row.sum()):>6} tokens, chi-square p-value {shown:>6}  ->  {verdict}")
        return "\n".join(lines)


def emitted_token_counts(rule, p, q, rounds: int = 20_000, seed: int = 0) -> np.ndarray:
    """Run `rounds` independent rounds of `rule(p, q, drafts, rng)`; count tokens per output position.

    p: [k+1, V], q: [k, V]. Each round drafts k tokens from q, lets the rule decide, and adds
    each emitted token (the accepted drafts, then the correction or bonus) to its position's row.
    rounds is at most limits.MAX_LOSSLESS_ROUNDS; from 100,000 rounds a progress bar shows.
    """
    from tqdm.auto import tqdm

    if not callable(rule):
        raise ArgumentTypeError(f"rule must be a function rule(p, q, draft_tokens, rng), like sl.verify; got {rule!r}")
    p = as_probability_rows(p, "p")
    q = as_probability_rows(q, "q")
    if p.ndim != 2 or q.ndim != 2 or p.shape[0] != q.shape[0] + 1 or p.shape[1] != q.shape[1]:
        raise ValueError(f"p must be [k+1, V] and q [k, V]; got p {p.shape}, q {q.shape}")
    rounds = as_count(rounds, "rounds", minimum=1, maximum=MAX_LOSSLESS_ROUNDS)
    k, vocab_size = q.shape
    rng = np.random.default_rng(as_count(seed, "seed"))
    counts = np.zeros((k + 1, vocab_size), dtype=np.int64)
    for _ in tqdm(range(rounds), desc="rounds", disable=rounds < 100_000):
        drafts = sample_categorical(q, rng.random(k)).astype(np.int64)
        tokens = rule(p, q, drafts, rng).tokens
        counts[np.arange(len(tokens)), tokens] += 1
    return counts


def lossless_report(rule=verify, p=None, q=None, rounds: int = 20_000, seed: int = 0) -> LosslessReport:
    """Count a rule's emitted tokens and chi-square test every output position against p."""
    from .stats import chi_square_test

    counts = emitted_token_counts(rule, p, q, rounds=rounds, seed=seed)
    p = np.asarray(p, dtype=np.float64)
    results = [chi_square_test(row, p_j) for row, p_j in zip(counts, p)]
    statistics, p_values = (np.array(column, dtype=np.float64) for column in zip(*results))
    return LosslessReport(counts, p, statistics, p_values)
