"""Tokens per target pass for a drafter that proposes anywhere from 0 to k tokens.

The closed form 1 + alpha + ... + alpha^k assumes every round drafts k tokens. Copying drafters
(prompt lookup, a suffix store) often have nothing to say, or fewer than k tokens. With the
measured distribution of proposal lengths P(L = l), l = 0..K, and the acceptance per position
a_i = P(draft i accepted | drafts 1..i-1 accepted), a round emits in expectation

    E[tokens per pass] = sum_l P(L = l) (1 + a_1 + a_1 a_2 + ... + a_1 ... a_l)

(a_i is taken to be the same whatever the proposal's length). With L = k always and a_i = alpha
it is the chain's closed form, speclab.expected_tokens(alpha, k). A round then costs one target
pass over the L + 1 rows it verifies, t(L + 1) / t(1), plus L draft steps of cost c each, so
the speedup is E[tokens] / (E[t(L + 1) / t(1)] + c E[L]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import SUM_TOLERANCE, ArgumentTypeError, as_count, as_nonnegative, as_real_array, as_unit_interval
from .limits import MAX_K
from .measured_k import as_pass_costs


def tokens_by_length(acceptance) -> np.ndarray:
    """Expected tokens of a round that proposes l drafts, l = 0..K: 1 + a_1 + a_1 a_2 + ... + a_1 ... a_l."""
    rates = _as_acceptance(acceptance)
    return 1.0 + np.concatenate([[0.0], np.cumsum(np.cumprod(rates))])


def proposal_tokens(length_pmf, acceptance) -> float:
    """Expected tokens per target pass: sum_l P(L = l) (1 + sum_{i <= l} a_1 ... a_i).

    length_pmf: P(L = l) for l = 0..K (sums to 1); acceptance: a_1..a_K, one per draft position.
    """
    pmf, rates = as_proposals(length_pmf, acceptance)
    return float(np.clip(pmf @ tokens_by_length(rates), 1.0, pmf.size))


def proposal_speedup(length_pmf, acceptance, c, pass_costs) -> float:
    """Expected speedup over plain decoding: E[tokens] / (E[t(L+1)/t(1)] + c E[L]).

    c: one draft step over one target step, charged per proposed token; pass_costs: t(n)/t(1)
    for n = 1, 2, ..., at least K + 1 of them (a round verifies its L proposals plus one row).
    """
    pmf, rates = as_proposals(length_pmf, acceptance)
    c = as_nonnegative(c, "c", scalar=True)
    costs = _covering_costs(pass_costs, pmf.size)
    with np.errstate(over="ignore"):             # a huge c: drafting costs forever, speedup 0
        return float(pmf @ tokens_by_length(rates) / (pmf @ costs + c * (pmf @ np.arange(pmf.size))))


def proposal_speedups(length_pmf, acceptance, c, pass_costs) -> np.ndarray:
    """Expected speedup for k = 0..K when the drafter, asked for at most k tokens, proposes min(L, k).

    What measured_k.speedups is for a chain: observed once at the largest k, it prices every smaller k.
    """
    pmf, rates = as_proposals(length_pmf, acceptance)
    c = as_nonnegative(c, "c", scalar=True)
    costs = _covering_costs(pass_costs, pmf.size)
    tokens, lengths = tokens_by_length(rates), np.arange(pmf.size)
    capped = [np.r_[pmf[:k], pmf[k:].sum()] for k in range(pmf.size)]     # P(min(L, k) = l), l = 0..k
    with np.errstate(over="ignore"):
        return np.array([p @ tokens[: k + 1] / (p @ costs[: k + 1] + c * (p @ lengths[: k + 1]))
                         for k, p in enumerate(capped)])


def effective_alpha(length_pmf, acceptance) -> float:
    """The alpha at which a chain that always drafts K tokens emits as many tokens per pass:
    where a drafter with these proposals really sits on a map drawn for chains."""
    from .theory import alpha_for_tokens

    pmf, rates = as_proposals(length_pmf, acceptance)
    if pmf.size == 1:
        raise ValueError("length_pmf must cover at least one draft position (K >= 1) to compare with a chain")
    return float(alpha_for_tokens(proposal_tokens(pmf, rates), pmf.size - 1))


@dataclass(frozen=True)
class ObservedProposals:
    """What a run's rounds show: how long the proposals were and how often each position was accepted."""

    length_pmf: np.ndarray    # P(L = l), l = 0..K, over the rounds
    acceptance: np.ndarray    # a_i = accepted / examined at position i (0 where nothing was examined)
    examined: np.ndarray      # rounds that put position i to the target (drafts 1..i-1 accepted)
    accepted: np.ndarray      # rounds whose position i was accepted
    rounds: int

    @property
    def tokens(self) -> float:
        """Predicted tokens per target pass from these proposals (proposal_tokens)."""
        return proposal_tokens(self.length_pmf, self.acceptance)

    @property
    def mean_length(self) -> float:
        return float(self.length_pmf @ np.arange(self.length_pmf.size))


def observed_proposals(rounds, k=None) -> ObservedProposals:
    """Proposal lengths and per-position acceptance from rounds (RoundRecords, or any objects with
    `draft_tokens` and `n_accepted`). k: the most drafts a round was allowed (default: the longest seen).

    A position no round reached gets acceptance 0: it then adds nothing to the prediction, and with
    lengths observed together with acceptance its weight in the prediction is (nearly always) 0.
    """
    if isinstance(rounds, (str, bytes)) or not hasattr(rounds, "__iter__"):
        raise ArgumentTypeError(f"rounds must be a list of rounds (RoundRecord); got {type(rounds).__name__}")
    lengths, kept = [], []
    for i, record in enumerate(rounds):
        try:
            length, n_accepted = len(record.draft_tokens), int(record.n_accepted)
        except (AttributeError, TypeError, ValueError):
            raise ArgumentTypeError(f"rounds[{i}] must be a round with draft_tokens and n_accepted "
                                    f"(RoundRecord); got {type(record).__name__}") from None
        if not 0 <= n_accepted <= length:
            raise ValueError(f"rounds[{i}].n_accepted must lie in 0..{length} (its drafts); got {n_accepted}")
        lengths.append(length)
        kept.append(n_accepted)
    if not lengths:
        raise ValueError("rounds must hold at least one round")
    lengths, kept = np.asarray(lengths), np.asarray(kept)
    k = int(lengths.max()) if k is None else as_count(k, "k", maximum=MAX_K)
    if lengths.max() > k:
        raise ValueError(f"k must be at least the longest proposal ({int(lengths.max())} drafts); got {k}")
    positions = np.arange(1, k + 1)[:, None]
    examined = ((lengths >= positions) & (kept >= positions - 1)).sum(axis=1)
    accepted = (kept >= positions).sum(axis=1)
    acceptance = np.divide(accepted, examined, out=np.zeros(k), where=examined > 0)
    pmf = np.bincount(lengths, minlength=k + 1) / lengths.size
    return ObservedProposals(pmf, acceptance, examined, accepted, int(lengths.size))


# ----------------------------------------------------------------------------- checks

def as_proposals(length_pmf, acceptance) -> tuple:
    """(length_pmf, acceptance) as float arrays: a probability vector over l = 0..K and K rates in [0, 1]."""
    pmf = as_real_array(length_pmf, "length_pmf")
    if pmf.ndim != 1 or pmf.size == 0 or pmf.size > MAX_K + 1:
        raise ValueError(f"length_pmf must be a flat list of P(L = l) for l = 0..K (1 to {MAX_K + 1:,} numbers); "
                         f"got shape {pmf.shape}")
    if not np.all(np.isfinite(pmf)) or np.any(pmf < 0) or abs(pmf.sum() - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"length_pmf must be non-negative probabilities that sum to 1; got sum {pmf.sum():.6g}")
    rates = _as_acceptance(acceptance)
    if rates.size != pmf.size - 1:
        raise ValueError(f"acceptance must hold one rate per draft position 1..K, K = len(length_pmf) - 1 = "
                         f"{pmf.size - 1}; got {rates.size}")
    return pmf / pmf.sum(), rates


def _as_acceptance(acceptance) -> np.ndarray:
    rates = np.atleast_1d(as_unit_interval(acceptance, "acceptance"))
    if rates.ndim != 1:
        raise ValueError(f"acceptance must be a flat list of rates a_1..a_K in [0, 1]; got shape {rates.shape}")
    return rates


def _covering_costs(pass_costs, n: int) -> np.ndarray:
    """t(n)/t(1) for the n = 1..len rows a round may verify, relative to t(1)."""
    costs = as_pass_costs(pass_costs)
    if costs.size < n:
        raise ValueError(f"pass_costs must hold t(n)/t(1) for n = 1..{n} (a round verifies up to K + 1 rows); "
                         f"got {costs.size}")
    return costs[:n] / costs[0]
