"""Monte Carlo speculative decoding on a synthetic pair, vectorized over trials, time modelled.

Every trial decodes `num_tokens` tokens in rounds: draft k tokens from q, verify them with
THE rule of `speclab.verify`, emit the accepted prefix plus one correction or bonus token.
Nothing sleeps: each round costs k draft steps plus one target pass under a `CostModel`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from ._validate import ArgumentTypeError, as_count, as_flag, as_nonnegative, check_memory
from .limits import MAX_K, MAX_NUM_TOKENS, MAX_SIMULATED_TOKENS, MAX_STEP_MS, MAX_TRIALS, MAX_VERIFY_GROWTH
from .policies import as_policy
from .rounds import RoundRecord
from .synthetic import SyntheticPair
from .verify import accept_probabilities, count_accepted, cumulative_table, residual_of_checked, sample_from_table

__all__ = ["CostModel", "SimulationResult", "SyntheticPair", "simulate"]

Z_95 = 1.959963984540054

#: simulate(progress=None) shows a bar when trials * num_tokens reaches this.
PROGRESS_TOKENS = 2_000_000


@dataclass(frozen=True)
class CostModel:
    """Modelled latency: one draft step, one target step, and how verifying k+1 tokens grows.

    A target pass over k+1 tokens costs target_ms * (1 + verify_growth * k); 0 is the paper's
    assumption that verifying k+1 tokens costs the same as generating one.
    """

    draft_ms: float = 5.0
    target_ms: float = 50.0
    verify_growth: float = 0.0

    def __post_init__(self):
        # Steps of at most MAX_STEP_MS, a target step no shorter than the smallest normal float and
        # c finite: so that c, a round's time and a sum over rounds never overflow to inf.
        draft_ms = as_nonnegative(self.draft_ms, "draft_ms", scalar=True)
        target_ms = as_nonnegative(self.target_ms, "target_ms", scalar=True)
        growth = as_nonnegative(self.verify_growth, "verify_growth", scalar=True)
        for name, value in (("draft_ms", draft_ms), ("target_ms", target_ms)):
            if value > MAX_STEP_MS:
                raise ValueError(f"{name} must be at most {MAX_STEP_MS:g} ms; got {value!r}")
        if not target_ms >= np.finfo(np.float64).tiny or not math.isfinite(draft_ms / target_ms):
            raise ValueError(f"target_ms must be a finite number > 0, large enough that draft_ms / target_ms is finite; "
                             f"got target_ms={target_ms!r}, draft_ms={draft_ms!r}")
        if growth > MAX_VERIFY_GROWTH:
            raise ValueError(f"verify_growth must be at most {MAX_VERIFY_GROWTH:g}; got {growth!r}")

    @property
    def c(self) -> float:
        """Cost ratio: one draft step over one target step."""
        return self.draft_ms / self.target_ms

    def round_ms(self, k):
        """Time of one round with k drafts: k draft steps plus one verifying target pass."""
        return k * self.draft_ms + self.target_ms * (1.0 + self.verify_growth * np.asarray(k))


@dataclass(frozen=True)
class SimulationResult:
    """Aggregates over all trials, plus the round records and output of trial 0 for the trace."""

    num_tokens: int
    trials: int
    time_ms: np.ndarray          # per-trial modelled time of speculative decoding
    baseline_ms: float           # modelled time of autoregressive decoding (num_tokens target steps)
    rounds_per_trial: np.ndarray
    drafted: int
    accepted: int
    alpha: float                 # mean sum(min(p, q)) over the positions where a draft was tested
                                 # (NaN when nothing was drafted: then alpha is undefined)
    target_passes: int
    draft_passes: int
    rounds: list = field(repr=False)   # RoundRecords of trial 0
    tokens: np.ndarray = field(repr=False)  # trial 0's output
    all_tokens: np.ndarray | None = field(default=None, repr=False)  # [trials, num_tokens] if kept

    @property
    def speedup(self) -> float:
        """Autoregressive time over mean speculative time (ratio of expected latencies)."""
        return self.baseline_ms / float(np.mean(self.time_ms))

    @property
    def speedup_ci(self) -> tuple:
        """95% interval for `speedup`, from the normal interval of the mean time."""
        mean = float(np.mean(self.time_ms))
        half = Z_95 * float(np.std(self.time_ms, ddof=1)) / np.sqrt(self.trials) if self.trials > 1 else 0.0
        return self.baseline_ms / (mean + half), self.baseline_ms / max(mean - half, 1e-300)

    @property
    def acceptance_rate(self) -> float:
        """accepted drafts / drafted tokens (NOT alpha; see theory.accepted_fraction)."""
        return self.accepted / self.drafted if self.drafted else float("nan")

    @property
    def mean_tokens_per_round(self) -> float:
        return self.num_tokens * self.trials / float(np.sum(self.rounds_per_trial))

    def summary(self) -> str:
        low, high = self.speedup_ci
        return "\n".join([
            f"trials                 {self.trials} x {self.num_tokens} tokens",
            f"modelled speedup       {self.speedup:.3f}x  (95% CI {low:.3f}-{high:.3f})",
            f"alpha (E sum min(p,q)) {_or_na(self.alpha)}",
            f"accepted / drafted     {_or_na(self.acceptance_rate)}",
            f"tokens per round       {self.mean_tokens_per_round:.3f}",
            f"target / draft passes  {self.target_passes} / {self.draft_passes}",
        ])


class _Tables:
    """Per-position lookup tables for a pair: p, q, alpha and fast samplers for q, residual, p."""

    def __init__(self, pair: SyntheticPair, n_positions: int):
        self.p, self.q = pair.distributions(n_positions)
        self.vocab_size = self.p.shape[1]
        self.n_positions = n_positions
        self.alpha_cumsum = np.concatenate([[0.0], np.cumsum(np.minimum(self.p, self.q).sum(-1))])
        self.draft_sampler = cumulative_table(self.q)
        # Rows 0..T-1 hold the residuals, rows T..2T-1 the targets (for the bonus token).
        self.final_sampler = cumulative_table(np.concatenate([residual_of_checked(self.p, self.q), self.p]))


def simulate(pair: SyntheticPair, num_tokens: int = 200, k: int = 4, trials: int = 1000,
             cost: CostModel | None = None, seed: int = 0, policy=None,
             keep_tokens: bool = False, progress=None) -> SimulationResult:
    """Run `trials` independent speculative decodes of `num_tokens` tokens, all at once.

    `policy` (FixedK, AdaptiveK, ...) overrides `k`. A round never drafts past the token budget,
    so every trial emits exactly `num_tokens` tokens; `keep_tokens` keeps them all. Sizes are
    bounded (limits.MAX_NUM_TOKENS, MAX_TRIALS, MAX_SIMULATED_TOKENS, MEMORY_BYTES) and checked
    before anything is allocated. `progress`: a tqdm bar; None shows it for long runs.
    """
    if not isinstance(pair, SyntheticPair):
        raise ArgumentTypeError(f"pair must be a SyntheticPair; got {type(pair).__name__}")
    num_tokens, trials = check_simulation_size(num_tokens, trials)
    policy = as_policy(policy, k=as_count(k, "k", maximum=MAX_K))
    keep_tokens = as_flag(keep_tokens, "keep_tokens")
    cost = CostModel() if cost is None else cost
    if not isinstance(cost, CostModel):
        raise ArgumentTypeError(f"cost must be a CostModel; got {type(cost).__name__}")
    rng = np.random.default_rng(as_count(seed, "seed"))
    check_memory(simulation_bytes(pair.vocab_size, num_tokens, trials, policy.max_k, bool(keep_tokens)),
                 f"simulating {trials:,} trials of {num_tokens:,} tokens", "trials, num_tokens or the vocabulary")
    progress = as_flag(progress, "progress", allow_none=True)
    show = trials * num_tokens >= PROGRESS_TOKENS if progress is None else progress
    tables = _Tables(pair, num_tokens + 1)
    with tqdm(total=trials * num_tokens, desc="simulate", unit="tok", disable=not show) as bar:
        state = _run_trials(tables, num_tokens, trials, policy, cost, rng, keep_tokens, bar)
    tested = int(state["tested"].sum())
    return SimulationResult(
        num_tokens=num_tokens, trials=trials, time_ms=state["time_ms"],
        baseline_ms=num_tokens * cost.target_ms, rounds_per_trial=state["rounds"],
        drafted=int(state["drafted"].sum()), accepted=int(state["accepted"].sum()),
        alpha=float(state["alpha_sum"].sum() / tested) if tested else math.nan,
        target_passes=int(state["rounds"].sum()), draft_passes=int(state["drafted"].sum()),
        rounds=state["records"], tokens=np.array(state["tokens"], dtype=np.int64),
        all_tokens=state["out"],
    )


def check_simulation_size(num_tokens, trials) -> tuple:
    """num_tokens and trials as counts within their bounds, and their product within its own."""
    num_tokens = as_count(num_tokens, "num_tokens", minimum=1, maximum=MAX_NUM_TOKENS)
    trials = as_count(trials, "trials", minimum=1, maximum=MAX_TRIALS)
    if num_tokens * trials > MAX_SIMULATED_TOKENS:
        raise ValueError(f"trials * num_tokens must be at most {MAX_SIMULATED_TOKENS:,}; "
                         f"got {trials:,} * {num_tokens:,}")
    return num_tokens, trials


def simulation_bytes(vocab_size: int, num_tokens: int, trials: int, max_k: int, keep_tokens: bool) -> float:
    """Peak memory of `simulate`, estimated: the per-position tables, one round's arrays, the outputs."""
    tables = 10 * 8 * (num_tokens + 1) * vocab_size          # p, q, samplers, residual and temporaries
    width = min(max_k, num_tokens)
    one_round = 10 * 8 * trials * max(width, 1)                # positions, drafts, uniforms, p(x), q(x)
    per_trial = 12 * 8 * trials
    return float(tables + one_round + per_trial + (8 * trials * num_tokens if keep_tokens else 0))


def _or_na(x: float) -> str:
    """A rate for the summary, or n/a when it is undefined (nothing was drafted)."""
    return "n/a" if math.isnan(x) else f"{x:.4f}"


def _run_trials(tables: _Tables, num_tokens, trials, policy, cost, rng, keep_tokens, bar) -> dict:
    zeros_i = lambda: np.zeros(trials, dtype=np.int64)  # noqa: E731
    state = {"emitted": zeros_i(), "k": np.full(trials, policy.start_k, dtype=np.int64),
             "rounds": zeros_i(), "drafted": zeros_i(), "accepted": zeros_i(), "tested": zeros_i(),
             "alpha_sum": np.zeros(trials), "time_ms": np.zeros(trials), "records": [], "tokens": [],
             "out": np.full((trials, num_tokens), -1, dtype=np.int64) if keep_tokens else None}
    active = np.arange(trials)
    while active.size:
        before = int(state["emitted"][active].sum())
        _one_round(tables, state, active, num_tokens, policy, cost, rng)
        bar.update(int(state["emitted"][active].sum()) - before)
        active = active[state["emitted"][active] < num_tokens]
    return state


def _one_round(tables: _Tables, state, active, num_tokens, policy, cost, rng) -> None:
    """One round for every active trial: draft, verify (speclab.verify's rule), emit, account."""
    pos = state["emitted"][active]
    k = np.minimum(state["k"][active], num_tokens - pos - 1)          # never draft past the budget
    width = int(k.max())
    positions = np.minimum(pos[:, None] + np.arange(width), tables.n_positions - 1)
    # Step 1: the draft proposes x_i ~ q_i for i < k (padding beyond k is ignored below).
    drafts = sample_from_table(tables.draft_sampler, tables.vocab_size, positions, rng.random(positions.shape))
    p_x, q_x = tables.p[positions, drafts], tables.q[positions, drafts]
    # Step 2: accept while r_i < p_i(x_i) / q_i(x_i); n = accepted prefix length.
    n = count_accepted(p_x, q_x, rng.random(positions.shape), n_drafted=k)
    # Step 3/4: one token from the residual at the rejection, or a bonus from p after k accepts.
    final_rows = pos + n + tables.n_positions * (n == k)
    extra = sample_from_table(tables.final_sampler, tables.vocab_size, final_rows, rng.random(len(active)))
    if active[0] == 0:
        _record_trial_zero(state, pos[0], drafts[0, :k[0]], n[0], extra[0], p_x[0, :k[0]], q_x[0, :k[0]])
    if state["out"] is not None:
        _write_tokens(state["out"], active, pos, drafts, n, extra)
    tested = np.minimum(n + 1, k)
    state["alpha_sum"][active] += tables.alpha_cumsum[pos + tested] - tables.alpha_cumsum[pos]
    state["tested"][active] += tested
    state["emitted"][active] = pos + n + 1
    state["time_ms"][active] += cost.round_ms(k)
    state["rounds"][active] += 1
    state["drafted"][active] += k
    state["accepted"][active] += n
    state["k"][active] = policy.next_k(k, n)


def _write_tokens(out, active, pos, drafts, n, extra) -> None:
    """Store each trial's accepted drafts and its extra token at their output positions."""
    rows, slots = np.nonzero(np.arange(drafts.shape[1]) < n[:, None])
    out[active[rows], pos[rows] + slots] = drafts[rows, slots]
    out[active, pos + n] = extra


def _record_trial_zero(state, position, drafts, n, extra, p_x, q_x) -> None:
    record = RoundRecord(drafts, int(n), int(extra), int(position), accept_probabilities(p_x, q_x))
    state["records"].append(record)
    state["tokens"].extend(record.emitted)
