"""Measure a draft/target pair on a noisy machine and set the theory beside what happened.

1. cost model: target passes over 1..max(k)+1 tokens and one draft step, interleaved (timing.py)
2. runs: on every prompt, the target alone (the runner with k = 0) and the runner at each k,
   all interleaved in ABBA blocks (speclab.interleave), so every speedup is a paired ratio
3. per prompt and pooled: tokens per round, rounds without drafts, alpha, the replay prediction
   and the one-alpha formula beside the measured median and its spread (prediction.py)
4. guards: a row that contradicts itself is flagged and never recommended
"""

from __future__ import annotations

import time

import numpy as np
import torch

from ..._validate import as_count
from ...interleave import run_interleaved, spread
from ...measured_k import best_k
from ...policies import FixedK
from . import prediction
from .._checks import as_input_ids
from ..baselines import autoregressive
from ..decoder import SpeculativeDecoder
from .report import PairMeasurement, Row
from ..prompts import PROMPTS, chat_input_ids
from ..sampling import Sampling
from .timing import pass_times, prefill_seconds


def measure_pair(target, drafter, tokenizer=None, prompts=None, ks=(1, 2, 4, 8), max_new_tokens: int = 64,
                 temperature: float = 0.0, top_k=None, top_p=None, seed: int = 0, repeats: int = 3,
                 progress: bool = True, clock=time.perf_counter) -> PairMeasurement:
    """Measure alpha, c and t(n), predict the speedup per k and prompt, and measure it, interleaved.

    prompts: strings (chat-formatted when the tokenizer has a template) or token-id lists;
    default: the four prompts of speclab.real.prompts.
    repeats: ABBA blocks; each runs the baseline and every k twice on every prompt.
    clock: the timer (seconds); injectable for tests.
    """
    from tqdm.auto import tqdm

    ks = _check_ks(ks)
    max_new_tokens = as_count(max_new_tokens, "max_new_tokens", minimum=1)
    blocks = as_count(repeats, "repeats", minimum=1)
    sampling = Sampling(temperature, top_k, top_p)
    decoder = SpeculativeDecoder(target, drafter, tokenizer)
    inputs, labels = _prompt_ids(prompts, tokenizer)
    bar = tqdm(total=1 + 2 * blocks * len(inputs) * (len(ks) + 1), desc="measuring pair", disable=not progress)
    passes = pass_times(target, decoder.drafter, inputs[0], max(ks) + 1, sampling, max(blocks, 3), clock)
    prefill = prefill_seconds(target, inputs, clock=clock)
    bar.update()

    def run(ids, k, j):
        if k == 0:
            return lambda: autoregressive(target, ids, max_new_tokens, temperature, top_k, top_p, seed + j)
        return lambda: decoder.generate(ids, max_new_tokens, temperature=temperature, top_k=top_k, top_p=top_p,
                                        seed=seed + j, policy=FixedK(k))

    calls = {(j, k): run(ids, k, j) for j, ids in enumerate(inputs) for k in [0] + ks}
    calls[(0, 0)]()                                              # warm-up, untimed
    timed = run_interleaved(calls, blocks, clock=clock, progress=bar)
    bar.close()
    return _summarize(decoder.drafter, ks, labels, timed, passes, prefill, max_new_tokens, sampling.temperature)


def _summarize(drafter, ks, labels, timed, passes, prefill, max_new_tokens, temperature) -> PairMeasurement:
    """Per-prompt rows, pooled rows, guards and the recommendation."""
    n = len(labels)
    t1 = passes.seconds[0].median
    extra = [(g.median - 1.0) * t1 for g in passes.growth]
    base = [_Run(timed, (j, 0)) for j in range(n)]
    rows, pooled = [], []
    for k in ks:
        runs = [_Run(timed, (j, k)) for j in range(n)]
        replays = [[prediction.replay(r.draft_counts, r.alpha, b.step(blk, prefill[j]), extra,
                                      passes.draft_seconds.median, prefill[j]) for blk in range(timed.blocks)]
                   for j, (r, b) in enumerate(zip(runs, base))]
        growth = passes.growth[k].median
        for j in range(n):
            rows.append(_row(labels[j], k, [runs[j]], [base[j]], [replays[j]], [prefill[j]], growth))
        row = _row("all prompts", k, runs, base, replays, prefill, growth)
        alpha = _pooled_alpha(runs)
        row.formula = prediction.formula_speedup(alpha, k, passes.c.median, growth)
        pooled.append(row)
    every = [_Run(timed, key) for key in timed.keys if key[1] > 0]
    alpha = _pooled_alpha(every)
    drafted = sum(r.out.n_drafted for r in every)
    growth_k = [max(passes.growth[k].median - 1.0, 0.0) / k for k in ks]
    return PairMeasurement(
        drafter=getattr(drafter, "name", type(drafter).__name__), ks=list(ks), blocks=timed.blocks, alpha=alpha,
        acceptance_rate=sum(r.out.n_accepted for r in every) / drafted if drafted else float("nan"),
        c=passes.c.median, target_step_seconds=t1, draft_step_seconds=passes.draft_seconds.median,
        target_pass_seconds=[s.median for s in passes.seconds], pass_growth=list(passes.growth),
        verify_growth=growth_k, formula_speedup=[r.formula for r in pooled],
        predicted_speedup=[r.predicted.median for r in pooled], measured_speedup=[r.measured.median for r in pooled],
        pooled=pooled, rows=rows,
        predicted_k=best_k([alpha if np.isfinite(alpha) else 0.0], max(passes.c.median, 0.0),
                           [g.median for g in passes.growth[: max(ks) + 1]]),
        recommended_k=_recommend(ks, pooled, rows),
        baseline_tokens_per_second=sum(len(b.out.token_ids) for b in base) / sum(np.median(b.seconds) for b in base),
        n_prompts=n, max_new_tokens=max_new_tokens, temperature=temperature)


class _Run:
    """One configuration on one prompt: its result and its seconds per block (mean of the two runs)."""

    def __init__(self, timed, key):
        self.out = timed.results[key]
        self.seconds = timed.block_seconds(key) / 2.0

    @property
    def tokens(self) -> int:
        return len(self.out.token_ids)

    @property
    def draft_counts(self) -> list:
        return [len(r.draft_tokens) for r in getattr(self.out, "rounds", [])]

    @property
    def alpha(self) -> float:
        count = getattr(self.out, "alpha_count", 0)
        return self.out.alpha_sum / count if count else float("nan")

    def step(self, block: int, prefill: float) -> float:
        """Seconds per token of this (baseline) run in `block`, prefill taken out."""
        return max(self.seconds[block] - prefill, 0.0) / self.tokens


def _row(label, k, runs, base, replays, prefill, growth) -> Row:
    """A Row over one or several prompts: pooled counts, paired speedups, predictions, gap, guards."""
    tokens = sum(r.tokens for r in runs)
    rounds = sum(len(r.draft_counts) for r in runs)
    no_draft = sum(d == 0 for r in runs for d in r.draft_counts)
    base_tokens = sum(b.tokens for b in base)
    blocks = len(runs[0].seconds)
    measured = [(tokens / sum(r.seconds[b] for r in runs)) / (base_tokens / sum(s.seconds[b] for s in base))
                for b in range(blocks)]
    predicted = [prediction.predicted_speedup([rep[b] for rep in replays], [s.tokens for s in base],
                                              [s.seconds[b] for s in base]) for b in range(blocks)]
    m, p = spread(measured), spread(predicted)
    predicted_tokens = sum(float(np.median([rep[b].tokens for b in range(blocks)])) for rep in replays)
    token_ratio = tokens / predicted_tokens
    spec_seconds = sum(float(np.median(r.seconds)) - f for r, f in zip(runs, prefill))
    pred_seconds = sum(float(np.median([rep[b].seconds for b in range(blocks)])) - f
                       for rep, f in zip(replays, prefill))
    time_ratio = pred_seconds / spec_seconds if spec_seconds > 0 else float("nan")
    accepted = sum(r.out.n_accepted for r in runs)
    flags = prediction.guard_flags(m.median, tokens / rounds, accepted, growth, k,
                                   prediction.growth_floor(torch.get_num_threads()))
    return Row(prompt=label, k=k, tokens=tokens, rounds=rounds, no_draft_rounds=no_draft / rounds,
               drafted=sum(r.out.n_drafted for r in runs), accepted=accepted, alpha=_pooled_alpha(runs),
               predicted=p, measured=m, predicted_tokens=predicted_tokens, token_ratio=token_ratio,
               time_ratio=time_ratio,
               explanation=prediction.explain_gap(m.low, m.high, p.median, token_ratio, time_ratio), flags=flags)


def _pooled_alpha(runs) -> float:
    """alpha over several runs, each weighted by its examined drafts (accepted over tested, for greedy)."""
    count = sum(getattr(r.out, "alpha_count", 0) for r in runs)
    return sum(r.out.alpha_sum for r in runs) / count if count else float("nan")


def _recommend(ks, pooled, rows) -> int:
    """The k with the best measured median among rows without flags whose whole spread beats 1; else 0."""
    flagged = {r.k for r in rows if r.flags} | {r.k for r in pooled if r.flags}
    trusted = [r for r in pooled if r.k not in flagged and r.measured.low > 1.0]
    return max(trusted, key=lambda r: r.measured.median).k if trusted else 0


def _check_ks(ks) -> list:
    ks = [as_count(k, "ks", minimum=1) for k in (ks if np.ndim(ks) else [ks])]
    if not ks:
        raise ValueError("ks must list at least one k >= 1, e.g. (1, 2, 4, 8)")
    return sorted(set(ks))


def _prompt_ids(prompts, tokenizer) -> tuple:
    """Token ids per prompt (strings through the chat template when there is one) and a short label each."""
    if prompts is None:
        if tokenizer is None:
            raise ValueError("prompts must be given as token ids when no tokenizer is passed")
        prompts = list(PROMPTS.values())
    if isinstance(prompts, str) or not len(prompts):
        raise ValueError("prompts must be a non-empty list of strings or token-id lists")
    names = {text: name for name, text in PROMPTS.items()}
    ids, labels = [], []
    for i, prompt in enumerate(prompts):
        if isinstance(prompt, str) and tokenizer is not None:
            ids.append(chat_input_ids(tokenizer, prompt))
            labels.append(names.get(prompt, prompt[:15]))
        else:
            ids.append(as_input_ids(prompt, tokenizer))
            labels.append(names.get(prompt, f"prompt {i + 1}") if isinstance(prompt, str) else f"prompt {i + 1}")
    return ids, labels
