"""Predict a real run's speedup from its rounds, and say when a measurement contradicts itself.

The replay prediction takes the rounds a run actually made (how many drafts each had, including
rounds that drafted nothing) and assumes two things only:
    acceptance   the i-th draft of a round is accepted, given the drafts before it were, with the
                 prompt's acceptance at position i (or one alpha at every position), so a round with
                 d drafts yields 1 + a_1 + a_1 a_2 + ... + a_1...a_d tokens (speclab.proposals;
                 with one alpha, expected_tokens(alpha, d): Leviathan et al. 2023, eq. 1)
    cost         a round costs one baseline step (target pass over 1 token plus the runner's
                 fixed work), plus t(d+1) - t(1) for verifying d more tokens, plus d draft steps
Comparing each assumption with what the run did splits a gap in two: tokens per round
(acceptance) and seconds per round (cost). numpy only, so the guards are testable on crafted numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import theory
from ...proposals import tokens_by_length

#: A speedup this far above the tokens per target pass cannot be real (noise, not a finding).
BOUND_SLACK = 1.10
#: t(n) / t(1) below this says the timing of one pass is wrong, not that more tokens are cheaper.
#: (With column products a CPU pass over n >= 2 tokens may use T cores where one token used one:
#: the floor is then GROWTH_FLOOR / T; see growth_floor.)
GROWTH_FLOOR = 0.90
#: With nothing accepted every round emits one token: a "speedup" above this is noise.
NOTHING_ACCEPTED_CEILING = 1.05


@dataclass(frozen=True)
class Replay:
    """Predicted tokens and seconds of one run, from its draft counts and the measured costs."""

    tokens: float          # expected tokens over the run's rounds under i.i.d. acceptance
    seconds: float         # predicted seconds, prefill included
    rounds: int

    @property
    def tokens_per_round(self) -> float:
        return self.tokens / self.rounds

    def seconds_per_round(self, prefill: float) -> float:
        return (self.seconds - prefill) / self.rounds


def replay(draft_counts, alpha: float, baseline_step: float, extra_verify, draft_step: float,
           prefill: float) -> Replay:
    """The replay prediction for one run.

    draft_counts: drafts per round, as the run made them (0 for a round without drafts);
    alpha: the acceptance probability per draft, one number for every position (any value when no
    round drafted), or one per position a_1, a_2, ... covering the longest round;
    baseline_step: seconds per token of the target alone (pass plus the runner's fixed work);
    extra_verify: extra_verify[d] = t(d+1) - t(1), seconds (extra_verify[0] == 0);
    draft_step: seconds per drafted token; prefill: seconds to read the prompt.
    """
    d = np.asarray(draft_counts, dtype=np.int64)
    if d.size == 0:
        raise ValueError("draft_counts must hold at least one round")
    extra = np.asarray(extra_verify, dtype=np.float64)
    if d.max() >= extra.size:
        raise ValueError(f"extra_verify must cover up to {d.max()} drafts; it has {extra.size} entries")
    tokens = float(np.sum(_tokens_by_length(alpha, int(d.max()))[d]))
    seconds = prefill + float(np.sum(baseline_step + extra[d] + d * draft_step))
    return Replay(tokens, seconds, int(d.size))


def _tokens_by_length(alpha, longest: int) -> np.ndarray:
    """Expected tokens of a round of d = 0..longest drafts, from one alpha or one rate per position."""
    rates = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
    rates = np.where(np.isfinite(rates), rates, 0.0)               # nothing examined: nothing accepted
    if rates.size == 1:
        rates = np.repeat(rates, longest)
    if rates.ndim != 1 or rates.size < longest:
        raise ValueError(f"alpha must be one number or one rate per draft position 1..{longest}; "
                         f"got {rates.size} rates")
    return tokens_by_length(rates[:longest])


def predicted_speedup(replays, base_tokens, base_seconds) -> float:
    """Predicted tokens/s of the replays (pooled over prompts) over the baseline's measured tokens/s."""
    rate = sum(r.tokens for r in replays) / sum(r.seconds for r in replays)
    return rate / (float(np.sum(base_tokens)) / float(np.sum(base_seconds)))


def formula_speedup(alpha: float, k: int, c: float, growth: float) -> float:
    """The i.i.d. closed form with one alpha, no rounds without drafts, no fixed work per round."""
    a = float(alpha) if np.isfinite(alpha) else 0.0
    g = max((growth - 1.0) / k, 0.0)
    return float(theory.speedup(a, k, max(c, 0.0), g))


def growth_floor(threads: int = 1) -> float:
    """The lowest believable t(n)/t(1): one-token passes may use one core where longer ones use `threads`."""
    return GROWTH_FLOOR / max(int(threads), 1)


def guard_flags(measured: float, tokens_per_round: float, n_accepted: int, growth: float, k: int,
                floor: float = GROWTH_FLOOR) -> list:
    """The ways a measured speedup contradicts the run that produced it (empty: none).

    A round emits tokens_per_round tokens for one pass costing `growth` = t(k+1)/t(1) single steps
    (taken no lower than `floor`, nor above 1), so the speedup cannot exceed their ratio.
    """
    flags = []
    bound = tokens_per_round / min(max(growth, floor), 1.0)
    if measured > BOUND_SLACK * bound:
        flags.append(f"speedup {measured:.2f}x above the {bound:.2f}x that {tokens_per_round:.2f} tokens per "
                     f"target pass allow")
    if growth < floor:
        flags.append(f"verifying {k + 1} tokens timed faster than 1 (t({k + 1})/t(1) = {growth:.2f})")
    if n_accepted == 0 and measured > NOTHING_ACCEPTED_CEILING:
        flags.append(f"speedup {measured:.2f}x with no draft accepted")
    return flags


def explain_gap(measured_low: float, measured_high: float, predicted: float, token_ratio: float,
                time_ratio: float) -> str:
    """Which assumption explains the gap between a prediction and the measured spread.

    token_ratio: measured / predicted tokens per round; time_ratio: predicted / measured seconds
    per round (each < 1 when that part of the prediction is too optimistic).
    """
    if measured_low <= predicted <= measured_high:
        return "agrees (within the spread)"
    token_off, time_off = abs(np.log(token_ratio)), abs(np.log(time_ratio))
    if token_off >= time_off:
        side = "fewer" if token_ratio < 1 else "more"
        return f"acceptance: {side} tokens per round than i.i.d. ({token_ratio:.2f}x)"
    side = "slower" if time_ratio < 1 else "faster"
    return f"cost: rounds {side} than t(d+1) + drafts ({time_ratio:.2f}x)"
